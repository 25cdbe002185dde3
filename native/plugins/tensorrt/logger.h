// TensorRT's logger. TensorRT keeps the first logger it is given for the whole process
// (NVIDIA/TensorRT#1475), so there is exactly one, created on first use and never destroyed: a
// logger per call would be destroyed while another call's runtime still logs through it. Each call
// reads back what was logged since it began (CallLog), which is the errors its message quotes.
#pragma once
#include <NvInfer.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kiln_trt {

nvinfer1::ILogger& processLogger();

/** Messages logged since this CallLog was made (every thread's: TensorRT logs from its own threads too). */
class CallLog {
 public:
  CallLog();
  /** The last three errors, "; "-joined ("" when none). */
  std::string errors() const;
  std::vector<std::string> warnings() const;

 private:
  uint64_t from_;
};

}  // namespace kiln_trt
