// Loading an engine and giving its tensors memory (engine.h). Generated inputs follow trtexec's
// rule of values every consumer accepts, made stricter for indices: floats in [-1, 1], integers 0
// or 1 (valid Gather indices into any non-empty axis, valid masks and counts), bools 0 or 1.
#include "engine.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include "common.h"
#include "libs.h"

using kiln::Json;
using namespace nvinfer1;

namespace kiln_trt {
namespace {

uint16_t toHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  const uint32_t mant = (x >> 13) & 0x3ff;
  if (exp <= 0) return static_cast<uint16_t>(sign);  // tiny values: zero
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exp) << 10) | mant);
}

/** Valid values for element `i` of a tensor of type `t`, written at `p`. */
void generate(DataType t, char* p, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const float f = static_cast<float>((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    switch (t) {
      case DataType::kFLOAT: std::memcpy(p + 4 * i, &f, 4); break;
      case DataType::kHALF: {
        const uint16_t h = toHalf(f);
        std::memcpy(p + 2 * i, &h, 2);
        break;
      }
      case DataType::kBF16: {
        uint32_t x;
        std::memcpy(&x, &f, 4);
        const uint16_t b = static_cast<uint16_t>(x >> 16);
        std::memcpy(p + 2 * i, &b, 2);
        break;
      }
      case DataType::kINT32: {
        const int32_t v = static_cast<int32_t>(i % 2);
        std::memcpy(p + 4 * i, &v, 4);
        break;
      }
      case DataType::kINT64: {
        const int64_t v = static_cast<int64_t>(i % 2);
        std::memcpy(p + 8 * i, &v, 8);
        break;
      }
      case DataType::kINT8: case DataType::kUINT8: case DataType::kBOOL: p[i] = static_cast<char>(i % 2); break;
      default: break;  // FP8, packed types: zeros are valid
    }
  }
}

size_t elements(const Dims& d) {
  size_t n = 1;
  for (int32_t k = 0; k < d.nbDims; k++) n *= static_cast<size_t>(std::max<int64_t>(d.d[k], 0));
  return n;
}

/** The profile's opt values of a shape tensor (10.11+: 64-bit). */
std::vector<int64_t> optValues(ICudaEngine& engine, const char* name, size_t n) {
  std::vector<int64_t> v;
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 11
  if (int64_t const* p = engine.getProfileTensorValuesV2(name, 0, OptProfileSelector::kOPT)) v.assign(p, p + n);
#else
  if (int32_t const* p = engine.getProfileTensorValues(name, 0, OptProfileSelector::kOPT)) v.assign(p, p + n);
#endif
  return v;
}

}  // namespace

OutputAllocator::~OutputAllocator() {
  if (memory) libs().cuda.free_(memory);
}

void* OutputAllocator::reallocateOutputAsync(char const*, void* current, uint64_t size, uint64_t, cudaStream_t) noexcept {
  if (size <= capacity && memory) return memory;
  if (memory) libs().cuda.free_(memory);
  memory = nullptr;
  capacity = 0;
  if (libs().cuda.malloc_(&memory, std::max<uint64_t>(size, 1)) != cudaSuccess) {
    failed = true;
    memory = nullptr;
    return nullptr;
  }
  capacity = size;
  (void)current;
  return memory;
}

void OutputAllocator::notifyShape(char const*, Dims const& d) noexcept { dims = d; }

Engine::~Engine() {
  Cuda& c = libs().cuda;
  context.reset();  // before the memory it points at
  for (auto& t : tensors) {
    if (t.device) c.free_(t.device);
    if (t.host) c.freeHost(t.host);
  }
}

LoadError Engine::open(const std::string& path, bool allowHostCode) {
  Libs& L = libs();
  std::vector<char> plan;
  if (!readFile(path, plan)) return {"FILE_NOT_FOUND", "cannot read the engine " + path};
  const auto t0 = std::chrono::steady_clock::now();
  ensurePlugins();  // engines with TensorRT's plugin layers need its registry
  runtime.reset(static_cast<IRuntime*>(L.createRuntime(&processLogger(), NV_TENSORRT_VERSION)));
  if (!runtime) return {"INTERNAL", "TensorRT could not create a runtime: " + log.errors()};
  runtime->setEngineHostCodeAllowed(allowHostCode);
  engine.reset(runtime->deserializeCudaEngine(plan.data(), plan.size()));
  if (!engine)
    return {"UNSUPPORTED", "TensorRT cannot deserialize " + path + ": " +
                               (log.errors().empty() ? "it gave no reason" : log.errors())};
  context.reset(engine->createExecutionContext());
  if (!context) return {"INTERNAL", "TensorRT could not create an execution context: " + log.errors()};
  coldStartMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return {};
}

