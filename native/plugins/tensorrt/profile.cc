// profile: time an engine the way trtexec does (samples/common/sampleInference.cpp): inputs
// uploaded once; copies on their own streams (host-to-device, device-to-host) around the compute
// stream, pinned host buffers, two inferences in flight; per inference the latency (first copy in to
// last copy out) and the GPU compute time from events; throughput as inferences over host wall
// time. Every CUDA and TensorRT failure fails the call — a failed enqueue is never a 0 ms sample.
// A CUDA graph that cannot be captured ends the capture and times without one (a warning says so).
// Per-layer times come from a separate run with a profiler, as trtexec's --separateProfileRun.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "calls.h"
#include "common.h"
#include "engine.h"
#include "libs.h"

using kiln::Json;
using namespace nvinfer1;

namespace kiln_trt {
namespace {

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

/** The streams, events and graph of one profile call, released in order whatever happens. */
struct Resources {
  Cuda& c;
  cudaStream_t compute = nullptr, h2d = nullptr, d2h = nullptr;
  static constexpr int kInFlight = 2;
  cudaEvent_t ev[kInFlight][4] = {};  // start, inputs in, compute done, outputs out
  cudaGraphExec_t exec = nullptr;
  explicit Resources(Cuda& cuda) : c(cuda) {}
  std::string create() {
    for (cudaStream_t* s : {&compute, &h2d, &d2h}) {
      const std::string e = c.error("cudaStreamCreate", c.streamCreate(s));
      if (!e.empty()) return e;
    }
    for (auto& slot : ev)
      for (auto& e : slot) {
        const std::string err = c.error("cudaEventCreate", c.eventCreate(&e));
        if (!err.empty()) return err;
      }
    return "";
  }
  ~Resources() {
    if (exec) c.graphExecDestroy(exec);
    for (cudaStream_t s : {compute, h2d, d2h})
      if (s) {
        c.streamSynchronize(s);
        c.streamDestroy(s);
      }
    for (auto& slot : ev)
      for (auto& e : slot)
        if (e) c.eventDestroy(e);
  }
};

}  // namespace

int profile(const char* request, kiln_trt_progress_fn progressFn, void* user, volatile int* cancel, char** out) {
  Json req;
  if (const int code = start(request, req, out)) return code;
  Cuda& c = libs().cuda;
  Engine E;
  LoadError err = E.open(req["engine"].string(), req["allowHostCode"].boolean(false));
  if (!err) err = E.bind(req["shapes"], {});
  if (err) return fail(out, KILN_TRT_ERROR, err.code, err.message);
  Resources R(c);
  std::string e = R.create();
  if (!e.empty()) return fail(out, KILN_TRT_ERROR, "INTERNAL", e);
  if ((err = E.upload(R.compute))) return fail(out, KILN_TRT_ERROR, err.code, err.message);
  std::vector<std::string> warnings;
  auto internal = [&](const std::string& why) { return fail(out, KILN_TRT_ERROR, "INTERNAL", why); };
  auto cancelled = [&]() { return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "profiling cancelled"); };
  auto enqueue = [&](cudaStream_t s) -> std::string {
    if (R.exec) return c.error("cudaGraphLaunch", c.graphLaunch(R.exec, s));
    return E.context->enqueueV3(s) ? "" : "enqueueV3 failed: " + E.log.errors();
  };

