// Kiln's real TensorRT plugin (include/kiln_trt_plugin.h), one source for TensorRT 10 and 11:
// compiled once per major against that major's headers (NV_TENSORRT_MAJOR tells them apart).
//
// Nothing is linked: libnvinfer, libnvonnxparser and libcudart are opened with dlopen when the
// plugin is first used, and only their C entry points are looked up (TensorRT's interfaces are
// virtual, so calling them needs no link). A missing library gives KILN_TRT_UNAVAILABLE naming it.
#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "json.h"
#include "kiln_trt_plugin.h"

using kiln::Json;
using namespace nvinfer1;

namespace {

// ---- libraries ---------------------------------------------------------------------------------

struct Cuda {
  decltype(&::cudaMalloc) malloc_ = nullptr;
  decltype(&::cudaFree) free_ = nullptr;
  decltype(&::cudaMemcpyAsync) memcpyAsync = nullptr;
  decltype(&::cudaStreamCreate) streamCreate = nullptr;
  decltype(&::cudaStreamDestroy) streamDestroy = nullptr;
  decltype(&::cudaStreamSynchronize) streamSynchronize = nullptr;
  decltype(&::cudaEventCreate) eventCreate = nullptr;
  decltype(&::cudaEventRecord) eventRecord = nullptr;
  decltype(&::cudaEventSynchronize) eventSynchronize = nullptr;
  decltype(&::cudaEventElapsedTime) eventElapsedTime = nullptr;
  decltype(&::cudaEventDestroy) eventDestroy = nullptr;
  decltype(&::cudaGetDeviceCount) getDeviceCount = nullptr;
  decltype(&::cudaDeviceGetAttribute) deviceGetAttribute = nullptr;
  decltype(&::cudaGetErrorString) getErrorString = nullptr;
  decltype(&::cudaStreamBeginCapture) streamBeginCapture = nullptr;
  decltype(&::cudaStreamEndCapture) streamEndCapture = nullptr;
  decltype(&::cudaGraphInstantiate) graphInstantiate = nullptr;
  decltype(&::cudaGraphLaunch) graphLaunch = nullptr;
  decltype(&::cudaGraphDestroy) graphDestroy = nullptr;
  decltype(&::cudaGraphExecDestroy) graphExecDestroy = nullptr;
  // cudaDeviceProp's layout changes between CUDA versions; only `name` (its first field) is read.
  cudaError_t (*getDeviceProperties)(void* prop, int device) = nullptr;
};

using CreateBuilderFn = void* (*)(void* logger, int32_t version);
using CreateRuntimeFn = void* (*)(void* logger, int32_t version);
using CreateParserFn = void* (*)(void* network, void* logger, int version);
using VersionFn = int32_t (*)();

struct Libs {
  bool ok = false;
  std::string why;
  CreateBuilderFn createBuilder = nullptr;
  CreateRuntimeFn createRuntime = nullptr;
  CreateParserFn createParser = nullptr;
  VersionFn version = nullptr;
  Cuda cuda;
};

std::vector<std::string> searchDirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("KILN_TENSORRT_DIR")) {
    std::stringstream ss(env);
    std::string d;
    while (std::getline(ss, d, ':'))
      if (!d.empty()) dirs.push_back(d);
  }
  dirs.push_back("");  // the loader's own search path
  return dirs;
}

void* openFirst(const std::vector<std::string>& names, std::string& tried) {
  for (const auto& dir : searchDirs())
    for (const auto& n : names) {
      const std::string path = dir.empty() ? n : dir + "/" + n;
      if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
      tried += (tried.empty() ? "" : ", ") + path;
    }
  return nullptr;
}

template <typename F>
bool bind(void* lib, const char* name, F& out, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  if (!out) missing += (missing.empty() ? "" : ", ") + std::string(name);
  return out != nullptr;
}

