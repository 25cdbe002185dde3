// A deserialized engine ready to run: an execution context, and for every I/O tensor the memory
// TensorRT needs — device memory for device tensors, host memory for the tensors TensorRT reads on
// the host (shape tensors: isShapeInferenceIO), an IOutputAllocator for outputs whose shape depends
// on data (NonZero, NMS) — with pinned host buffers to copy through. Inputs hold valid values
// for their dtype until a caller gives its own, and are uploaded once before anything runs.
#pragma once
#include <NvInfer.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calls.h"
#include "json.h"
#include "logger.h"

namespace kiln_trt {

/** An output TensorRT sizes while it runs: grows its device buffer on request, remembers the shape. */
class OutputAllocator : public nvinfer1::IOutputAllocator {
 public:
  ~OutputAllocator() override;
  void* reallocateOutputAsync(char const* name, void* current, uint64_t size, uint64_t alignment,
                              cudaStream_t stream) noexcept override;
  void notifyShape(char const* name, nvinfer1::Dims const& dims) noexcept override;
  void* memory = nullptr;
  uint64_t capacity = 0;
  nvinfer1::Dims dims{};
  bool failed = false;
};

struct IoTensor {
  std::string name;
  bool input = false;
  bool onHost = false;  // TensorRT reads it on the host (a shape tensor)
  nvinfer1::DataType type = nvinfer1::DataType::kFLOAT;
  nvinfer1::Dims dims{};
  size_t bytes = 0;
  void* device = nullptr;
  char* host = nullptr;  // pinned (cudaMallocHost); for onHost inputs, the memory TensorRT reads
  size_t hostBytes = 0;
  std::unique_ptr<OutputAllocator> allocator;  // outputs whose shape depends on data
};

/** A failure: Kiln's error code and the message. */
struct LoadError {
  std::string code, message;
  explicit operator bool() const { return !code.empty(); }
};

class Engine {
 public:
  ~Engine();
  /** Reads and deserializes `path`; allowHostCode: see include/kiln_trt_plugin.h. */
  LoadError open(const std::string& path, bool allowHostCode);
  /**
   * Sets each input's shape (`shapes`, else the profile's opt shape) and data (`data`, else valid
   * generated values), then gives every tensor its memory. Data sizes are checked.
   */
  LoadError bind(const kiln::Json& shapes, const std::map<std::string, std::vector<char>>& data);
  /** Copies the device inputs up (once) on `stream` and waits. */
  LoadError upload(cudaStream_t stream);
  /** The bytes an output holds after a run (an allocator's output: what it was told). */
  size_t outputBytes(const IoTensor& t) const;

  CallLog log;
  std::unique_ptr<nvinfer1::IRuntime, Deleter<nvinfer1::IRuntime>> runtime;
  std::unique_ptr<nvinfer1::ICudaEngine, Deleter<nvinfer1::ICudaEngine>> engine;
  std::unique_ptr<nvinfer1::IExecutionContext, Deleter<nvinfer1::IExecutionContext>> context;
  std::vector<IoTensor> tensors;
  double coldStartMs = 0;
};

}  // namespace kiln_trt
