// Loads TensorRT plugins (include/kiln_trt_plugin.h) and runs their calls on worker threads:
//   loadTrtPlugin(path) -> { name, trtMajor, abiVersion }
//   trtCall(path, method, requestJson, onProgress(stage, fraction)) -> { promise, cancel() }
// The promise resolves to { status, json }: the plugin's status code and its JSON reply. Progress
// events reach JavaScript in the order the plugin sent them; cancel() sets the flag the plugin polls.
#include "trt_binding.h"

#include <dlfcn.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kiln_trt_plugin.h"

namespace kiln {
namespace {

std::mutex gMutex;
std::map<std::string, const kiln_trt_plugin*> gPlugins;  // loaded once, kept for the process's life

const kiln_trt_plugin* findLoaded(const std::string& path) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = gPlugins.find(path);
  return it == gPlugins.end() ? nullptr : it->second;
}

Napi::Value LoadTrtPlugin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "loadTrtPlugin(path): path must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const kiln_trt_plugin* plugin = findLoaded(path);
  if (!plugin) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw Napi::Error::New(env, std::string("cannot load TensorRT plugin ") + path + ": " + dlerror());
    using Entry = const kiln_trt_plugin* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "kiln_trt_plugin_entry"));
    if (!entry) {
      dlclose(handle);
      throw Napi::Error::New(env, path + " is not a Kiln TensorRT plugin (no kiln_trt_plugin_entry)");
    }
    plugin = entry();
    if (!plugin || plugin->abi_version != KILN_TRT_ABI_VERSION) {
      const int got = plugin ? plugin->abi_version : -1;
      dlclose(handle);
      throw Napi::Error::New(env, path + " speaks plugin ABI " + std::to_string(got) + ", Kiln speaks " +
                                      std::to_string(KILN_TRT_ABI_VERSION));
    }
    std::lock_guard<std::mutex> lock(gMutex);
    gPlugins[path] = plugin;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", plugin->name);
  out.Set("trtMajor", plugin->trt_major);
  out.Set("abiVersion", plugin->abi_version);
  return out;
}

struct ProgressEvent {
  std::string stage;
  double fraction;
};

struct CancelFlag {
  volatile int value = 0;
};

class PluginCall : public Napi::AsyncProgressQueueWorker<ProgressEvent> {
 public:
  PluginCall(Napi::Env env, const kiln_trt_plugin* plugin, std::string method, std::string request,
             Napi::Function onProgress, std::shared_ptr<CancelFlag> cancel)
      : Napi::AsyncProgressQueueWorker<ProgressEvent>(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        plugin_(plugin),
        method_(std::move(method)),
        request_(std::move(request)),
        cancel_(std::move(cancel)) {
    if (!onProgress.IsEmpty()) onProgress_ = Napi::Persistent(onProgress);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    progress_ = &progress;
    char* out = nullptr;
    if (method_ == "probe") status_ = plugin_->probe(&out);
    else if (method_ == "build") status_ = plugin_->build(request_.c_str(), &PluginCall::Report, this, &cancel_->value, &out);
    else if (method_ == "profile") status_ = plugin_->profile(request_.c_str(), &PluginCall::Report, this, &cancel_->value, &out);
    else if (method_ == "run") status_ = plugin_->run(request_.c_str(), &PluginCall::Report, this, &cancel_->value, &out);
    else {
      SetError("unknown plugin method " + method_);
      return;
    }
    if (out) {
      reply_ = out;
      plugin_->free_string(out);
    }
    progress_ = nullptr;
  }

  void OnProgress(const ProgressEvent* events, size_t count) override {
    if (onProgress_.IsEmpty()) return;
    Napi::Env env = Env();
    for (size_t i = 0; i < count; i++)
      onProgress_.Call({Napi::String::New(env, events[i].stage), Napi::Number::New(env, events[i].fraction)});
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("status", status_);
    result.Set("json", reply_);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  static void Report(void* user, const char* stage, double fraction) {
    auto* self = static_cast<PluginCall*>(user);
    if (!self->progress_) return;
    ProgressEvent e{stage ? stage : "", fraction};
    self->progress_->Send(&e, 1);
  }

  Napi::Promise::Deferred deferred_;
  const kiln_trt_plugin* plugin_;
  std::string method_;
  std::string request_;
  std::shared_ptr<CancelFlag> cancel_;
  Napi::FunctionReference onProgress_;
  const ExecutionProgress* progress_ = nullptr;
  int status_ = KILN_TRT_ERROR;
  std::string reply_;
};

Napi::Value TrtCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString())
    throw Napi::TypeError::New(env, "trtCall(path, method, requestJson, onProgress?)");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const kiln_trt_plugin* plugin = findLoaded(path);
  if (!plugin) throw Napi::Error::New(env, "TensorRT plugin " + path + " is not loaded");
  Napi::Function onProgress;
  if (info.Length() > 3 && info[3].IsFunction()) onProgress = info[3].As<Napi::Function>();
  auto cancel = std::make_shared<CancelFlag>();
  auto* call = new PluginCall(env, plugin, info[1].As<Napi::String>().Utf8Value(), info[2].As<Napi::String>().Utf8Value(),
                              onProgress, cancel);
  Napi::Object out = Napi::Object::New(env);
  out.Set("promise", call->Promise());
  out.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->value = 1; }));
  call->Queue();
  return out;
}

}  // namespace

void InitTrtBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("loadTrtPlugin", Napi::Function::New(env, LoadTrtPlugin));
  exports.Set("trtCall", Napi::Function::New(env, TrtCall));
}

}  // namespace kiln
