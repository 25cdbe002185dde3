// The stand-in's process-wide state (state.h): violations, controls, the one logger, ownership
// order, counters and the device-allocation table. Exported control calls (kiln_standin_*) let a
// test set a control or read a counter without going through the environment.
#include "state.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include "unmodelled.h"

namespace kiln_standin {
namespace {

std::mutex gMutex;
std::map<std::string, std::string> gControls;
std::vector<std::string> gViolations;
std::map<std::string, long> gCounters;
nvinfer1::ILogger* gLogger = nullptr;
std::map<const void*, std::pair<const void*, std::string>> gParents;  // child -> parent, what

struct AtExit {
  ~AtExit() {
    std::lock_guard<std::mutex> lock(gMutex);
    for (auto& kv : gParents)
      std::fprintf(stderr, "STANDIN VIOLATION: %s was never destroyed\n", kv.second.second.c_str());
    if (!gViolations.empty() || !gParents.empty()) {
      std::fprintf(stderr, "STANDIN: %zu violation(s)\n", gViolations.size() + gParents.size());
      std::fflush(stderr);
      _Exit(3);
    }
  }
} gAtExit;

}  // namespace

void unmodelled(const char* method) noexcept {
  std::fprintf(stderr, "STANDIN VIOLATION: the plugin called %s, which the stand-in does not model\n", method);
  std::fflush(stderr);
  std::abort();
}

void violation(const std::string& what) {
  std::lock_guard<std::mutex> lock(gMutex);
  gViolations.push_back(what);
  std::fprintf(stderr, "STANDIN VIOLATION: %s\n", what.c_str());
  std::fflush(stderr);
}

std::string control(const std::string& key, const std::string& fallback) {
  {
    std::lock_guard<std::mutex> lock(gMutex);
    auto it = gControls.find(key);
    if (it != gControls.end()) return it->second;
  }
  std::string env = "KILN_STANDIN_";
  for (char c : key) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const char* v = std::getenv(env.c_str());
  return v ? v : fallback;
}

long controlNumber(const std::string& key, long fallback) {
  const std::string v = control(key);
  return v.empty() ? fallback : std::strtol(v.c_str(), nullptr, 10);
}

bool nullOnDemand(const std::string& call) {
  std::stringstream ss(control("null"));
  std::string item;
  while (std::getline(ss, item, ','))
    if (item == call) {
      count("null:" + call);
      return true;
    }
  return false;
}

int32_t libVersion() { return static_cast<int32_t>(controlNumber("version", NV_TENSORRT_VERSION)); }
int parserVersion() { return static_cast<int>(controlNumber("parser_version", libVersion())); }

void adoptLogger(nvinfer1::ILogger* logger, const char* by) {
  std::unique_lock<std::mutex> lock(gMutex);
  if (!gLogger) {
    gLogger = logger;
    return;
  }
  if (logger != gLogger) {
    lock.unlock();
    violation(std::string(by) +
              " was given a second ILogger: TensorRT keeps the first one for the whole process "
              "(NVIDIA/TensorRT#1475), so the first must outlive every TensorRT object");
  }
  lock.unlock();
  log(nvinfer1::ILogger::Severity::kVERBOSE, std::string(by) + " created");
}

void log(nvinfer1::ILogger::Severity severity, const std::string& message) {
  nvinfer1::ILogger* logger;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    logger = gLogger;
  }
  if (logger) logger->log(severity, message.c_str());  // the first logger, as TensorRT does
}

void born(const void* child, const void* parent, const char* what) {
  std::lock_guard<std::mutex> lock(gMutex);
  gParents[child] = {parent, what};
}

void died(const void* self, const char* what) {
  std::vector<std::string> alive;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    for (auto& kv : gParents)
      if (kv.second.first == self) alive.push_back(kv.second.second);
    gParents.erase(self);
  }
  for (auto& a : alive) violation(std::string(what) + " was destroyed while its " + a + " lives (destroy in reverse order)");
}

void count(const std::string& name, long by) {
  std::lock_guard<std::mutex> lock(gMutex);
  gCounters[name] += by;
}

namespace {
std::mutex gMemory;
std::map<uintptr_t, Allocation> gDevice;
}  // namespace
std::mutex& memoryMutex() { return gMemory; }
std::set<const void*>& pinned() {
  static std::set<const void*> p;
  return p;
}

Allocation* deviceAllocation(const void* p, size_t* offset) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  auto it = gDevice.upper_bound(a);
  if (it == gDevice.begin()) return nullptr;
  --it;
  if (a >= it->first + std::max<size_t>(it->second.size, 1)) return nullptr;
  if (offset) *offset = a - it->first;
  return &it->second;
}

void markWritten(const void* p, size_t bytes) {
  size_t off = 0;
  if (Allocation* a = deviceAllocation(p, &off))
    for (size_t i = off; i < off + bytes && i < a->size; i++) a->written[i] = 1;
}

bool isPinned(const void* p) { return pinned().count(p) > 0; }

std::map<uintptr_t, Allocation>& deviceTable() { return gDevice; }

}  // namespace kiln_standin

extern "C" {
__attribute__((visibility("default"))) void kiln_standin_set(const char* key, const char* value) {
  std::lock_guard<std::mutex> lock(kiln_standin::gMutex);
  kiln_standin::gControls[key] = value ? value : "";
}
__attribute__((visibility("default"))) long kiln_standin_stat(const char* name) {
  std::lock_guard<std::mutex> lock(kiln_standin::gMutex);
  auto it = kiln_standin::gCounters.find(name);
  return it == kiln_standin::gCounters.end() ? 0 : it->second;
}
__attribute__((visibility("default"))) int kiln_standin_violations() {
  std::lock_guard<std::mutex> lock(kiln_standin::gMutex);
  return static_cast<int>(kiln_standin::gViolations.size());
}
}
