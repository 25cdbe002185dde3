// The stand-in's runtime side of libnvinfer: IRuntime, ICudaEngine, IExecutionContext and
// IEngineInspector, and createInferRuntime_INTERNAL. Deserializing refuses plans of another
// version, plans carrying host code unless setEngineHostCodeAllowed(true), and plugin layers
// without the plugin registry. enqueueV3 checks what TensorRT needs of every I/O tensor: an
// address (or, for data-dependent outputs, an IOutputAllocator) large enough, device memory for
// device tensors and host memory for shape tensors, inputs written and valid for their dtype; it
// then writes the outputs (so ASan sees a buffer too small) and reports layer times to a profiler.
#include <atomic>
#include <cmath>
#include <cstring>
#include <map>

#include "cudart.h"
#include "objects.h"

namespace kiln_standin {
extern std::atomic<bool> gPluginsRegistered;
}

namespace kiln_standin {
namespace {

std::string dimsText(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); i++) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

class EngineImpl;

class ContextImpl : public apiv::StubVExecutionContext {
 public:
  const EngineImpl* engine = nullptr;
  std::map<std::string, std::vector<int64_t>> shapes;
  std::map<std::string, const void*> addresses;
  std::map<std::string, IOutputAllocator*> allocators;
  IProfiler* profiler = nullptr;
  bool setInputShape(char const* name, Dims const& dims) noexcept override;
  Dims getTensorShape(char const* name) const noexcept override;
  bool setTensorAddress(char const* name, void* data) noexcept override {
    addresses[name] = data;
    return true;
  }
  bool setInputTensorAddress(char const* name, void const* data) noexcept override {
    addresses[name] = data;
    return true;
  }
  bool setOutputAllocator(char const* name, IOutputAllocator* a) noexcept override {
    allocators[name] = a;
    return true;
  }
  void setProfiler(IProfiler* p) noexcept override { profiler = p; }
  bool enqueueV3(cudaStream_t stream) noexcept override;