  // Warm-up (also lets TensorRT settle its allocations before any graph capture).
  progressFn(user, "Warming up", 0);
  const auto warmEnd =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(req["warmupMs"].number(200)));
  do {
    if (*cancel) return cancelled();
    if (!(e = enqueue(R.compute)).empty()) return internal(e);
    if (!(e = c.error("cudaStreamSynchronize", c.streamSynchronize(R.compute))).empty()) return internal(e);
  } while (std::chrono::steady_clock::now() < warmEnd);
  if (req["useCudaGraph"].boolean(false)) {
    cudaGraph_t g = nullptr;
    std::string why = c.error("cudaStreamBeginCapture", c.streamBeginCapture(R.compute, cudaStreamCaptureModeThreadLocal));
    if (why.empty()) {
      const bool enqueued = E.context->enqueueV3(R.compute);
      // The capture is ended whatever happened, or the stream stays capturing.
      const std::string ended = c.error("cudaStreamEndCapture", c.streamEndCapture(R.compute, &g));
      if (!enqueued) why = "enqueueV3 failed while capturing: " + E.log.errors();
      else if (!ended.empty()) why = ended;
      else if (!g) why = "the capture made no graph";
      else why = c.error("cudaGraphInstantiate", c.graphInstantiate(&R.exec, g, 0));
      if (g) c.graphDestroy(g);
    }
    if (!why.empty()) {
      R.exec = nullptr;
      warnings.push_back("CUDA graph capture failed (" + why + "): timed without a graph");
    }
  }

  const bool transfers = !req["noDataTransfers"].boolean(false);
  const bool byCount = req["iterations"].isNumber();
  const int iterations = static_cast<int>(req["iterations"].number(0));
  const double durationMs = req["durationS"].number(3) * 1000;
  Json samples = Json::array(), compute = Json::array();
  int launched = 0, collected = 0;
  // Reads the times of the inference in `slot` once its last event is done.
  auto collect = [&](int slot) -> std::string {
    std::string why = c.error("cudaEventSynchronize", c.eventSynchronize(R.ev[slot][3]));
    float total = 0, gpu = 0;
    if (why.empty()) why = c.error("cudaEventElapsedTime", c.eventElapsedTime(&total, R.ev[slot][0], R.ev[slot][3]));
    if (why.empty()) why = c.error("cudaEventElapsedTime", c.eventElapsedTime(&gpu, R.ev[slot][1], R.ev[slot][2]));
    if (!why.empty()) return why;
    samples.push(static_cast<double>(total));
    compute.push(static_cast<double>(gpu));
    collected++;
    return "";
  };
  const auto wallStart = std::chrono::steady_clock::now();
  for (;; launched++) {
    const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wallStart).count();
    if (byCount ? launched >= iterations : elapsed >= durationMs) break;
    if (*cancel) return cancelled();
    const int slot = launched % Resources::kInFlight;
    if (launched >= Resources::kInFlight && !(e = collect(slot)).empty()) return internal(e);
    cudaEvent_t* ev = R.ev[slot];
    e = c.error("cudaEventRecord", c.eventRecord(ev[0], R.h2d));
    if (transfers)
      for (auto& t : E.tensors)
        if (e.empty() && t.input && t.device && t.bytes)
          e = c.error("cudaMemcpyAsync", c.memcpyAsync(t.device, t.host, t.bytes, cudaMemcpyHostToDevice, R.h2d));
    if (e.empty()) e = c.error("cudaEventRecord", c.eventRecord(ev[1], R.h2d));
    if (e.empty()) e = c.error("cudaStreamWaitEvent", c.streamWaitEvent(R.compute, ev[1], 0));
    if (e.empty()) e = enqueue(R.compute);
    if (e.empty()) e = c.error("cudaEventRecord", c.eventRecord(ev[2], R.compute));
    if (e.empty()) e = c.error("cudaStreamWaitEvent", c.streamWaitEvent(R.d2h, ev[2], 0));
    if (transfers)
      for (auto& t : E.tensors)
        if (e.empty() && !t.input && t.device && t.bytes)
          e = c.error("cudaMemcpyAsync", c.memcpyAsync(t.host, t.device, t.bytes, cudaMemcpyDeviceToHost, R.d2h));
    if (e.empty()) e = c.error("cudaEventRecord", c.eventRecord(ev[3], R.d2h));
    if (!e.empty()) return internal(e + " (inference " + std::to_string(launched) + ")");
    if (launched % 16 == 0)
      progressFn(user, "Timing", byCount ? static_cast<double>(launched) / iterations : elapsed / durationMs);
  }
  for (int k = std::max(0, launched - Resources::kInFlight); k < launched; k++)
    if (!(e = collect(k % Resources::kInFlight)).empty()) return internal(e);
  const double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wallStart).count();

  // Per-layer time in a separate run: the profiler adds overhead, as in trtexec --separateProfileRun.
  Json layers = Json::array();
  const int layerRuns = static_cast<int>(req["layerRuns"].number(10));
  if (layerRuns > 0) {
    if (R.exec) {
      c.graphExecDestroy(R.exec);
      R.exec = nullptr;
    }
    LayerProfiler profiler;
    E.context->setProfiler(&profiler);
    for (int i = 0; i < layerRuns && e.empty(); i++) {
      progressFn(user, "Profiling layers", static_cast<double>(i) / layerRuns);
      if (*cancel) break;
      e = enqueue(R.compute);
      if (e.empty()) e = c.error("cudaStreamSynchronize", c.streamSynchronize(R.compute));
    }
    E.context->setProfiler(nullptr);
    if (*cancel) return cancelled();
    if (!e.empty()) return internal(e + " (layer timing)");
    for (auto& kv : profiler.order) layers.push(Json::object().set("name", kv.first).set("ms", kv.second / layerRuns));
  }
  progressFn(user, "Timing", 1.0);
  Json w = Json::array();
  for (auto& s : warnings) w.push(s);
  *out = dup(Json::object()
                 .set("coldStartMs", E.coldStartMs)
                 .set("samplesMs", samples)
                 .set("computeMs", compute)
                 .set("wallMs", wallMs)
                 .set("throughputQps", wallMs > 0 ? collected / (wallMs / 1000) : 0.0)
                 .set("layers", layers)
                 .set("warnings", w)
                 .set("tensorrt", versionString())
                 .set("device", device(0))
                 .dump());
  return KILN_TRT_OK;
}

}  // namespace kiln_trt
