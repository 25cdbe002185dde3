// run: one inference on given inputs (for accuracy comparison). Each input must be given, with
// the engine's dtype and the bytes its dims need; outputs whose shape depends on data are written
// with the shape TensorRT reported.
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

int run(const char* request, kiln_trt_progress_fn progressFn, void* user, volatile int* cancel, char** out) {
  Json req;
  if (const int code = start(request, req, out)) return code;
  Cuda& c = libs().cuda;
  Engine E;
  LoadError err = E.open(req["engine"].string(), req["allowHostCode"].boolean(false));
  if (err) return fail(out, KILN_TRT_ERROR, err.code, err.message);
  Json shapes = Json::object();
  std::map<std::string, std::vector<char>> data;
  for (int32_t i = 0; i < E.engine->getNbIOTensors(); i++) {
    const char* name = E.engine->getIOTensorName(i);
    if (E.engine->getTensorIOMode(name) != TensorIOMode::kINPUT) continue;
    const Json& in = req["inputs"][name];
    if (!in.isObject()) return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", std::string("the request gives no input ") + name);
    const std::string want = dtypeName(E.engine->getTensorDataType(name));
    if (in["dtype"].isString() && in["dtype"].string() != want)
      return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT",
                  std::string("input ") + name + " is " + want + " in the engine; the request gives " + in["dtype"].string());
    const std::string file = in["file"].string();
    if (!readFile(file, data[name]))
      return fail(out, KILN_TRT_ERROR, "FILE_NOT_FOUND", std::string("cannot read input ") + name + " from " + file);
    shapes.set(name, in["dims"]);
  }
  if ((err = E.bind(shapes, data))) return fail(out, KILN_TRT_ERROR, err.code, err.message);
  if (*cancel) return fail(out, KILN_TRT_CANCELLED, "CANCELLED", "run cancelled");
  progressFn(user, "Running", -1);
  cudaStream_t stream = nullptr;
  std::string e = c.error("cudaStreamCreate", c.streamCreate(&stream));
  if (!e.empty()) return fail(out, KILN_TRT_ERROR, "INTERNAL", e);
  struct StreamGuard {
    Cuda& c;
    cudaStream_t s;
    ~StreamGuard() {
      c.streamSynchronize(s);
      c.streamDestroy(s);
    }
  } guard{c, stream};
  if ((err = E.upload(stream))) return fail(out, KILN_TRT_ERROR, err.code, err.message);
  if (!E.context->enqueueV3(stream)) return fail(out, KILN_TRT_ERROR, "INTERNAL", "enqueueV3 failed: " + E.log.errors());
  if (!(e = c.error("cudaStreamSynchronize", c.streamSynchronize(stream))).empty())
    return fail(out, KILN_TRT_ERROR, "INTERNAL", e);
  for (auto& t : E.tensors) {
    if (t.input) continue;
    if (t.allocator) {  // its size is known only now
      if (t.allocator->failed) return fail(out, KILN_TRT_ERROR, "INTERNAL", "cudaMalloc failed for output " + t.name);
      t.dims = t.allocator->dims;
      t.bytes = E.outputBytes(t);
      t.hostBytes = std::max<size_t>(t.bytes, 1);
      if (c.mallocHost(reinterpret_cast<void**>(&t.host), t.hostBytes) != cudaSuccess)
        return fail(out, KILN_TRT_ERROR, "INTERNAL", "cudaMallocHost failed for output " + t.name);
    }
    void* src = t.allocator ? t.allocator->memory : t.device;
    if (t.bytes && !(e = c.error("cudaMemcpyAsync", c.memcpyAsync(t.host, src, t.bytes, cudaMemcpyDeviceToHost, stream))).empty())
      return fail(out, KILN_TRT_ERROR, "INTERNAL", e);
  }
  if (!(e = c.error("cudaStreamSynchronize", c.streamSynchronize(stream))).empty())
    return fail(out, KILN_TRT_ERROR, "INTERNAL", e);
  Json outputs = Json::object();
  const std::string dir = req["outputDir"].string();
  int k = 0;
  for (auto& t : E.tensors) {
    if (t.input) continue;
    const std::string file = dir + "/output" + std::to_string(k++) + ".bin";
    if (!writeAtomically(file, t.host, t.bytes))
      return fail(out, KILN_TRT_ERROR, "FILE_UNREADABLE", "cannot write " + file);
    outputs.set(t.name, Json::object().set("dims", fromDims(t.dims)).set("dtype", dtypeName(t.type)).set("file", file));
  }
  *out = dup(Json::object().set("outputs", outputs).dump());
  return KILN_TRT_OK;
}

}  // namespace kiln_trt
