// The stand-in's builder side of libnvinfer: IBuilder, INetworkDefinition's tensors, IBuilderConfig,
// IOptimizationProfile, ITimingCache and IHostMemory, and the exported entry points
// createInferBuilder_INTERNAL, getInferLibVersion and initLibNvInferPlugins. The build enforces what
// TensorRT enforces: a profile for every dynamic input and shape values for every shape tensor,
// profiles within min <= opt <= max, plugins registered for plugin layers, the builder resource
// library loadable by its bare name, and the progress monitor's answer to cancel.
#include <dlfcn.h>

#include <atomic>
#include <cstring>
#include <map>

#include "objects.h"

namespace kiln_standin {

std::atomic<bool> gPluginsRegistered{false};

Dims toDims(const std::vector<int64_t>& v) {
  Dims d{};
  d.nbDims = static_cast<int32_t>(v.size());
  for (size_t i = 0; i < v.size() && i < static_cast<size_t>(Dims::MAX_DIMS); i++) d.d[i] = v[i];
  return d;
}
std::vector<int64_t> fromDims(const Dims& d) {
  std::vector<int64_t> v;
  for (int32_t i = 0; i < d.nbDims; i++) v.push_back(d.d[i]);
  return v;
}

Dims TensorImpl::getDimensions() const noexcept { return toDims(desc.dims); }
ITensor* NetworkImpl::getInput(int32_t i) const noexcept {
  return i >= 0 && i < getNbInputs() ? inputs[static_cast<size_t>(i)].get() : nullptr;
}
ITensor* NetworkImpl::getOutput(int32_t i) const noexcept {
  return i >= 0 && i < getNbOutputs() ? outputs[static_cast<size_t>(i)].get() : nullptr;
}

namespace {

class HostMemoryImpl : public apiv::StubVHostMemory {
 public:
  std::string bytes;
  void* data() const noexcept override { return const_cast<char*>(bytes.data()); }
  std::size_t size() const noexcept override { return bytes.size(); }
  DataType type() const noexcept override { return DataType::kUINT8; }
};
using HostMemory = Object<IHostMemory, HostMemoryImpl>;

IHostMemory* hostMemory(std::string bytes) {
  auto* m = new HostMemory("IHostMemory", nullptr);
  m->impl.bytes = std::move(bytes);
  return m;
}

std::string gpuKey() { return control("gpu", kGpuName); }

/** A timing cache: the version and GPU it was measured on, and how many entries it holds. */
class TimingCacheImpl : public apiv::StubVTimingCache {
 public:
  int32_t version = libVersion();
  std::string gpu = gpuKey();
  long entries = 0;
  IHostMemory* serialize() const noexcept override {
    return hostMemory("KILN-STANDIN-TIMING " + std::to_string(version) + " " + std::to_string(entries) + " " + gpu);
  }
  bool combine(ITimingCache const& other, bool ignoreMismatch) noexcept override;
  bool reset() noexcept override {
    entries = 0;
    return true;
  }
};
using TimingCache = Object<ITimingCache, TimingCacheImpl>;

bool matches(const TimingCacheImpl& c) { return c.version == libVersion() && c.gpu == gpuKey(); }

bool TimingCacheImpl::combine(ITimingCache const& other, bool ignoreMismatch) noexcept {
  auto const& o = static_cast<TimingCache const&>(other).impl;
  if (!matches(o) && !ignoreMismatch) {
    log(ILogger::Severity::kERROR, "ITimingCache::combine: the cache was made by another TensorRT or GPU");
    return false;
  }
  if (matches(o)) entries += o.entries;
  return true;
}

class ProfileImpl : public apiv::StubVOptimizationProfile {
 public:
  std::map<std::string, ProfileDims> dims;
  bool setDimensions(char const* name, OptProfileSelector select, Dims const& d) noexcept override {
    auto& p = dims[name];
    (select == OptProfileSelector::kMIN ? p.min : select == OptProfileSelector::kOPT ? p.opt : p.max) = fromDims(d);
    return true;
  }
  /** One selector's values; false when their count differs from an earlier call's (as documented). */
  template <typename T>
  bool shapeValues(char const* name, OptProfileSelector select, T const* values, int32_t n) {
    auto& p = dims[name];
    for (auto* other : {&p.minValues, &p.values, &p.maxValues})
      if (!other->empty() && other->size() != static_cast<size_t>(n)) return false;
    auto& v = select == OptProfileSelector::kMIN ? p.minValues : select == OptProfileSelector::kOPT ? p.values : p.maxValues;
    v.assign(values, values + n);
    p.hasValues = !p.minValues.empty() && !p.values.empty() && !p.maxValues.empty();
    return true;
  }
#if NV_TENSORRT_MAJOR < 11
  bool setShapeValues(char const* name, OptProfileSelector s, int32_t const* values, int32_t n) noexcept override {
    return shapeValues(name, s, values, n);
  }
#endif
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 11
  bool setShapeValuesV2(char const* name, OptProfileSelector s, int64_t const* values, int32_t n) noexcept override {
    return shapeValues(name, s, values, n);
  }
#endif
};
using Profile = Object<IOptimizationProfile, ProfileImpl>;

class ConfigImpl : public apiv::StubVBuilderConfig {
 public:
  std::vector<const Profile*> profiles;
  const TimingCache* timingCache = nullptr;
  IProgressMonitor* monitor = nullptr;
  bool versionCompatible = false;
  void setMemoryPoolLimit(MemoryPoolType, std::size_t) noexcept override {}
  void setBuilderOptimizationLevel(int32_t level) noexcept override {
    if (level < 0 || level > 5) violation("setBuilderOptimizationLevel(" + std::to_string(level) + "): must be 0..5");
  }
  void setHardwareCompatibilityLevel(HardwareCompatibilityLevel) noexcept override {}
  void setFlag(BuilderFlag flag) noexcept override {
    if (flag == BuilderFlag::kVERSION_COMPATIBLE) versionCompatible = true;
  }
  void setProfilingVerbosity(ProfilingVerbosity) noexcept override {}
  int32_t addOptimizationProfile(IOptimizationProfile const* profile) noexcept override {
    profiles.push_back(static_cast<const Profile*>(profile));
    return static_cast<int32_t>(profiles.size()) - 1;
  }
  ITimingCache* createTimingCache(void const* blob, std::size_t size) const noexcept override {
    auto* c = new TimingCache("ITimingCache", nullptr);
    if (size == 0) return c;
    const std::string text(static_cast<const char*>(blob), size);
    char gpu[128] = {0};
    if (std::sscanf(text.c_str(), "KILN-STANDIN-TIMING %d %ld %127[^\n]", &c->impl.version, &c->impl.entries, gpu) != 3) {
      log(ILogger::Severity::kERROR, "createTimingCache: the blob is not a timing cache");
      delete c;
      return nullptr;
    }
    c->impl.gpu = gpu;
    return c;
  }
  bool setTimingCache(ITimingCache const& cache, bool ignoreMismatch) noexcept override {
    auto& c = const_cast<TimingCache&>(static_cast<TimingCache const&>(cache)).impl;
    if (!matches(c) && !ignoreMismatch) {
      log(ILogger::Severity::kERROR, "setTimingCache: the cache was made by TensorRT " + std::to_string(c.version) +
                                         " on " + c.gpu + "; pass ignoreMismatch to use it");
      return false;
    }
    if (!matches(c)) {  // ignoreMismatch: the other TensorRT's or GPU's entries are dropped
      c.version = libVersion();
      c.gpu = gpuKey();
      c.entries = 0;
    }
    timingCache = &static_cast<TimingCache const&>(cache);
    count("timingCache.set");
    if (matches(c) && c.entries > 0) count("timingCache.warm");
    return true;
  }
  ITimingCache const* getTimingCache() const noexcept override { return timingCache; }
  void setProgressMonitor(IProgressMonitor* m) noexcept override { monitor = m; }
#if NV_TENSORRT_MAJOR < 11
  void setInt8Calibrator(IInt8Calibrator*) noexcept override {}
#endif
};
using Config = Object<IBuilderConfig, ConfigImpl>;

bool fits(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (a[i] > b[i]) return false;
  return true;
}

/** TensorRT loads its builder resource by bare name (no $ORIGIN runpath since 8.4.1, NVIDIA/TensorRT#2218). */
bool builderResourceLoads() {
  const int32_t v = libVersion();
  const std::string name = "libnvinfer_builder_resource.so." + std::to_string(v / 10000) + "." +
                           std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
  void* h = dlopen(name.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (!h) h = dlopen(name.c_str(), RTLD_LAZY);
  if (!h) {
    log(ILogger::Severity::kERROR, "Could not load library " + name + ": " + dlerror());
    return false;
  }
  dlclose(h);
  return true;
}

class BuilderImpl : public apiv::StubVBuilder {
 public:
  const void* shell = nullptr;
  INetworkDefinition* createNetworkV2(NetworkDefinitionCreationFlags) noexcept override {
    if (nullOnDemand("createNetworkV2")) return nullptr;
    return new Network("INetworkDefinition", shell);
  }
  IBuilderConfig* createBuilderConfig() noexcept override {
    if (nullOnDemand("createBuilderConfig")) return nullptr;
    return new Config("IBuilderConfig", shell);
  }
  IOptimizationProfile* createOptimizationProfile() noexcept override {
    // The builder owns profiles (never deleted by the caller): kept until the builder goes.
    owned.push_back(std::make_unique<Profile>("IOptimizationProfile", nullptr));
    return owned.back().get();
  }
  IHostMemory* buildSerializedNetwork(INetworkDefinition& network, IBuilderConfig& config) noexcept override;

 private:
  std::vector<std::unique_ptr<Profile>> owned;
};
using Builder = Object<IBuilder, BuilderImpl>;

IHostMemory* BuilderImpl::buildSerializedNetwork(INetworkDefinition& n, IBuilderConfig& c) noexcept {
  auto& net = static_cast<Network&>(n).impl;
  auto& cfg = static_cast<Config&>(c).impl;
  count("build");
  if (!net.parsed) {
    log(ILogger::Severity::kERROR, "the network has no layers");
    return nullptr;
  }
  if (!builderResourceLoads()) return nullptr;
  if (net.plugins && !gPluginsRegistered) {
    log(ILogger::Severity::kERROR, "plugin layers need TensorRT's plugin registry: initLibNvInferPlugins was never called");
    return nullptr;
  }
  Plan plan;
  plan.version = libVersion();
  plan.gpu = gpuKey();
  plan.hostCode = cfg.versionCompatible;
  plan.plugins = net.plugins;
  plan.layers = net.layers;
  // Every dynamic input needs a profile, and every shape tensor its values (TensorRT: "Network has
  // dynamic or shape inputs, but no optimization profile has been defined").
  const ProfileImpl* profile = cfg.profiles.empty() ? nullptr : &cfg.profiles[0]->impl;
  for (auto& t : net.inputs) {
    const TensorDesc& d = t->impl.desc;
    plan.tensors.push_back(d);
    bool dynamic = false;
    for (auto x : d.dims) dynamic = dynamic || x < 0;
    if (!dynamic && !d.shapeTensor) continue;
    auto it = profile ? profile->dims.find(d.name) : decltype(profile->dims.end()){};
    if (!profile || it == profile->dims.end()) {
      log(ILogger::Severity::kERROR, "Network has dynamic or shape inputs, but no optimization profile has been "
                                     "defined for input " + d.name);
      return nullptr;
    }
    const ProfileDims& p = it->second;
    if (d.shapeTensor && !p.hasValues) {
      log(ILogger::Severity::kERROR, "shape tensor input " + d.name + " has no shape values in the profile");
      return nullptr;
    }
    if (d.shapeTensor && (!fits(p.minValues, p.values) || !fits(p.values, p.maxValues))) {
      log(ILogger::Severity::kERROR, "the shape values of " + d.name + " do not satisfy MIN <= OPT <= MAX");
      return nullptr;
    }
    if (p.min.size() != d.dims.size() || !fits(p.min, p.opt) || !fits(p.opt, p.max)) {
      log(ILogger::Severity::kERROR, "the profile of " + d.name + " does not satisfy MIN <= OPT <= MAX with rank " +
                                         std::to_string(d.dims.size()));
      return nullptr;
    }
    for (size_t k = 0; k < d.dims.size(); k++)
      if (d.dims[k] >= 0 && (p.min[k] != d.dims[k] || p.max[k] != d.dims[k])) {
        log(ILogger::Severity::kERROR, "the profile of " + d.name + " changes its fixed dim " + std::to_string(k));
        return nullptr;
      }
    plan.profile[d.name] = p;
  }
  for (auto& t : net.outputs) plan.tensors.push_back(t->impl.desc);
  // Building: three phases the monitor sees, each step a chance to cancel.
  if (IProgressMonitor* m = cfg.monitor) {
    m->phaseStart("Building engine", nullptr, 3);
    for (int32_t s = 0; s < 3; s++)
      if (!m->stepComplete("Building engine", s)) {
        m->phaseFinish("Building engine");
        log(ILogger::Severity::kERROR, "the build was cancelled by the progress monitor");
        return nullptr;
      }
    m->phaseFinish("Building engine");
  }
  if (cfg.timingCache) const_cast<TimingCache*>(cfg.timingCache)->impl.entries += static_cast<long>(net.layers.size());
  return hostMemory(serializePlan(plan));
}

}  // namespace

}  // namespace kiln_standin

using namespace kiln_standin;

extern "C" {
__attribute__((visibility("default"))) void* createInferBuilder_INTERNAL(void* logger, int32_t version) noexcept {
  if (version / 10000 != libVersion() / 10000) {
    violation("createInferBuilder: headers of TensorRT " + std::to_string(version) + " against library " +
              std::to_string(libVersion()));
    return nullptr;
  }
  if (nullOnDemand("createInferBuilder")) return nullptr;
  adoptLogger(static_cast<ILogger*>(logger), "createInferBuilder");
  auto* b = new Builder("IBuilder", nullptr);
  b->impl.shell = b;
  return static_cast<IBuilder*>(b);
}
__attribute__((visibility("default"))) int32_t getInferLibVersion() noexcept { return libVersion(); }
__attribute__((visibility("default"))) bool initLibNvInferPlugins(void* logger, char const*) noexcept {
  adoptLogger(static_cast<ILogger*>(logger), "initLibNvInferPlugins");
  gPluginsRegistered = true;
  count("initLibNvInferPlugins");
  return true;
}
}
