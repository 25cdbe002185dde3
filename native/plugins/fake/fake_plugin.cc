// The fake TensorRT plugin: Kiln's plugin seam with deterministic behaviour and no TensorRT, so
// CI exercises the real binding, plugin loading, worker threads, progress ordering, cancellation,
// errors and crashes. Its "engines" are JSON files; its layers fuse ONNX nodes the way TensorRT
// names them ("A + B"), from the node names Kiln passes in the request.
//
// Behaviour is steered by request.fake: {"steps": N, "stepMs": ms, "fail": "parse" | "build",
// "failNode": name, "crash": true, "unavailable": true, "shapeTensors": "a,b"}. The inputs named in
// shapeTensors are treated as the real plugin treats shape tensors: their min/opt/max values come
// from request.profiles[name].values (recorded in the engine file as "shapeValues"), and one with
// none is built for all 1s with the real plugin's warning. KILN_FAKE_SHAPE_TENSORS in the
// environment names them for requests that carry no fake hooks (an end-to-end test of the app).
//
// A version-compatible build marks its engine so, and profile and run refuse such an engine unless
// the request says "allowHostCode", as TensorRT's runtime refuses a plan carrying host code under
// setEngineHostCodeAllowed(false).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "json.h"
#include "kiln_trt_plugin.h"

using kiln::Json;

namespace {

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

int fail(char** out, int status, const std::string& code, const std::string& message) {
  *out = dup(Json::object().set("code", code).set("message", message).dump());
  return status;
}

bool readFile(const std::string& path, std::string& into) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  into = ss.str();
  return true;
}