LoadError Engine::bind(const Json& shapes, const std::map<std::string, std::vector<char>>& data) {
  Cuda& c = libs().cuda;
  const int32_t n = engine->getNbIOTensors();
  for (int32_t i = 0; i < n; i++) {
    IoTensor t;
    t.name = engine->getIOTensorName(i);
    t.input = engine->getTensorIOMode(t.name.c_str()) == TensorIOMode::kINPUT;
    t.type = engine->getTensorDataType(t.name.c_str());
    t.onHost = t.input && engine->isShapeInferenceIO(t.name.c_str());
    tensors.push_back(std::move(t));
  }
  // Inputs first: their shapes and host values decide the outputs' shapes.
  for (auto& t : tensors) {
    if (!t.input) continue;
    Dims d = engine->getTensorShape(t.name.c_str());
    bool dynamic = false;
    for (int32_t k = 0; k < d.nbDims; k++) dynamic = dynamic || d.d[k] < 0;
    if (shapes.has(t.name)) d = toDims(shapes[t.name]);
    else if (dynamic) d = engine->getProfileShape(t.name.c_str(), 0, OptProfileSelector::kOPT);
    for (int32_t k = 0; k < d.nbDims; k++)
      if (d.d[k] < 0) return {"INVALID_ARGUMENT", "input " + t.name + " has a dynamic dim and no profile: give its shape"};
    if (!context->setInputShape(t.name.c_str(), d))
      return {"INVALID_ARGUMENT", "TensorRT refused the shape of input " + t.name + ": " + log.errors()};
    t.dims = d;
    t.bytes = tensorBytes(d, t.type);
    t.hostBytes = std::max<size_t>(t.bytes, 1);
    if (c.mallocHost(reinterpret_cast<void**>(&t.host), t.hostBytes) != cudaSuccess)
      return {"INTERNAL", "cudaMallocHost failed for input " + t.name};
    std::memset(t.host, 0, t.hostBytes);
    auto given = data.find(t.name);
    if (given != data.end()) {
      if (given->second.size() != t.bytes)
        return {"INVALID_ARGUMENT", "input " + t.name + " needs " + std::to_string(t.bytes) + " bytes, the request gives " +
                                        std::to_string(given->second.size())};
      std::memcpy(t.host, given->second.data(), t.bytes);
    } else if (t.onHost) {
      const size_t count = elements(d);
      std::vector<int64_t> v = optValues(*engine, t.name.c_str(), count);
      v.resize(count, 1);
      for (size_t k = 0; k < count; k++) {
        if (t.type == DataType::kINT64) std::memcpy(t.host + 8 * k, &v[k], 8);
        else {
          const int32_t w = static_cast<int32_t>(v[k]);
          std::memcpy(t.host + 4 * k, &w, 4);
        }
      }
    } else {
      generate(t.type, t.host, elements(d));
    }
    if (t.onHost) {
      if (!context->setInputTensorAddress(t.name.c_str(), t.host))
        return {"INTERNAL", "TensorRT refused the address of input " + t.name};
      continue;
    }
    if (c.malloc_(&t.device, std::max<size_t>(t.bytes, 1)) != cudaSuccess)
      return {"INTERNAL", "cudaMalloc failed for input " + t.name};
    if (!context->setTensorAddress(t.name.c_str(), t.device))
      return {"INTERNAL", "TensorRT refused the address of input " + t.name};
  }
  for (auto& t : tensors) {
    if (t.input) continue;
    t.dims = context->getTensorShape(t.name.c_str());
    bool dataDependent = false;
    for (int32_t k = 0; k < t.dims.nbDims; k++) dataDependent = dataDependent || t.dims.d[k] < 0;
    if (dataDependent) {
      t.allocator = std::make_unique<OutputAllocator>();
      if (!context->setOutputAllocator(t.name.c_str(), t.allocator.get()))
        return {"INTERNAL", "TensorRT refused an output allocator for " + t.name};
      continue;
    }
    t.bytes = tensorBytes(t.dims, t.type);
    t.hostBytes = std::max<size_t>(t.bytes, 1);
    if (c.malloc_(&t.device, t.hostBytes) != cudaSuccess) return {"INTERNAL", "cudaMalloc failed for output " + t.name};
    if (c.mallocHost(reinterpret_cast<void**>(&t.host), t.hostBytes) != cudaSuccess)
      return {"INTERNAL", "cudaMallocHost failed for output " + t.name};
    if (!context->setTensorAddress(t.name.c_str(), t.device))
      return {"INTERNAL", "TensorRT refused the address of output " + t.name};
  }
  return {};
}

LoadError Engine::upload(cudaStream_t stream) {
  Cuda& c = libs().cuda;
  for (auto& t : tensors)
    if (t.input && t.device && t.bytes) {
      const std::string e = c.error("cudaMemcpyAsync", c.memcpyAsync(t.device, t.host, t.bytes, cudaMemcpyHostToDevice, stream));
      if (!e.empty()) return {"INTERNAL", e + " (input " + t.name + ")"};
    }
  const std::string e = c.error("cudaStreamSynchronize", c.streamSynchronize(stream));
  if (!e.empty()) return {"INTERNAL", e};
  return {};
}

size_t Engine::outputBytes(const IoTensor& t) const {
  if (!t.allocator) return t.bytes;
  return std::min<size_t>(tensorBytes(t.allocator->dims, t.type), t.allocator->capacity);
}

}  // namespace kiln_trt