 private:
  bool checkInput(const TensorDesc& t, const std::vector<int64_t>& dims);
  std::vector<int64_t> outputDims(const TensorDesc& t, bool actual) const;
};
using Context = Object<IExecutionContext, ContextImpl>;

class InspectorImpl : public apiv::StubVEngineInspector {
 public:
  const EngineImpl* engine = nullptr;
  mutable std::string text;
  bool setExecutionContext(IExecutionContext const*) noexcept override { return true; }
  char const* getEngineInformation(LayerInformationFormat format) const noexcept override;
};
using Inspector = Object<IEngineInspector, InspectorImpl>;

class EngineImpl : public apiv::StubVCudaEngine {
 public:
  Plan plan;
  const void* shell = nullptr;
  const TensorDesc* find(const std::string& name) const {
    for (auto& t : plan.tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
  int32_t getNbIOTensors() const noexcept override { return static_cast<int32_t>(plan.tensors.size()); }
  char const* getIOTensorName(int32_t i) const noexcept override {
    return i >= 0 && i < getNbIOTensors() ? plan.tensors[static_cast<size_t>(i)].name.c_str() : nullptr;
  }
  TensorIOMode getTensorIOMode(char const* name) const noexcept override {
    const TensorDesc* t = find(name);
    return !t ? TensorIOMode::kNONE : t->input ? TensorIOMode::kINPUT : TensorIOMode::kOUTPUT;
  }
  DataType getTensorDataType(char const* name) const noexcept override {
    const TensorDesc* t = find(name);
    return t ? t->type : DataType::kFLOAT;
  }
  Dims getTensorShape(char const* name) const noexcept override {
    const TensorDesc* t = find(name);
    return t ? toDims(t->dims) : Dims{-1, {}};
  }
  bool isShapeInferenceIO(char const* name) const noexcept override {
    const TensorDesc* t = find(name);
    return t && t->shapeTensor;
  }
  IExecutionContext* createExecutionContext(ExecutionContextAllocationStrategy) noexcept override {
    if (nullOnDemand("createExecutionContext")) return nullptr;
    auto* c = new Context("IExecutionContext", shell);
    c->impl.engine = this;
    return c;
  }
  Dims getProfileShape(char const* name, int32_t profile, OptProfileSelector sel) const noexcept override {
    const TensorDesc* t = find(name);
    auto p = plan.profile.find(name);
    if (!t || profile != 0) return Dims{-1, {}};
    if (p == plan.profile.end()) return toDims(t->dims);
    return toDims(sel == OptProfileSelector::kMIN ? p->second.min : sel == OptProfileSelector::kOPT ? p->second.opt : p->second.max);
  }
#if NV_TENSORRT_MAJOR < 11
  int32_t const* getProfileTensorValues(char const* name, int32_t, OptProfileSelector) const noexcept override {
    auto p = plan.profile.find(name);
    if (p == plan.profile.end() || !p->second.hasValues) return nullptr;
    narrow.assign(p->second.values.begin(), p->second.values.end());
    return narrow.data();
  }
#endif
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 11
  int64_t const* getProfileTensorValuesV2(char const* name, int32_t, OptProfileSelector) const noexcept override {
    auto p = plan.profile.find(name);
    return p == plan.profile.end() || !p->second.hasValues ? nullptr : p->second.values.data();
  }
#endif
  mutable std::vector<int32_t> narrow;
  IEngineInspector* createEngineInspector() const noexcept override {
    auto* i = new Inspector("IEngineInspector", shell);
    i->impl.engine = this;
    return i;
  }
};
using Engine = Object<ICudaEngine, EngineImpl>;

char const* InspectorImpl::getEngineInformation(LayerInformationFormat) const noexcept {
  std::string layers, bindings;
  for (size_t i = 0; i < engine->plan.layers.size(); i++)
    layers += std::string(i ? "," : "") + "{\"Name\":\"" + engine->plan.layers[i] + "\",\"LayerType\":\"StandIn\"}";
  for (size_t i = 0; i < engine->plan.tensors.size(); i++)
    bindings += std::string(i ? "," : "") + "\"" + engine->plan.tensors[i].name + "\"";
  text = "{\"Layers\":[" + layers + "],\"Bindings\":[" + bindings + "]}";
  return text.c_str();
}

bool ContextImpl::setInputShape(char const* name, Dims const& dims) noexcept {
  const TensorDesc* t = engine->find(name);
  if (!t || !t->input) {
    log(ILogger::Severity::kERROR, std::string("setInputShape: ") + name + " is not an input");
    return false;
  }
  const auto d = fromDims(dims);
  auto p = engine->plan.profile.find(name);
  for (size_t k = 0; k < d.size() && d.size() == t->dims.size(); k++) {
    const bool fixedOk = t->dims[k] < 0 || d[k] == t->dims[k];
    const bool inProfile = p == engine->plan.profile.end() || (d[k] >= p->second.min[k] && d[k] <= p->second.max[k]);
    if (!fixedOk || !inProfile || d[k] < 0) {
      log(ILogger::Severity::kERROR, std::string("setInputShape: ") + name + " " + dimsText(d) + " is outside its profile");
      return false;
    }
  }
  if (d.size() != t->dims.size()) {
    log(ILogger::Severity::kERROR, std::string("setInputShape: ") + name + " has rank " + std::to_string(t->dims.size()));
    return false;
  }
  shapes[name] = d;
  return true;
}

/** An output's dims: symbolic dims take the value an input with the same name has; others depend on data. */
std::vector<int64_t> ContextImpl::outputDims(const TensorDesc& t, bool actual) const {
  std::vector<int64_t> d = t.dims;
  for (size_t k = 0; k < d.size(); k++) {
    if (d[k] >= 0) continue;
    for (auto& in : engine->plan.tensors) {
      auto s = shapes.find(in.name);
      if (!in.input || s == shapes.end()) continue;
      for (size_t j = 0; j < in.params.size() && j < s->second.size(); j++)
        if (!t.params[k].empty() && in.params[j] == t.params[k]) d[k] = s->second[j];
    }
    if (d[k] < 0 && actual) d[k] = 5;  // what the data decided this time (NonZero's count, NMS's boxes)
  }
  return d;
}

Dims ContextImpl::getTensorShape(char const* name) const noexcept {
  const TensorDesc* t = engine->find(name);
  if (!t) return Dims{-1, {}};
  if (t->input) {
    auto s = shapes.find(name);
    return toDims(s != shapes.end() ? s->second : t->dims);
  }
  return toDims(outputDims(*t, false));
}

size_t bytesOf(const TensorDesc& t, const std::vector<int64_t>& dims) {
  size_t n = elementBytes(t.type);
  for (auto x : dims) n *= static_cast<size_t>(std::max<int64_t>(x, 0));
  return n;
}

bool ContextImpl::checkInput(const TensorDesc& t, const std::vector<int64_t>& dims) {
  auto a = addresses.find(t.name);
  if (a == addresses.end() || !a->second) {
    log(ILogger::Severity::kERROR, "IExecutionContext::enqueueV3: Error Code 3: API Usage Error (address of input " +
                                       t.name + " was not set)");
    return false;
  }
  const size_t bytes = bytesOf(t, dims);
  std::lock_guard<std::mutex> lock(memoryMutex());
  size_t off = 0;
  Allocation* alloc = deviceAllocation(a->second, &off);
  const uint8_t* data = static_cast<const uint8_t*>(a->second);
  if (t.shapeTensor) {
    if (alloc) {
      violation("input " + t.name + " is a shape tensor TensorRT reads on the host (isShapeInferenceIO), but its address is device memory");
      return true;
    }
    // Its values must lie within the profile's shape values (TensorRT fails the call otherwise).
    auto p = engine->plan.profile.find(t.name);
    const size_t n = bytes / std::max<size_t>(elementBytes(t.type), 1);
    if (p != engine->plan.profile.end() && p->second.minValues.size() == n && p->second.maxValues.size() == n)
      for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        if (t.type == DataType::kINT64) std::memcpy(&v, data + 8 * i, 8);
        else {
          int32_t w;
          std::memcpy(&w, data + 4 * i, 4);
          v = w;
        }
        if (v < p->second.minValues[i] || v > p->second.maxValues[i]) {
          log(ILogger::Severity::kERROR, "IExecutionContext::enqueueV3: shape tensor " + t.name + " holds " +
                                             std::to_string(v) + " at element " + std::to_string(i) +
                                             ", outside its profile's values [" + std::to_string(p->second.minValues[i]) +
                                             ", " + std::to_string(p->second.maxValues[i]) + "]");
          return false;
        }
      }
  } else {
    if (!alloc) {
      violation("input " + t.name + " needs device memory; its address is not a cudaMalloc pointer");
      return true;
    }
    if (off + bytes > alloc->size) {
      violation("input " + t.name + " needs " + std::to_string(bytes) + " bytes; its buffer holds " +
                std::to_string(alloc->size - off));
      return true;
    }
    for (size_t i = 0; i < bytes; i++)
      if (!alloc->written[off + i]) {
        violation("input " + t.name + " is read before anything was written to it (byte " + std::to_string(i) + ")");
        return true;
      }
  }
  // Values TensorRT's kernels take on trust: indices in range, bools 0/1, finite floats.
  const size_t n = bytes / std::max<size_t>(elementBytes(t.type), 1);
  for (size_t i = 0; i < n; i++) {
    std::string bad;
    if (t.type == DataType::kBOOL && data[i] > 1) bad = "bool byte " + std::to_string(data[i]);
    if (t.type == DataType::kFLOAT) {
      float f;
      std::memcpy(&f, data + 4 * i, 4);
      if (!std::isfinite(f)) bad = "non-finite float";
    }
    if (t.indexBound > 0 && (t.type == DataType::kINT64 || t.type == DataType::kINT32)) {
      int64_t v = 0;
      if (t.type == DataType::kINT64) std::memcpy(&v, data + 8 * i, 8);
      else {
        int32_t w;
        std::memcpy(&w, data + 4 * i, 4);
        v = w;
      }
      if (v < -t.indexBound || v >= t.indexBound)
        bad = "Gather index " + std::to_string(v) + " outside [" + std::to_string(-t.indexBound) + ", " +
              std::to_string(t.indexBound) + ")";
    }
    if (!bad.empty()) {
      violation("input " + t.name + " holds a value its consumer cannot take: " + bad + " at element " + std::to_string(i));
      return true;
    }
  }
  return true;
}

bool ContextImpl::enqueueV3(cudaStream_t stream) noexcept {
  count("enqueueV3");
  if (capturing(stream) && nullOnDemand("enqueueV3:capture")) {
    log(ILogger::Severity::kERROR, "enqueueV3: this engine cannot be captured into a CUDA graph");
    return false;
  }
  const long failAfter = controlNumber("fail_enqueue_after", -1);
  static std::atomic<long> enqueues{0};
  if (failAfter >= 0 && enqueues++ >= failAfter) {
    log(ILogger::Severity::kERROR, "enqueueV3: injected failure");
    return false;
  }
  for (auto& t : engine->plan.tensors) {
    if (!t.input) continue;
    auto s = shapes.find(t.name);
    std::vector<int64_t> dims = s != shapes.end() ? s->second : t.dims;
    for (auto x : dims)
      if (x < 0) {
        log(ILogger::Severity::kERROR, "enqueueV3: the shape of input " + t.name + " was not set");
        return false;
      }
    if (!checkInput(t, dims)) return false;
  }
  for (auto& t : engine->plan.tensors) {
    if (t.input) continue;
    const auto declared = outputDims(t, false);
    const auto actual = outputDims(t, true);
    const size_t bytes = bytesOf(t, actual);
    void* dst = nullptr;
    auto al = allocators.find(t.name);
    auto ad = addresses.find(t.name);
    if (al != allocators.end() && al->second) {
      const void* current = ad != addresses.end() ? ad->second : nullptr;
      dst = al->second->reallocateOutputAsync(t.name.c_str(), const_cast<void*>(current), bytes, 256, stream);
      al->second->notifyShape(t.name.c_str(), toDims(actual));
    } else if (ad != addresses.end()) {
      dst = const_cast<void*>(ad->second);
    }
    if (!dst) {
      log(ILogger::Severity::kERROR, "enqueueV3: output " + t.name + " has neither an address nor an IOutputAllocator");
      return false;
    }
    std::lock_guard<std::mutex> lock(memoryMutex());
    size_t off = 0;
    Allocation* alloc = deviceAllocation(dst, &off);
    if (!alloc) {
      violation("output " + t.name + " needs device memory; its address is not a cudaMalloc pointer");
      continue;
    }
    if (off + bytes > alloc->size) {
      const bool dd = declared != actual;
      violation("TensorRT writes " + std::to_string(bytes) + " bytes of output " + t.name + " into a buffer of " +
                std::to_string(alloc->size - off) + (dd ? " (its shape depends on data: give it an IOutputAllocator)" : ""));
      continue;
    }
  }
  // The kernels: outputs written once the stream gets there.
  std::vector<std::pair<void*, size_t>> writes;
  for (auto& t : engine->plan.tensors) {
    if (t.input) continue;
    auto ad = addresses.find(t.name);
    if (ad == addresses.end() || allocators.count(t.name)) continue;
    writes.emplace_back(const_cast<void*>(ad->second), bytesOf(t, outputDims(t, true)));
  }
  const double ms = static_cast<double>(controlNumber("compute_us", 1000)) / 1000.0;
  onStream(stream, ms, [writes]() {
    std::lock_guard<std::mutex> lock(memoryMutex());
    for (auto& w : writes) {
      size_t off = 0;
      Allocation* a = deviceAllocation(w.first, &off);
      const size_t n = a ? std::min(w.second, a->size - off) : 0;
      std::memset(w.first, 0x3c, n);
      markWritten(w.first, n);
    }
  });
  if (profiler)
    for (auto& l : engine->plan.layers) profiler->reportLayerTime(l.c_str(), static_cast<float>(ms / engine->plan.layers.size()));
  return true;
}

class RuntimeImpl : public apiv::StubVRuntime {
 public:
  const void* shell = nullptr;
  bool hostCodeAllowed = false;
  void setEngineHostCodeAllowed(bool allowed) noexcept override { hostCodeAllowed = allowed; }
  ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept override {
    count("deserialize");
    Plan plan;
    std::string error;
    if (!deserializePlan(blob, size, plan, error)) {
      log(ILogger::Severity::kERROR, "IRuntime::deserializeCudaEngine: " + error);
      return nullptr;
    }
    if (plan.version != libVersion() && !plan.hostCode) {
      log(ILogger::Severity::kERROR, "The engine plan file is not compatible with this version of TensorRT, expecting " +
                                         std::to_string(libVersion()) + " got " + std::to_string(plan.version));
      return nullptr;
    }
    if (plan.hostCode && !hostCodeAllowed) {
      log(ILogger::Severity::kERROR, "IRuntime::deserializeCudaEngine: the engine carries host code (version-compatible) "
                                     "and setEngineHostCodeAllowed(true) was not called");
      return nullptr;
    }
    if (plan.plugins && !gPluginsRegistered) {
      log(ILogger::Severity::kERROR, "getPluginCreator could not find plugin: initLibNvInferPlugins was never called");
      return nullptr;
    }
    auto* e = new Engine("ICudaEngine", shell);
    e->impl.plan = plan;
    e->impl.shell = e;
    return e;
  }
};
using Runtime = Object<IRuntime, RuntimeImpl>;

}  // namespace
}  // namespace kiln_standin

using namespace kiln_standin;

extern "C" __attribute__((visibility("default"))) void* createInferRuntime_INTERNAL(void* logger, int32_t version) noexcept {
  if (version / 10000 != libVersion() / 10000) {
    violation("createInferRuntime: headers of TensorRT " + std::to_string(version) + " against library " +
              std::to_string(libVersion()));
    return nullptr;
  }
  if (nullOnDemand("createInferRuntime")) return nullptr;
  adoptLogger(static_cast<ILogger*>(logger), "createInferRuntime");
  auto* r = new Runtime("IRuntime", nullptr);
  r->impl.shell = r;
  return static_cast<IRuntime*>(r);
}
