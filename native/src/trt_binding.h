// The JavaScript face of the TensorRT plugin seam (include/kiln_trt_plugin.h).
#pragma once
#include <napi.h>

namespace kiln {
void InitTrtBinding(Napi::Env env, Napi::Object exports);
}