Libs loadLibs() {
  Libs L;
  const std::string major = std::to_string(NV_TENSORRT_MAJOR);
  std::string tried;
  void* nvinfer = openFirst({"libnvinfer.so." + major}, tried);
  if (!nvinfer) {
    L.why = "TensorRT " + major + " (libnvinfer.so." + major + ") was not found; tried " + tried +
            " (set KILN_TENSORRT_DIR to its lib folder)";
    return L;
  }
  tried.clear();
  void* parser = openFirst({"libnvonnxparser.so." + major}, tried);
  if (!parser) {
    L.why = "the TensorRT ONNX parser (libnvonnxparser.so." + major + ") was not found; tried " + tried;
    return L;
  }
  tried.clear();
  void* cudart = openFirst({"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"}, tried);
  if (!cudart) {
    L.why = "the CUDA runtime (libcudart) was not found; tried " + tried;
    return L;
  }
  std::string missing;
  bind(nvinfer, "createInferBuilder_INTERNAL", L.createBuilder, missing);
  bind(nvinfer, "createInferRuntime_INTERNAL", L.createRuntime, missing);
  bind(nvinfer, "getInferLibVersion", L.version, missing);
  bind(parser, "createNvOnnxParser_INTERNAL", L.createParser, missing);
  Cuda& c = L.cuda;
  bind(cudart, "cudaMalloc", c.malloc_, missing);
  bind(cudart, "cudaFree", c.free_, missing);
  bind(cudart, "cudaMemcpyAsync", c.memcpyAsync, missing);
  bind(cudart, "cudaStreamCreate", c.streamCreate, missing);
  bind(cudart, "cudaStreamDestroy", c.streamDestroy, missing);
  bind(cudart, "cudaStreamSynchronize", c.streamSynchronize, missing);
  bind(cudart, "cudaEventCreate", c.eventCreate, missing);
  bind(cudart, "cudaEventRecord", c.eventRecord, missing);
  bind(cudart, "cudaEventSynchronize", c.eventSynchronize, missing);
  bind(cudart, "cudaEventElapsedTime", c.eventElapsedTime, missing);
  bind(cudart, "cudaEventDestroy", c.eventDestroy, missing);
  bind(cudart, "cudaGetDeviceCount", c.getDeviceCount, missing);
  bind(cudart, "cudaDeviceGetAttribute", c.deviceGetAttribute, missing);
  bind(cudart, "cudaGetErrorString", c.getErrorString, missing);
  bind(cudart, "cudaStreamBeginCapture", c.streamBeginCapture, missing);
  bind(cudart, "cudaStreamEndCapture", c.streamEndCapture, missing);
  bind(cudart, "cudaGraphInstantiate", c.graphInstantiate, missing);
  bind(cudart, "cudaGraphLaunch", c.graphLaunch, missing);
  bind(cudart, "cudaGraphDestroy", c.graphDestroy, missing);
  bind(cudart, "cudaGraphExecDestroy", c.graphExecDestroy, missing);
  c.getDeviceProperties = reinterpret_cast<cudaError_t (*)(void*, int)>(dlsym(cudart, "cudaGetDeviceProperties_v2"));
  if (!c.getDeviceProperties)
    c.getDeviceProperties = reinterpret_cast<cudaError_t (*)(void*, int)>(dlsym(cudart, "cudaGetDeviceProperties"));
  if (!missing.empty()) {
    L.why = "TensorRT/CUDA libraries lack " + missing;
    return L;
  }
  int devices = 0;
  if (c.getDeviceCount(&devices) != cudaSuccess || devices == 0) {
    L.why = "no CUDA-capable GPU is visible (cudaGetDeviceCount found none)";
    return L;
  }
  L.ok = true;
  return L;
}

Libs& libs() {
  static Libs L = loadLibs();
  return L;
}

// ---- helpers -----------------------------------------------------------------------------------

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

int fail(char** out, int status, const std::string& code, const std::string& message, Json extra = Json::object()) {
  extra.set("code", code).set("message", message);
  *out = dup(extra.dump());
  return status;
}

class Logger : public ILogger {
 public:
  void log(Severity severity, char const* msg) noexcept override {
    if (severity > Severity::kWARNING) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (severity <= Severity::kERROR) errors_.push_back(msg);
  }
  std::string lastErrors() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string s;
    for (size_t i = errors_.size() > 3 ? errors_.size() - 3 : 0; i < errors_.size(); i++) s += (s.empty() ? "" : "; ") + errors_[i];
    return s;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> errors_;
};