bool writeAtomically(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".kiln-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return false;
    f << data;
    if (!f.good()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// As TensorRT's IRuntime with setEngineHostCodeAllowed(false): a plan that carries host code (the
// lean runtime of a version-compatible engine) is not deserialized unless the caller allows it.
int refuseHostCode(const Json& engine, const Json& req, char** out) {
  if (!engine["versionCompatible"].boolean(false) || req["allowHostCode"].boolean(false)) return 0;
  return fail(out, KILN_TRT_ERROR, "UNTRUSTED",
              "the engine carries host code (version-compatible) and the request does not allow it (fake)");
}

// Runs `steps` progress steps of `stepMs`; false when cancelled.
bool steps(const Json& fake, const char* stage, kiln_trt_progress_fn progress, void* user, volatile int* cancel) {
  const int n = static_cast<int>(fake["steps"].number(4));
  const int ms = static_cast<int>(fake["stepMs"].number(5));
  for (int i = 0; i < n; i++) {
    if (*cancel) return false;
    progress(user, stage, static_cast<double>(i) / n);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  if (*cancel) return false;
  progress(user, stage, 1.0);
  return true;
}

const char* kFusable[] = {"BatchNormalization", "Relu", "Clip", "HardSigmoid", "HardSwish", "Sigmoid", "LeakyRelu"};

bool fusesIntoPrevious(const std::string& op) {
  for (const char* f : kFusable)
    if (op == f) return true;
  return false;
}

int probe(char** out) {
  Json devices = Json::array();
  devices.push(Json::object().set("name", "Kiln Fake GPU").set("computeCapability", "8.6").set("memoryBytes", 8.0 * (1ull << 30)));
  *out = dup(Json::object().set("available", true).set("version", "fake-1.0").set("devices", devices).dump());
  return KILN_TRT_OK;
}

int build(const char* request, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out) {
  Json req;
  try {
    req = Json::parse(request);
  } catch (const std::exception& e) {
    return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", std::string("bad request: ") + e.what());
  }
  const Json& fake = req["fake"];
  if (fake["crash"].boolean()) std::abort();  // a plugin that dies takes its process with it
  if (fake["unavailable"].boolean())
    return fail(out, KILN_TRT_UNAVAILABLE, "UNAVAILABLE", "no CUDA-capable GPU was found (fake)");
  std::string onnx;
  if (!readFile(req["onnx"].string(), onnx))
    return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", "cannot read " + req["onnx"].string());
  const auto t0 = std::chrono::steady_clock::now();
  if (!steps(fake, "Parsing the ONNX model", progress, user, cancel)) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "build cancelled");
  if (fake["fail"].string() == "parse") {
    const std::string node = fake["failNode"].string();
    Json errs = Json::array();
    errs.push(Json::object().set("node", node).set("message", "unsupported operator (fake)"));
    *out = dup(Json::object()
                   .set("code", "UNSUPPORTED")
                   .set("message", "the ONNX parser failed at node " + node + ": unsupported operator (fake)")
                   .set("parserErrors", errs)
                   .dump());
    return KILN_TRT_ERROR;
  }
  if (!steps(fake, "Building the engine", progress, user, cancel)) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "build cancelled");
  if (fake["fail"].string() == "build") return fail(out, KILN_TRT_ERROR, "INTERNAL", "builder returned no engine (fake out of memory)");

  // Layers: each compute node, with activations/normalisations fused into the layer before them.
  Json layers = Json::array();
  Json current;
  std::string names;
  Json metadata;
  int index = 0;
  auto flush = [&]() {
    if (names.empty()) return;
    current.set("Name", names).set("Metadata", metadata.string());
    layers.push(current);
    names.clear();
  };
  for (const Json& n : req["nodes"].items()) {
    const std::string op = n["op"].string();
    const std::string name = n["name"].string();
    if (op == "Constant") continue;
    if (!names.empty() && fusesIntoPrevious(op)) {
      names += " + " + name;
      metadata = Json(metadata.string() + "\x1f[ONNX Layer: " + name + "]");
      continue;
    }
    flush();
    current = Json::object()
                  .set("LayerType", op == "Conv" ? "CaskConvolution" : op == "MatMul" || op == "Gemm" ? "CaskGemm" : "PointWise")
                  .set("TacticValue", "0x" + std::to_string(1000 + index++))
                  .set("Outputs", Json::array().push(Json::object().set("Name", name + "_out").set("Format/Datatype", "Row major linear FP32")));
    // As on Ampere and newer: FP32 convolutions and GEMMs run TF32 tactics unless the build clears TF32.
    if (op == "Conv" || op == "MatMul" || op == "Gemm")
      current.set("TacticName", req["tf32"].boolean(true) ? "sm80_xmma_fprop_implicit_gemm_tf32f32_tf32f32_f32_fake"
                                                          : "sm80_xmma_fprop_implicit_gemm_f32f32_f32f32_f32_ffma_fake");
    names = name;
    metadata = Json("[ONNX Layer: " + name + "]");
  }
  flush();
  // Shape tensors: their values from the request, else all 1s with a warning (as the real plugin).
  Json warnings = Json::array();
  Json shapeValues = Json::object();
  // KILN_FAKE_SHAPE_TENSORS stands in for a request that cannot carry fake hooks (the app's form).
  const char* env = std::getenv("KILN_FAKE_SHAPE_TENSORS");
  std::string list = fake.has("shapeTensors") ? fake["shapeTensors"].string() : env ? env : "";
  for (size_t at = 0; !list.empty() && at <= list.size();) {
    const size_t comma = std::min(list.find(',', at), list.size());
    const std::string name = list.substr(at, comma - at);
    at = comma + 1;
    if (name.empty()) continue;
    const Json& v = req["profiles"][name]["values"];
    if (v.isObject())
      shapeValues.set(name, v);
    else
      warnings.push("shape tensor input " + name + " has no values in the request: built for all 1s");
  }
  Json layerInfo = Json::object().set("Layers", layers).set("Bindings", Json::array());
  Json engine = Json::object()
                    .set("fakeEngine", 1)
                    .set("versionCompatible", req["versionCompatible"].boolean(false))
                    .set("layers", layers)
                    .set("shapeValues", shapeValues)
                    .set("source", req["onnx"].string());
  if (!writeAtomically(req["engine"].string(), engine.dump()))
    return fail(out, KILN_TRT_ERROR, "FILE_UNREADABLE", "cannot write " + req["engine"].string());
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  *out = dup(Json::object()
                 .set("buildMs", ms)
                 .set("engineBytes", static_cast<double>(engine.dump().size()))
                 .set("layerInfo", layerInfo)
                 .set("parserErrors", Json::array())
                 .set("unsupportedNodes", Json::array())
                 .set("warnings", warnings)
                 .set("tensorrt", "fake-1.0")
                 .set("device", Json::object().set("name", "Kiln Fake GPU").set("computeCapability", "8.6"))
                 .dump());
  return KILN_TRT_OK;
}

int profile(const char* request, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out) {
  Json req;
  try {
    req = Json::parse(request);
  } catch (const std::exception& e) {
    return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", std::string("bad request: ") + e.what());
  }
  if (req["fake"]["crash"].boolean()) std::abort();
  std::string text;
  if (!readFile(req["engine"].string(), text)) return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", "cannot read " + req["engine"].string());
  Json engine;
  try {
    engine = Json::parse(text);
  } catch (const std::exception&) {
    return fail(out, KILN_TRT_ERROR, "NOT_ONNX", "not an engine this plugin made");
  }
  if (!engine["fakeEngine"].isNumber()) return fail(out, KILN_TRT_ERROR, "NOT_ONNX", "not an engine this plugin made");
  if (const int code = refuseHostCode(engine, req, out)) return code;
  const int iterations = static_cast<int>(req["iterations"].number(50));
  Json samples = Json::array();
  Json compute = Json::array();
  const size_t nLayers = engine["layers"].items().size();
  for (int i = 0; i < iterations; i++) {
    if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "profiling cancelled");
    if (i % 10 == 0) progress(user, "Timing", static_cast<double>(i) / iterations);
    const double c = 0.01 * static_cast<double>(nLayers) * (1.0 + 0.01 * (i % 7));  // deterministic jitter
    compute.push(c);
    samples.push(c + 0.05);
  }
  progress(user, "Timing", 1.0);
  Json layers = Json::array();
  size_t k = 0;
  for (const Json& l : engine["layers"].items())
    layers.push(Json::object().set("name", l["Name"].string()).set("ms", 0.01 * static_cast<double>(1 + (k++ % 5)) / 3.0));
  *out = dup(Json::object()
                 .set("coldStartMs", 1.5)
                 .set("samplesMs", samples)
                 .set("computeMs", compute)
                 .set("layers", layers)
                 .set("tensorrt", "fake-1.0")
                 .set("device", Json::object().set("name", "Kiln Fake GPU").set("computeCapability", "8.6"))
                 .dump());
  return KILN_TRT_OK;
}

