// build: parse an ONNX file, build a serialized engine, write it, and read it back for its layer
// information. Every TensorRT object is null-checked (a failed create is a message, not a crash).
// Inputs with dynamic dims the request gave no profile for are built for dims of 1, with a warning,
// as trtexec does; shape tensors get their values (setShapeValuesV2 from 10.11, setShapeValues
// before). The parser's own verdict on unsupported subgraphs (supportsModelV2, 10.1+) is asked only
// when parsing failed, so a good model is parsed once.
#include <chrono>
#include <memory>
#include <mutex>

#include "calls.h"
#include "common.h"
#include "libs.h"
#include "logger.h"
#include "progress.h"
#include "timing_cache.h"

#include <NvOnnxParser.h>

using kiln::Json;
using namespace nvinfer1;

namespace kiln_trt {
namespace {

template <typename T>
using Ptr = std::unique_ptr<T, Deleter<T>>;

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

std::string dimsText(const Dims& d) {
  std::string s = "[";
  for (int32_t i = 0; i < d.nbDims; i++) s += (i ? "," : "") + std::to_string(d.d[i]);
  return s + "]";
}

/** The request's profiles, by input name: an object {input: {...}} or an array of such objects. */
Json requestProfiles(const Json& profiles) {
  Json merged = Json::object();
  if (profiles.isObject())
    for (const auto& kv : profiles.members()) merged.set(kv.first, kv.second);
  for (const auto& p : profiles.items())
    for (const auto& kv : p.members()) merged.set(kv.first, kv.second);
  return merged;
}

bool setShapeValues(IOptimizationProfile& p, const char* name, OptProfileSelector sel, const std::vector<int64_t>& v) {
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 11
  return p.setShapeValuesV2(name, sel, v.data(), static_cast<int32_t>(v.size()));
#else
  std::vector<int32_t> narrow(v.begin(), v.end());
  return p.setShapeValues(name, sel, narrow.data(), static_cast<int32_t>(narrow.size()));
#endif
}

/**
 * One optimization profile covering every dynamic input and shape tensor: the request's dims where
 * it gives them, else the input's dims with each dynamic one set to 1 (a warning says so). Returns
 * "" or what is wrong with the request.
 */
std::string addProfile(IBuilder& builder, INetworkDefinition& network, IBuilderConfig& config, const Json& given,
                       std::vector<std::string>& warnings) {
  IOptimizationProfile* profile = nullptr;
  for (int32_t i = 0; i < network.getNbInputs(); i++) {
    ITensor* in = network.getInput(i);
    const std::string name = in->getName();
    const Dims dims = in->getDimensions();
    bool dynamic = false;
    for (int32_t k = 0; k < dims.nbDims; k++) dynamic = dynamic || dims.d[k] < 0;
    const bool shapeTensor = in->isShapeTensor();
    if (!dynamic && !shapeTensor && !given.has(name)) continue;
    if (!profile) profile = builder.createOptimizationProfile();
    if (!profile) return "TensorRT could not create an optimization profile";
    const Json& g = given[name];
    Dims fill = dims;
    for (int32_t k = 0; k < fill.nbDims; k++)
      if (fill.d[k] < 0) fill.d[k] = 1;
    const bool hasDims = g["min"].isArray() && g["opt"].isArray() && g["max"].isArray();
    if (dynamic && !hasDims)
      warnings.push_back("input " + name + " has dynamic dims " + dimsText(dims) + " and no profile: built for " +
                         dimsText(fill) + " (give its min/opt/max shapes to build for others), as trtexec does");
    const OptProfileSelector sels[] = {OptProfileSelector::kMIN, OptProfileSelector::kOPT, OptProfileSelector::kMAX};
    const char* keys[] = {"min", "opt", "max"};
    for (int s = 0; s < 3; s++)
      if (!profile->setDimensions(name.c_str(), sels[s], hasDims ? toDims(g[keys[s]]) : fill))
        return "TensorRT refused the " + std::string(keys[s]) + " shape of input " + name;
    if (shapeTensor) {
      // The values of a shape tensor: the request's {min, opt, max} (or one list for all three), else
      // 1 for each element, as trtexec does.
      const Json& given = g["values"];
      std::vector<int64_t> values[3];
      for (int s = 0; s < 3; s++)
        for (const auto& v : (given.isObject() ? given[keys[s]] : given).items())
          values[s].push_back(static_cast<int64_t>(v.number()));
      if (values[0].empty() || values[1].empty() || values[2].empty()) {
        const int64_t n = fill.nbDims == 0 ? 1 : fill.d[0];
        for (auto& v : values) v.assign(static_cast<size_t>(std::max<int64_t>(n, 1)), 1);
        warnings.push_back("shape tensor input " + name + " has no values in the request: built for all 1s");
      }
      for (int s = 0; s < 3; s++)
        if (!setShapeValues(*profile, name.c_str(), sels[s], values[s]))
          return "TensorRT refused the " + std::string(keys[s]) + " shape values of input " + name;
    }
  }
  if (profile && config.addOptimizationProfile(profile) < 0) return "TensorRT refused the optimization profile";
  return "";
}

Json parserErrors(nvonnxparser::IParser& parser, std::string& first) {
  Json errors = Json::array();
  for (int i = 0; i < parser.getNbErrors(); i++) {
    auto const* e = parser.getError(i);
    const std::string node = e->nodeName() ? e->nodeName() : "";
    const std::string desc = e->desc() ? e->desc() : "";
    errors.push(Json::object()
                    .set("node", node)
                    .set("index", e->node())
                    .set("op", e->nodeOperator() ? e->nodeOperator() : "")
                    .set("message", desc));
    if (first.empty()) first = (node.empty() ? "" : "node " + node + ": ") + desc;
  }
  return errors;
}

/** The parser's verdict on which nodes it cannot take (10.1+, version 100100: supportsModelV2 is not in 10.0's parser). */
Json unsupportedNodes(IBuilder& builder, NetworkDefinitionCreationFlags flags, const std::vector<char>& bytes,
                      const std::string& onnx, const Json& errors) {
  Json nodes = Json::array();
  if (parserVersion() >= 100100) {
    Ptr<INetworkDefinition> net(builder.createNetworkV2(flags));
    Ptr<nvonnxparser::IParser> p(
        net ? static_cast<nvonnxparser::IParser*>(libs().createParser(net.get(), &processLogger(), NV_ONNX_PARSER_VERSION))
            : nullptr);
    if (p && !p->supportsModelV2(bytes.data(), bytes.size(), onnx.c_str())) {
      for (int64_t s = 0; s < p->getNbSubgraphs(); s++) {
        if (p->isSubgraphSupported(s)) continue;
        int64_t len = 0;
        int64_t* list = p->getSubgraphNodes(s, len);
        for (int64_t i = 0; i < len && list; i++) nodes.push(static_cast<double>(list[i]));
      }
      return nodes;
    }
  }
  for (const auto& e : errors.items())
    if (e["index"].number(-1) >= 0) nodes.push(e["index"].number());
  return nodes;
}

/** The engine's layer information, read back with the inspector; "" or why there is none. */
std::string layerInfo(IHostMemory& plan, Json& info) {
  const CallLog log;
  Ptr<IRuntime> runtime(static_cast<IRuntime*>(libs().createRuntime(&processLogger(), NV_TENSORRT_VERSION)));
  if (!runtime) return "TensorRT could not create a runtime: " + log.errors();
  // The plan was built by this very call: its lean runtime (version-compatible builds) may load.
  runtime->setEngineHostCodeAllowed(true);
  Ptr<ICudaEngine> engine(runtime->deserializeCudaEngine(plan.data(), plan.size()));
  if (!engine) return "TensorRT could not read the engine back: " + log.errors();
  Ptr<IEngineInspector> inspector(engine->createEngineInspector());
  if (!inspector) return "TensorRT could not create an engine inspector";
  char const* text = inspector->getEngineInformation(LayerInformationFormat::kJSON);
  if (!text) return "the engine inspector returned nothing";
  try {
    info = Json::parse(text);
  } catch (const std::exception& e) {
    return std::string("the engine inspector's JSON does not parse: ") + e.what();
  }
  return "";
}

}  // namespace

int build(const char* request, kiln_trt_progress_fn progressFn, void* user, volatile int* cancel, char** out) {
  Json req;
  if (const int code = start(request, req, out)) return code;
  Libs& L = libs();
  const CallLog log;
  std::vector<std::string> warnings;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string onnx = req["onnx"].string();
  std::vector<char> bytes;
  if (onnx.empty()) return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", "the build request names no ONNX file");
  if (!readFile(onnx, bytes)) return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", "cannot read the ONNX model " + onnx);
  ensurePlugins();
  if (!L.pluginsWhy.empty()) warnings.push_back(L.pluginsWhy + ": models using TensorRT's plugins will not parse");
  Ptr<IBuilder> builder(static_cast<IBuilder*>(L.createBuilder(&processLogger(), NV_TENSORRT_VERSION)));
  if (!builder) return fail(out, KILN_TRT_ERROR, "INTERNAL", "TensorRT could not create a builder: " + log.errors());
  NetworkDefinitionCreationFlags flags = 0;
#if NV_TENSORRT_MAJOR < 11
  if (req["stronglyTyped"].boolean(true))
    flags |= 1U << static_cast<uint32_t>(NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
#endif
  Ptr<INetworkDefinition> network(builder->createNetworkV2(flags));
  if (!network) return fail(out, KILN_TRT_ERROR, "INTERNAL", "TensorRT could not create a network: " + log.errors());
  Ptr<nvonnxparser::IParser> parser(
      static_cast<nvonnxparser::IParser*>(L.createParser(network.get(), &processLogger(), NV_ONNX_PARSER_VERSION)));
  if (!parser) return fail(out, KILN_TRT_ERROR, "INTERNAL", "TensorRT could not create an ONNX parser: " + log.errors());
  progressFn(user, "Parsing the ONNX model", -1);
  if (!parser->parseFromFile(onnx.c_str(), static_cast<int>(ILogger::Severity::kWARNING))) {
    std::string first;
    const Json errors = parserErrors(*parser, first);
    return fail(out, KILN_TRT_ERROR, "UNSUPPORTED", "the TensorRT ONNX parser refused " + onnx + ": " + first,
                Json::object().set("parserErrors", errors).set("unsupportedNodes", unsupportedNodes(*builder, flags, bytes, onnx, errors)));
  }
  if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "build cancelled");

  Ptr<IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) return fail(out, KILN_TRT_ERROR, "INTERNAL", "TensorRT could not create a builder config: " + log.errors());
  if (req["workspaceBytes"].isNumber())
    config->setMemoryPoolLimit(MemoryPoolType::kWORKSPACE, static_cast<size_t>(req["workspaceBytes"].number()));
  config->setBuilderOptimizationLevel(static_cast<int32_t>(req["optimizationLevel"].number(3)));
  if (req["hardwareCompatibility"].string() == "ampere+")
    config->setHardwareCompatibilityLevel(HardwareCompatibilityLevel::kAMPERE_PLUS);
  if (req["versionCompatible"].boolean()) config->setFlag(BuilderFlag::kVERSION_COMPATIBLE);
  // TF32 is on by default (FP32 layers may run TF32 tactics on Ampere and newer); off: strict FP32.
  if (!req["tf32"].boolean(true)) config->clearFlag(BuilderFlag::kTF32);
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
  const std::string profileError = addProfile(*builder, *network, *config, requestProfiles(req["profiles"]), warnings);
  if (!profileError.empty()) return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", profileError);
  const std::string cachePath = req["timingCache"].string();
  std::unique_ptr<ITimingCache> timingCache = loadTimingCache(*config, cachePath, warnings);