std::string versionString() {
  const int v = libs().version ? libs().version() : 0;
  // getInferLibVersion(): major * 10000 + minor * 100 + patch (TensorRT 10/11).
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}

Json device(int index) {
  Cuda& c = libs().cuda;
  int major = 0, minor = 0;
  c.deviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, index);
  c.deviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, index);
  std::vector<char> prop(16384, 0);
  std::string name = "GPU " + std::to_string(index);
  if (c.getDeviceProperties && c.getDeviceProperties(prop.data(), index) == cudaSuccess) name = std::string(prop.data());
  return Json::object().set("name", name).set("computeCapability", std::to_string(major) + "." + std::to_string(minor));
}

bool readFile(const std::string& path, std::vector<char>& into) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  into.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

bool writeAtomically(const std::string& path, void const* data, size_t size) {
  const std::string tmp = path + ".kiln-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return false;
    f.write(static_cast<char const*>(data), static_cast<std::streamsize>(size));
    if (!f.good()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

Dims toDims(const Json& arr) {
  Dims d{};
  d.nbDims = static_cast<int32_t>(std::min<size_t>(arr.items().size(), Dims::MAX_DIMS));
  for (int32_t i = 0; i < d.nbDims; i++) d.d[i] = static_cast<int64_t>(arr.items()[static_cast<size_t>(i)].number());
  return d;
}

Json fromDims(const Dims& d) {
  Json a = Json::array();
  for (int32_t i = 0; i < d.nbDims; i++) a.push(static_cast<double>(d.d[i]));
  return a;
}

size_t elementBits(DataType t) {
  switch (t) {
    case DataType::kFLOAT: case DataType::kINT32: return 32;
    case DataType::kHALF: case DataType::kBF16: return 16;
    case DataType::kINT8: case DataType::kUINT8: case DataType::kBOOL: case DataType::kFP8: return 8;
    case DataType::kINT64: return 64;
    default: return 4;  // INT4 / FP4: packed
  }
}

const char* dtypeName(DataType t) {
  switch (t) {
    case DataType::kFLOAT: return "float32";
    case DataType::kHALF: return "float16";
    case DataType::kBF16: return "bfloat16";
    case DataType::kINT8: return "int8";
    case DataType::kUINT8: return "uint8";
    case DataType::kINT32: return "int32";
    case DataType::kINT64: return "int64";
    case DataType::kBOOL: return "bool";
    case DataType::kFP8: return "float8e4m3fn";
    default: return "packed4";
  }
}

struct Progress : public IProgressMonitor {
  kiln_trt_progress_fn fn;
  void* user;
  volatile int* cancel;
  std::mutex mutex;
  std::map<std::string, int32_t> steps;
  void phaseStart(char const* phase, char const* parent, int32_t nbSteps) noexcept override {
    std::lock_guard<std::mutex> lock(mutex);
    steps[phase] = nbSteps;
    if (!parent) fn(user, phase, 0.0);
  }
  bool stepComplete(char const* phase, int32_t step) noexcept override {
    std::lock_guard<std::mutex> lock(mutex);
    const int32_t n = steps[phase];
    if (n > 0) fn(user, phase, static_cast<double>(step + 1) / n);
    return *cancel == 0;  // false stops the build
  }
  void phaseFinish(char const* phase) noexcept override {
    std::lock_guard<std::mutex> lock(mutex);
    steps.erase(phase);
  }
};

#if NV_TENSORRT_MAJOR < 11
// TensorRT 10's implicit INT8 (legacy): the calibration cache Kiln wrote replaces a calibration run.
class CacheCalibrator : public IInt8EntropyCalibrator2 {
 public:
  explicit CacheCalibrator(std::vector<char> cache) : cache_(std::move(cache)) {}
  int32_t getBatchSize() const noexcept override { return 1; }
  bool getBatch(void*[], char const*[], int32_t) noexcept override { return false; }
  void const* readCalibrationCache(std::size_t& length) noexcept override {
    length = cache_.size();
    return cache_.data();
  }
  void writeCalibrationCache(void const*, std::size_t) noexcept override {}

 private:
  std::vector<char> cache_;
};
#endif

template <typename T>
struct Deleter {
  void operator()(T* p) const { delete p; }
};
template <typename T>
using Ptr = std::unique_ptr<T, Deleter<T>>;

// ---- calls -------------------------------------------------------------------------------------

int probe(char** out) {
  Libs& L = libs();
  if (!L.ok) return fail(out, KILN_TRT_UNAVAILABLE, "UNAVAILABLE", L.why, Json::object().set("available", false));
  int n = 0;
  L.cuda.getDeviceCount(&n);
  Json devices = Json::array();
  for (int i = 0; i < n; i++) devices.push(device(i));
  *out = dup(Json::object().set("available", true).set("version", versionString()).set("devices", devices).dump());
  return KILN_TRT_OK;
}

/** What every call does first: TensorRT's libraries loaded, the JSON request parsed. 0 = go on. */
int start(const Libs& lib, const char* request, Json& req, char** out) {
  if (!lib.ok) return fail(out, KILN_TRT_UNAVAILABLE, "UNAVAILABLE", lib.why);
  try {
    req = Json::parse(request);
  } catch (const std::exception& e) {
    return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", std::string("bad request: ") + e.what());
  }
  return 0;
}

int build(const char* request, kiln_trt_progress_fn progressFn, void* user, volatile int* cancel, char** out) {
  Libs& L = libs();
  Json req;
  if (const int code = start(L, request, req, out)) return code;
  const auto t0 = std::chrono::steady_clock::now();
  Logger logger;
  Ptr<IBuilder> builder(static_cast<IBuilder*>(L.createBuilder(&logger, NV_TENSORRT_VERSION)));
  if (!builder) return fail(out, KILN_TRT_ERROR, "INTERNAL", "TensorRT could not create a builder: " + logger.lastErrors());
  NetworkDefinitionCreationFlags flags = 0;
#if NV_TENSORRT_MAJOR < 11
  if (req["stronglyTyped"].boolean(true))
    flags |= 1U << static_cast<uint32_t>(NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
#endif
  Ptr<INetworkDefinition> network(builder->createNetworkV2(flags));
  Ptr<nvonnxparser::IParser> parser(
      static_cast<nvonnxparser::IParser*>(L.createParser(network.get(), &logger, NV_ONNX_PARSER_VERSION)));
  const std::string onnx = req["onnx"].string();
  progressFn(user, "Parsing the ONNX model", -1);

  // The parser's own verdict on which subgraphs it supports (before parsing, on a fresh parser).
  Json unsupported = Json::array();
  {
    std::vector<char> bytes;
    if (readFile(onnx, bytes)) {
      Ptr<INetworkDefinition> probeNet(builder->createNetworkV2(flags));
      Ptr<nvonnxparser::IParser> probeParser(
          static_cast<nvonnxparser::IParser*>(L.createParser(probeNet.get(), &logger, NV_ONNX_PARSER_VERSION)));
      if (!probeParser->supportsModelV2(bytes.data(), bytes.size(), onnx.c_str())) {
        for (int64_t s = 0; s < probeParser->getNbSubgraphs(); s++) {
          if (probeParser->isSubgraphSupported(s)) continue;
          int64_t len = 0;
          int64_t* nodes = probeParser->getSubgraphNodes(s, len);
          for (int64_t i = 0; i < len && nodes; i++) unsupported.push(static_cast<double>(nodes[i]));
        }
      }
    }
  }
  if (!parser->parseFromFile(onnx.c_str(), static_cast<int>(ILogger::Severity::kWARNING))) {
    Json errors = Json::array();
    std::string first;
    for (int i = 0; i < parser->getNbErrors(); i++) {
      auto const* e = parser->getError(i);
      const std::string node = e->nodeName() ? e->nodeName() : "";
      errors.push(Json::object()
                      .set("node", node)
                      .set("index", e->node())
                      .set("op", e->nodeOperator() ? e->nodeOperator() : "")
                      .set("message", e->desc() ? e->desc() : ""));
      if (first.empty()) first = (node.empty() ? "" : "node " + node + ": ") + (e->desc() ? e->desc() : "");
    }
    return fail(out, KILN_TRT_ERROR, "UNSUPPORTED", "the TensorRT ONNX parser failed at " + first,
                Json::object().set("parserErrors", errors).set("unsupportedNodes", unsupported));
  }
  if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "build cancelled");

  Ptr<IBuilderConfig> config(builder->createBuilderConfig());
  if (req["workspaceBytes"].isNumber())
    config->setMemoryPoolLimit(MemoryPoolType::kWORKSPACE, static_cast<size_t>(req["workspaceBytes"].number()));
  config->setBuilderOptimizationLevel(static_cast<int32_t>(req["optimizationLevel"].number(3)));
  if (req["hardwareCompatibility"].string() == "ampere+")
    config->setHardwareCompatibilityLevel(HardwareCompatibilityLevel::kAMPERE_PLUS);
  if (req["versionCompatible"].boolean()) config->setFlag(BuilderFlag::kVERSION_COMPATIBLE);
  config->setProfilingVerbosity(ProfilingVerbosity::kDETAILED);
#if NV_TENSORRT_MAJOR < 11
  std::unique_ptr<CacheCalibrator> calibrator;
  if (!req["stronglyTyped"].boolean(true)) {
    // Legacy implicit precision (TensorRT 10 only: 11 removed these flags).
    const std::string precision = req["precision"]["legacy"].string();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (precision == "fp16" || precision == "int8") config->setFlag(BuilderFlag::kFP16);
    if (precision == "int8") {
      config->setFlag(BuilderFlag::kINT8);
      std::vector<char> cache;
      const std::string cachePath = req["precision"]["calibrationCache"].string();
      if (!cachePath.empty() && !readFile(cachePath, cache))
        return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", "cannot read the calibration cache " + cachePath);
      calibrator = std::make_unique<CacheCalibrator>(std::move(cache));
      config->setInt8Calibrator(calibrator.get());
    }
#pragma GCC diagnostic pop
  }
#endif
  // Optimization profiles: min/opt/max per input.
  if (req["profiles"].isObject() && !req["profiles"].members().empty()) {
    IOptimizationProfile* profile = builder->createOptimizationProfile();
    for (const auto& kv : req["profiles"].members()) {
      profile->setDimensions(kv.first.c_str(), OptProfileSelector::kMIN, toDims(kv.second["min"]));
      profile->setDimensions(kv.first.c_str(), OptProfileSelector::kOPT, toDims(kv.second["opt"]));
      profile->setDimensions(kv.first.c_str(), OptProfileSelector::kMAX, toDims(kv.second["max"]));
    }
    config->addOptimizationProfile(profile);
  }
  // Timing cache per GPU and TensorRT version (Kiln names the file), reused across builds.
  const std::string cachePath = req["timingCache"].string();
  std::vector<char> cacheBytes;
  if (!cachePath.empty()) readFile(cachePath, cacheBytes);
  Ptr<ITimingCache> timingCache(config->createTimingCache(cacheBytes.data(), cacheBytes.size()));
  if (timingCache) config->setTimingCache(*timingCache, false);

  Progress monitor;
  monitor.fn = progressFn;
  monitor.user = user;
  monitor.cancel = cancel;
  config->setProgressMonitor(&monitor);

  Ptr<IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "build cancelled");
  if (!plan || plan->size() == 0)
    return fail(out, KILN_TRT_ERROR, "INTERNAL", "TensorRT built no engine: " + logger.lastErrors());
  const std::string enginePath = req["engine"].string();
  if (!writeAtomically(enginePath, plan->data(), plan->size()))
    return fail(out, KILN_TRT_ERROR, "FILE_UNREADABLE", "cannot write " + enginePath);
  if (!cachePath.empty()) {
    if (auto const* used = config->getTimingCache()) {
      Ptr<IHostMemory> blob(used->serialize());
      if (blob) writeAtomically(cachePath, blob->data(), blob->size());
    }
  }
  const double buildMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  // Layer information at detailed verbosity, for the layer -> ONNX node mapping.
  Json layerInfo = Json::object();
  {
    Ptr<IRuntime> runtime(static_cast<IRuntime*>(L.createRuntime(&logger, NV_TENSORRT_VERSION)));
    // The plan was built by this very call: its lean runtime (version-compatible builds) may load.
    if (runtime) runtime->setEngineHostCodeAllowed(true);
    Ptr<ICudaEngine> engine(runtime ? runtime->deserializeCudaEngine(plan->data(), plan->size()) : nullptr);
    if (engine) {
      Ptr<IEngineInspector> inspector(engine->createEngineInspector());
      if (inspector) {
        char const* info = inspector->getEngineInformation(LayerInformationFormat::kJSON);
        try {
          if (info) layerInfo = Json::parse(info);
        } catch (const std::exception&) {
          layerInfo = Json::object();
        }
      }
    }
  }
  *out = dup(Json::object()
                 .set("buildMs", buildMs)
                 .set("engineBytes", static_cast<double>(plan->size()))
                 .set("layerInfo", layerInfo)
                 .set("parserErrors", Json::array())
                 .set("unsupportedNodes", unsupported)
                 .set("tensorrt", versionString())
                 .set("device", device(0))
                 .dump());
  return KILN_TRT_OK;
}

/** A deserialized engine with buffers for every I/O tensor, shapes set from the request. */
struct Loaded {
  Logger logger;
  Ptr<IRuntime> runtime;
  Ptr<ICudaEngine> engine;
  Ptr<IExecutionContext> context;
  struct Tensor {
    std::string name;
    bool input;
    DataType type;
    Dims dims;
    size_t bytes;
    void* device = nullptr;
    std::vector<char> host;
  };
  std::vector<Tensor> tensors;
  double coldStartMs = 0;
  ~Loaded() {
    for (auto& t : tensors)
      if (t.device) libs().cuda.free_(t.device);
  }
};

// allowHostCode: Kiln sends it only for an engine that passed its gate (Kiln built these bytes, or a
// user trusted them). Without it TensorRT refuses a plan that carries host code — the lean runtime
// a version-compatible engine embeds — as setEngineHostCodeAllowed(false), its default, says.
std::string load(const std::string& enginePath, const Json& shapes, bool allowHostCode, Loaded& L) {
  Libs& libsRef = libs();
  std::vector<char> plan;
  if (!readFile(enginePath, plan)) return "cannot read " + enginePath;
  const auto t0 = std::chrono::steady_clock::now();
  L.runtime.reset(static_cast<IRuntime*>(libsRef.createRuntime(&L.logger, NV_TENSORRT_VERSION)));
  if (!L.runtime) return "TensorRT could not create a runtime";
  L.runtime->setEngineHostCodeAllowed(allowHostCode);
  L.engine.reset(L.runtime->deserializeCudaEngine(plan.data(), plan.size()));
  if (!L.engine) return "TensorRT cannot deserialize " + enginePath + ": " + L.logger.lastErrors();
  L.context.reset(L.engine->createExecutionContext());
  if (!L.context) return "TensorRT could not create an execution context: " + L.logger.lastErrors();
  L.coldStartMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const int32_t n = L.engine->getNbIOTensors();
  for (int32_t i = 0; i < n; i++) {
    Loaded::Tensor t;
    t.name = L.engine->getIOTensorName(i);
    t.input = L.engine->getTensorIOMode(t.name.c_str()) == TensorIOMode::kINPUT;
    t.type = L.engine->getTensorDataType(t.name.c_str());
    if (t.input) {
      Dims d = L.engine->getTensorShape(t.name.c_str());
      if (shapes.has(t.name)) d = toDims(shapes[t.name]);
      for (int32_t k = 0; k < d.nbDims; k++)
        if (d.d[k] < 0) return "input " + t.name + " has a dynamic dim: give its shape";
      if (!L.context->setInputShape(t.name.c_str(), d)) return "TensorRT refused the shape of input " + t.name;
    }
    L.tensors.push_back(std::move(t));
  }
  for (auto& t : L.tensors) {
    t.dims = L.context->getTensorShape(t.name.c_str());
    size_t count = 1;
    for (int32_t k = 0; k < t.dims.nbDims; k++) count *= static_cast<size_t>(std::max<int64_t>(0, t.dims.d[k]));
    t.bytes = std::max<size_t>(1, (count * elementBits(t.type) + 7) / 8);
    t.host.assign(t.bytes, 0);
    if (t.input)
      for (size_t b = 0; b < t.bytes; b++) t.host[b] = static_cast<char>((b * 2654435761u) >> 24);  // deterministic
    if (libsRef.cuda.malloc_(&t.device, t.bytes) != cudaSuccess) return "cudaMalloc failed for " + t.name;
    L.context->setTensorAddress(t.name.c_str(), t.device);
  }
  return "";
}

class LayerProfiler : public IProfiler {
 public:
  std::vector<std::pair<std::string, double>> order;
  std::map<std::string, size_t> index;
  void reportLayerTime(char const* layerName, float ms) noexcept override {
    auto it = index.find(layerName);
    if (it == index.end()) {
      index[layerName] = order.size();
      order.emplace_back(layerName, ms);
    } else {
      order[it->second].second += ms;
    }
  }
};

int profile(const char* request, kiln_trt_progress_fn progressFn, void* user, volatile int* cancel, char** out) {
  Libs& Lb = libs();
  Json req;
  if (const int code = start(Lb, request, req, out)) return code;
  Cuda& c = Lb.cuda;
  Loaded L;
  const std::string error = load(req["engine"].string(), req["shapes"], req["allowHostCode"].boolean(false), L);
  if (!error.empty()) return fail(out, KILN_TRT_ERROR, "UNSUPPORTED", error);
  cudaStream_t stream = nullptr;
  c.streamCreate(&stream);
  cudaEvent_t e[4];
  for (auto& ev : e) c.eventCreate(&ev);
  const bool transfers = !req["noDataTransfers"].boolean(false);
  const bool graph = req["useCudaGraph"].boolean(false);
  cudaGraphExec_t exec = nullptr;
  auto enqueue = [&]() -> bool {
    if (exec) return c.graphLaunch(exec, stream) == cudaSuccess;
    return L.context->enqueueV3(stream);
  };
  auto cleanup = [&]() {
    if (exec) c.graphExecDestroy(exec);
    for (auto& ev : e) c.eventDestroy(ev);
    c.streamDestroy(stream);
  };
  // Warm-up (also the run that lets TensorRT settle its allocations before any graph capture).
  progressFn(user, "Warming up", 0);
  const auto warmEnd = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(req["warmupMs"].number(200)));
  do {
    if (!enqueue()) {
      cleanup();
      return fail(out, KILN_TRT_ERROR, "INTERNAL", "enqueueV3 failed: " + L.logger.lastErrors());
    }
    c.streamSynchronize(stream);
  } while (std::chrono::steady_clock::now() < warmEnd && !*cancel);
  if (graph) {
    cudaGraph_t g = nullptr;
    if (c.streamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) == cudaSuccess && L.context->enqueueV3(stream) &&
        c.streamEndCapture(stream, &g) == cudaSuccess && g) {
      if (c.graphInstantiate(&exec, g, 0) != cudaSuccess) exec = nullptr;
      c.graphDestroy(g);
    }
  }
  Json samples = Json::array();
  Json compute = Json::array();
  const bool byCount = req["iterations"].isNumber();
  const int iterations = static_cast<int>(req["iterations"].number(0));
  const double durationMs = req["durationS"].number(3) * 1000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0;; i++) {
    if (*cancel) {
      cleanup();
      return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "profiling cancelled");
    }
    const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (byCount ? i >= iterations : elapsed >= durationMs) break;
    c.eventRecord(e[0], stream);
    if (transfers)
      for (auto& t : L.tensors)
        if (t.input) c.memcpyAsync(t.device, t.host.data(), t.bytes, cudaMemcpyHostToDevice, stream);
    c.eventRecord(e[1], stream);
    enqueue();
    c.eventRecord(e[2], stream);
    if (transfers)
      for (auto& t : L.tensors)
        if (!t.input) c.memcpyAsync(t.host.data(), t.device, t.bytes, cudaMemcpyDeviceToHost, stream);
    c.eventRecord(e[3], stream);
    c.eventSynchronize(e[3]);
    float total = 0, gpu = 0;
    c.eventElapsedTime(&total, e[0], e[3]);
    c.eventElapsedTime(&gpu, e[1], e[2]);
    samples.push(static_cast<double>(total));
    compute.push(static_cast<double>(gpu));
    if (i % 16 == 0) progressFn(user, "Timing", byCount ? static_cast<double>(i) / iterations : elapsed / durationMs);
  }
  // Per-layer time in a separate run: the profiler adds overhead, as in trtexec --separateProfileRun.
  Json layers = Json::array();
  const int layerRuns = static_cast<int>(req["layerRuns"].number(10));
  if (layerRuns > 0) {
    if (exec) {
      c.graphExecDestroy(exec);
      exec = nullptr;
    }
    LayerProfiler profiler;
    L.context->setProfiler(&profiler);
    for (int i = 0; i < layerRuns && !*cancel; i++) {
      L.context->enqueueV3(stream);
      c.streamSynchronize(stream);
    }
    L.context->setProfiler(nullptr);
    for (auto& kv : profiler.order) layers.push(Json::object().set("name", kv.first).set("ms", kv.second / layerRuns));
  }
  cleanup();
  progressFn(user, "Timing", 1.0);
  *out = dup(Json::object()
                 .set("coldStartMs", L.coldStartMs)
                 .set("samplesMs", samples)
                 .set("computeMs", compute)
                 .set("layers", layers)
                 .set("tensorrt", versionString())
                 .set("device", device(0))
                 .dump());
  return KILN_TRT_OK;
}

