// Kiln's real TensorRT plugin (include/kiln_trt_plugin.h), one source for TensorRT 10 and 11:
// compiled once per major against that major's headers (NV_TENSORRT_MAJOR tells them apart). This
// file is the entry point and the probe; the calls are build.cc, profile.cc and run.cc, the
// libraries libs.cc, the one logger logger.cc. test/trt-standin runs all of it, under
// AddressSanitizer, against a TensorRT stand-in built from the same headers.
#include "calls.h"
#include "common.h"
#include "libs.h"

using kiln::Json;

namespace kiln_trt {

int probe(char** out) {
  Libs& L = libs();
  if (!L.ok) return fail(out, KILN_TRT_UNAVAILABLE, "UNAVAILABLE", L.why, Json::object().set("available", false).set("reason", L.why));
  int n = 0;
  L.cuda.getDeviceCount(&n);
  Json devices = Json::array();
  for (int i = 0; i < n; i++) devices.push(device(i));
  *out = dup(Json::object().set("available", true).set("version", versionString()).set("devices", devices).dump());
  return KILN_TRT_OK;
}

int start(const char* request, Json& req, char** out) {
  Libs& L = libs();
  if (!L.ok) return fail(out, KILN_TRT_UNAVAILABLE, "UNAVAILABLE", L.why);
  try {
    req = Json::parse(request);
  } catch (const std::exception& e) {
    return fail(out, KILN_TRT_ERROR, "INVALID_ARGUMENT", std::string("bad request: ") + e.what());
  }
  return 0;
}

namespace {
void freeString(char* s) { std::free(s); }
#define KILN_STR2(x) #x
#define KILN_STR(x) KILN_STR2(x)
const kiln_trt_plugin kPlugin = {KILN_TRT_ABI_VERSION, "tensorrt-" KILN_STR(NV_TENSORRT_MAJOR), NV_TENSORRT_MAJOR,
                                 probe, build, profile, run, freeString};
}  // namespace

}  // namespace kiln_trt

extern "C" KILN_TRT_EXPORT const kiln_trt_plugin* kiln_trt_plugin_entry(void) { return &kiln_trt::kPlugin; }
