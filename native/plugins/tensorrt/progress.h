// TensorRT's build progress, relayed to Kiln. TensorRT calls the monitor from its builder threads;
// Kiln's callback queues what it is given (native/src/trt_binding.cc), so calls are serialized
// here. stepComplete's answer is how a cancel reaches the builder.
#pragma once
#include <NvInfer.h>

#include <map>
#include <mutex>
#include <string>

#include "kiln_trt_plugin.h"

namespace kiln_trt {

class Progress : public nvinfer1::IProgressMonitor {
 public:
  Progress(kiln_trt_progress_fn fn, void* user, volatile int* cancel) : fn_(fn), user_(user), cancel_(cancel) {}
  void phaseStart(char const* phase, char const* parent, int32_t nbSteps) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    steps_[phase] = nbSteps;
    if (!parent) fn_(user_, phase, 0.0);
  }
  bool stepComplete(char const* phase, int32_t step) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    const int32_t n = steps_[phase];
    if (n > 0) fn_(user_, phase, static_cast<double>(step + 1) / n);
    return *cancel_ == 0;  // false stops the build
  }
  void phaseFinish(char const* phase) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    steps_.erase(phase);
  }

 private:
  kiln_trt_progress_fn fn_;
  void* user_;
  volatile int* cancel_;
  std::mutex mutex_;
  std::map<std::string, int32_t> steps_;
};

}  // namespace kiln_trt
