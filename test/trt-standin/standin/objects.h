// The stand-in's TensorRT objects. Each public TensorRT class (IBuilder, ICudaEngine, ...) is a
// thin shell over an `apiv::V*` implementation (mImpl), exactly as libnvinfer builds them; each
// implementation here derives from the generated stub (stubs.h), which aborts on any call not
// modelled, and overrides the calls Kiln's plugin makes, checking their documented preconditions.
#pragma once
#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "model.h"
#include "state.h"
#include "stubs.h"

namespace kiln_standin {

using namespace nvinfer1;

/** A TensorRT shell class `Shell` whose mImpl is an owned `Impl`; born/died track ownership order. */
template <typename Shell, typename Impl>
class Object : public Shell {
 public:
  template <typename... A>
  explicit Object(const char* what, const void* parent, A&&... args) : impl(std::forward<A>(args)...), what_(what) {
    this->mImpl = &impl;
    if (parent) born(this, parent, what);
  }
  ~Object() noexcept override { died(this, what_); }
  Impl impl;

 private:
  const char* what_;
};

class TensorImpl : public apiv::StubVTensor {
 public:
  TensorDesc desc;
  char const* getName() const noexcept override { return desc.name.c_str(); }
  Dims getDimensions() const noexcept override;
  DataType getType() const noexcept override { return desc.type; }
  bool isShapeTensor() const noexcept override { return desc.shapeTensor; }
  bool isNetworkInput() const noexcept override { return desc.input; }
  bool isNetworkOutput() const noexcept override { return !desc.input; }
};
using Tensor = Object<ITensor, TensorImpl>;

class NetworkImpl : public apiv::StubVNetworkDefinition {
 public:
  std::vector<std::unique_ptr<Tensor>> inputs, outputs;
  std::vector<std::string> layers;
  bool plugins = false;
  bool parsed = false;
  int32_t getNbInputs() const noexcept override { return static_cast<int32_t>(inputs.size()); }
  ITensor* getInput(int32_t i) const noexcept override;
  int32_t getNbOutputs() const noexcept override { return static_cast<int32_t>(outputs.size()); }
  ITensor* getOutput(int32_t i) const noexcept override;
  int32_t getNbLayers() const noexcept override { return static_cast<int32_t>(layers.size()); }
};
using Network = Object<INetworkDefinition, NetworkImpl>;

Dims toDims(const std::vector<int64_t>& v);
std::vector<int64_t> fromDims(const Dims& d);

}  // namespace kiln_standin
