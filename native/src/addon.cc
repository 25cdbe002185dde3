// Kiln's native addon: the JavaScript face of native/. It probes for TensorRT and CUDA, and loads
// TensorRT plugins (include/kiln_trt_plugin.h) and runs their calls on worker threads.
#include <napi.h>

#include <cstdlib>

#include "probe.h"
#include "trt_binding.h"

namespace {

std::string versionString(int v, int majorScale, int minorScale) {
  return std::to_string(v / majorScale) + "." + std::to_string((v % majorScale) / minorScale) + "." + std::to_string(v % minorScale);
}

// probe({ extraDirs?: string[] }) -> plain object. Runs synchronously: it is only called in the
// engine-host process, never on the UI's thread, and takes milliseconds.
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> extra;
  if (info.Length() > 0 && info[0].IsObject()) {
    Napi::Value dirs = info[0].As<Napi::Object>().Get("extraDirs");
    if (dirs.IsArray()) {
      Napi::Array arr = dirs.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value v = arr.Get(i);
        if (!v.IsString()) throw Napi::TypeError::New(env, "probe: extraDirs must be strings");
        extra.push_back(v.As<Napi::String>().Utf8Value());
      }
    }
  }
  const kiln::ProbeResult r = kiln::probe(extra);
  Napi::Object out = Napi::Object::New(env);
  out.Set("trtFound", r.trtFound);
  out.Set("trtVersion", r.trtFound ? Napi::Value(Napi::String::New(env, versionString(r.trtVersion, 10000, 100))) : env.Null());
  out.Set("trtLibrary", r.trtLibrary.empty() ? env.Null() : Napi::Value(Napi::String::New(env, r.trtLibrary)));
  out.Set("parserLibrary", r.parserLibrary.empty() ? env.Null() : Napi::Value(Napi::String::New(env, r.parserLibrary)));
  out.Set("cudaRuntimeFound", r.cudaRuntimeFound);
  // CUDA encodes versions as major*1000 + minor*10.
  out.Set("cudaRuntimeVersion", r.cudaRuntimeVersion ? Napi::Value(Napi::String::New(env, std::to_string(r.cudaRuntimeVersion / 1000) + "." + std::to_string((r.cudaRuntimeVersion % 1000) / 10))) : env.Null());
  out.Set("cudaDriverVersion", r.cudaDriverVersion ? Napi::Value(Napi::String::New(env, std::to_string(r.cudaDriverVersion / 1000) + "." + std::to_string((r.cudaDriverVersion % 1000) / 10))) : env.Null());
  out.Set("cudaRuntimeLibrary", r.cudaRuntimeLibrary.empty() ? env.Null() : Napi::Value(Napi::String::New(env, r.cudaRuntimeLibrary)));
  out.Set("driverLibrary", r.driverLibrary.empty() ? env.Null() : Napi::Value(Napi::String::New(env, r.driverLibrary)));
  out.Set("driverError", r.driverError.empty() ? env.Null() : Napi::Value(Napi::String::New(env, r.driverError)));
  Napi::Array devices = Napi::Array::New(env, r.devices.size());
  for (size_t i = 0; i < r.devices.size(); i++) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("name", r.devices[i].name);
    d.Set("computeCapability", std::to_string(r.devices[i].ccMajor) + "." + std::to_string(r.devices[i].ccMinor));
    d.Set("memoryBytes", r.devices[i].memoryBytes);
    devices.Set(static_cast<uint32_t>(i), d);
  }
  out.Set("devices", devices);
  Napi::Array searched = Napi::Array::New(env, r.searched.size());
  for (size_t i = 0; i < r.searched.size(); i++) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("library", r.searched[i].library);
    a.Set("path", r.searched[i].where);
    a.Set("result", r.searched[i].result);
    searched.Set(static_cast<uint32_t>(i), a);
  }
  out.Set("searched", searched);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  kiln::InitTrtBinding(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(kiln_native, Init)