// Runs "on data": reads every input's raw float32 file and writes one output, [1] float32, holding
// the sum of all input values, so tests can check that bytes went in and out where they should.
int run(const char* request, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out) {
  Json req;
  try {
    req = Json::parse(request);
  } catch (const std::exception& e) {
    return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", std::string("bad request: ") + e.what());
  }
  progress(user, "Running", -1);
  {
    std::string text;
    Json engine;
    if (!readFile(req["engine"].string(), text)) return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", "cannot read " + req["engine"].string());
    try {
      engine = Json::parse(text);
    } catch (const std::exception&) {
      return fail(out, KILN_TRT_ERROR, "NOT_ONNX", "not an engine this plugin made");
    }
    if (const int code = refuseHostCode(engine, req, out)) return code;
  }
  double sum = 0;
  for (const auto& kv : req["inputs"].members()) {
    std::string data;
    const std::string file = kv.second["file"].string();
    if (!readFile(file, data)) return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", "cannot read input " + kv.first + " from " + file);
    if (data.size() % 4 != 0)
      return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", "input " + kv.first + " is not whole float32 values");
    for (size_t i = 0; i + 4 <= data.size(); i += 4) {
      float v;
      std::memcpy(&v, data.data() + i, 4);
      sum += v;
    }
  }
  if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "run cancelled");
  const float result = static_cast<float>(sum);
  const std::string file = req["outputDir"].string() + "/output0.bin";
  if (!writeAtomically(file, std::string(reinterpret_cast<const char*>(&result), 4)))
    return fail(out, KILN_TRT_ERROR, "FILE_UNREADABLE", "cannot write " + file);
  Json outputs = Json::object().set(
      "sum", Json::object().set("dims", Json::array().push(1)).set("dtype", "float32").set("file", file));
  *out = dup(Json::object().set("outputs", outputs).dump());
  return KILN_TRT_OK;
}

void freeString(char* s) { std::free(s); }

const kiln_trt_plugin kPlugin = {KILN_TRT_ABI_VERSION, "fake", 0, probe, build, profile, run, freeString};

}  // namespace

extern "C" KILN_TRT_EXPORT const kiln_trt_plugin* kiln_trt_plugin_entry(void) { return &kPlugin; }