int run(const char* request, kiln_trt_progress_fn progressFn, void* user, volatile int* cancel, char** out) {
  Libs& Lb = libs();
  Json req;
  if (const int code = start(Lb, request, req, out)) return code;
  Json shapes = Json::object();
  for (const auto& kv : req["inputs"].members()) shapes.set(kv.first, kv.second["dims"]);
  Loaded L;
  const std::string error = load(req["engine"].string(), shapes, req["allowHostCode"].boolean(false), L);
  if (!error.empty()) return fail(out, KILN_TRT_ERROR, "UNSUPPORTED", error);
  Cuda& c = Lb.cuda;
  for (auto& t : L.tensors) {
    if (!t.input) continue;
    const std::string file = req["inputs"][t.name]["file"].string();
    std::vector<char> data;
    if (!readFile(file, data)) return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", "cannot read input " + t.name + " from " + file);
    if (data.size() != t.bytes)
      return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT",
                  "input " + t.name + " needs " + std::to_string(t.bytes) + " bytes, " + file + " has " + std::to_string(data.size()));
    t.host = std::move(data);
  }
  if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "run cancelled");
  progressFn(user, "Running", -1);
  cudaStream_t stream = nullptr;
  c.streamCreate(&stream);
  for (auto& t : L.tensors)
    if (t.input) c.memcpyAsync(t.device, t.host.data(), t.bytes, cudaMemcpyHostToDevice, stream);
  const bool ok = L.context->enqueueV3(stream);
  for (auto& t : L.tensors)
    if (!t.input) c.memcpyAsync(t.host.data(), t.device, t.bytes, cudaMemcpyDeviceToHost, stream);
  c.streamSynchronize(stream);
  c.streamDestroy(stream);
  if (!ok) return fail(out, KILN_TRT_ERROR, "INTERNAL", "enqueueV3 failed: " + L.logger.lastErrors());
  Json outputs = Json::object();
  const std::string dir = req["outputDir"].string();
  int k = 0;
  for (auto& t : L.tensors) {
    if (t.input) continue;
    const std::string file = dir + "/output" + std::to_string(k++) + ".bin";
    if (!writeAtomically(file, t.host.data(), t.bytes)) return fail(out, KILN_TRT_ERROR, "FILE_UNREADABLE", "cannot write " + file);
    outputs.set(t.name, Json::object().set("dims", fromDims(t.dims)).set("dtype", dtypeName(t.type)).set("file", file));
  }
  *out = dup(Json::object().set("outputs", outputs).dump());
  return KILN_TRT_OK;
}

void freeString(char* s) { std::free(s); }

#define KILN_STR2(x) #x
#define KILN_STR(x) KILN_STR2(x)
const kiln_trt_plugin kPlugin = {KILN_TRT_ABI_VERSION, "tensorrt-" KILN_STR(NV_TENSORRT_MAJOR), NV_TENSORRT_MAJOR,
                                 probe, build, profile, run, freeString};

}  // namespace

extern "C" KILN_TRT_EXPORT const kiln_trt_plugin* kiln_trt_plugin_entry(void) { return &kPlugin; }
