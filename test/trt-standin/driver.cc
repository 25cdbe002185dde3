// Drives a Kiln TensorRT plugin the way Kiln's binding does (native/src/trt_binding.cc): loads it
// with dlopen, calls its methods with JSON requests, relays progress, sets the cancel flag. Built
// with AddressSanitizer beside the plugin and the stand-in.
// Usage: driver <plugin.so> <standin lib> <script.json>; the script is
//   {"set": {control: value}, "parallel": bool, "steps": [{"method", "request", "cancelOn"?: stage}],
//    "stats": [counter names]}
// and the driver prints one JSON object: {"steps": [{"status", "reply", "stages"}], "stats": {...}}.
#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "json.h"
#include "kiln_trt_plugin.h"

using kiln::Json;

namespace {

struct Step {
  Json spec;
  volatile int cancel = 0;
  std::mutex mutex;
  Json stages = Json::array();
  int status = -1;
  Json reply;
};

void progress(void* user, const char* stage, double) {
  auto* s = static_cast<Step*>(user);
  std::lock_guard<std::mutex> lock(s->mutex);
  const std::string st = stage;
  const auto& seen = s->stages.items();
  if (seen.empty() || seen.back().string() != st) s->stages.push(st);
  if (s->spec["cancelOn"].string() == st) s->cancel = 1;
}

void runStep(const kiln_trt_plugin* p, Step& s) {
  const std::string method = s.spec["method"].string();
  const std::string request = s.spec["request"].dump();
  char* out = nullptr;
  if (method == "probe") s.status = p->probe(&out);
  else if (method == "build") s.status = p->build(request.c_str(), progress, &s, &s.cancel, &out);
  else if (method == "profile") s.status = p->profile(request.c_str(), progress, &s, &s.cancel, &out);
  else if (method == "run") s.status = p->run(request.c_str(), progress, &s, &s.cancel, &out);
  try {
    s.reply = out ? Json::parse(out) : Json();
  } catch (const std::exception& e) {
    s.reply = Json::object().set("notJson", out ? out : "");
  }
  if (out) p->free_string(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: driver <plugin.so> <standin lib> <script.json>\n");
    return 2;
  }
  std::ifstream f(argv[3]);
  std::stringstream ss;
  ss << f.rdbuf();
  const Json script = Json::parse(ss.str());
  void* standin = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
  if (!standin) {
    std::fprintf(stderr, "cannot load the stand-in %s: %s\n", argv[2], dlerror());
    return 2;
  }
  auto set = reinterpret_cast<void (*)(const char*, const char*)>(dlsym(standin, "kiln_standin_set"));
  auto stat = reinterpret_cast<long (*)(const char*)>(dlsym(standin, "kiln_standin_stat"));
  for (const auto& kv : script["set"].members()) set(kv.first.c_str(), kv.second.string().c_str());
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    std::fprintf(stderr, "cannot load the plugin %s: %s\n", argv[1], dlerror());
    return 2;
  }
  auto entry = reinterpret_cast<const kiln_trt_plugin* (*)()>(dlsym(lib, "kiln_trt_plugin_entry"));
  const kiln_trt_plugin* p = entry();
  std::vector<std::unique_ptr<Step>> steps;
  for (const auto& s : script["steps"].items()) {
    steps.push_back(std::make_unique<Step>());
    steps.back()->spec = s;
  }
  if (script["parallel"].boolean()) {
    std::vector<std::thread> threads;
    for (auto& s : steps) threads.emplace_back(runStep, p, std::ref(*s));
    for (auto& t : threads) t.join();
  } else {
    for (auto& s : steps) runStep(p, *s);
  }
  Json out = Json::object();
  Json results = Json::array();
  for (auto& s : steps)
    results.push(Json::object().set("status", static_cast<double>(s->status)).set("reply", s->reply).set("stages", s->stages));
  out.set("steps", results);
  Json stats = Json::object();
  for (const auto& name : script["stats"].items()) stats.set(name.string(), static_cast<double>(stat(name.string().c_str())));
  out.set("stats", stats);
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  return 0;
}