  Progress monitor(progressFn, user, cancel);
  config->setProgressMonitor(&monitor);
  Ptr<IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  config->setProgressMonitor(nullptr);
  if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "build cancelled");
  if (!plan || plan->size() == 0)
    return fail(out, KILN_TRT_ERROR, "INTERNAL", "TensorRT built no engine: " + log.errors());
  const std::string enginePath = req["engine"].string();
  if (!writeAtomically(enginePath, plan->data(), plan->size()))
    return fail(out, KILN_TRT_ERROR, "FILE_UNREADABLE", "cannot write the engine " + enginePath);
  if (timingCache) saveTimingCache(*timingCache, *config, cachePath, warnings);
  const double buildMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  // Layer information at detailed verbosity, for the layer -> ONNX node mapping.
  Json info = Json::object();
  const std::string infoError = layerInfo(*plan, info);
  if (!infoError.empty()) warnings.push_back("no layer information: " + infoError);
  Json w = Json::array();
  for (auto& s : warnings) w.push(s);
  *out = dup(Json::object()
                 .set("buildMs", buildMs)
                 .set("engineBytes", static_cast<double>(plan->size()))
                 .set("layerInfo", info)
                 .set("parserErrors", Json::array())
                 .set("unsupportedNodes", Json::array())
                 .set("warnings", w)
                 .set("tensorrt", versionString())
                 .set("device", device(0))
                 .dump());
  return KILN_TRT_OK;
}

}  // namespace kiln_trt
