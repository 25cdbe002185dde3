// The stand-in's CUDA runtime, the calls Kiln's plugin makes: memory (device memory is host memory
// that ASan watches, in a table so device and host pointers are told apart), pinned host memory,
// streams with a simulated clock, events that read it, and graph capture. Copies mark device bytes
// written, so a kernel reading memory nobody wrote is found. Versions and the device count are in
// cudart_version.cc, one build per soname (libcudart.so.12, .so.13).
#include "cudart.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "state.h"

namespace kiln_standin {
namespace {

struct Stream {
  double clock = 0;
  bool capturing = false;
  std::vector<std::pair<double, std::function<void()>>> captured;
};
struct Event {
  double t = 0;
  bool recorded = false;
};
struct Graph {
  std::vector<std::pair<double, std::function<void()>>> ops;
};

std::mutex gMutex;
Stream gDefault;

Stream* streamOf(cudaStream_t s) { return s ? reinterpret_cast<Stream*>(s) : &gDefault; }

}  // namespace

void onStream(cudaStream_t s, double ms, std::function<void()> work) {
  std::unique_lock<std::mutex> lock(gMutex);
  Stream* st = streamOf(s);
  if (st->capturing) {
    st->captured.emplace_back(ms, std::move(work));
    return;
  }
  st->clock += ms;
  lock.unlock();
  work();
}

bool capturing(cudaStream_t s) {
  std::lock_guard<std::mutex> lock(gMutex);
  return streamOf(s)->capturing;
}

}  // namespace kiln_standin

using namespace kiln_standin;
#define EXPORT extern "C" __attribute__((visibility("default")))

EXPORT cudaError_t cudaMalloc(void** p, size_t size) {
  if (nullOnDemand("cudaMalloc")) return cudaErrorMemoryAllocation;
  void* m = std::malloc(std::max<size_t>(size, 1));
  std::lock_guard<std::mutex> lock(memoryMutex());
  deviceTable()[reinterpret_cast<uintptr_t>(m)] = Allocation{size, std::vector<uint8_t>(size, 0)};
  *p = m;
  count("cudaMalloc");
  return cudaSuccess;
}
EXPORT cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  std::lock_guard<std::mutex> lock(memoryMutex());
  if (!deviceTable().erase(reinterpret_cast<uintptr_t>(p))) {
    violation("cudaFree of a pointer cudaMalloc did not return");
    return cudaErrorInvalidValue;
  }
  std::free(p);
  return cudaSuccess;
}
EXPORT cudaError_t cudaMallocHost(void** p, size_t size) {
  *p = std::malloc(std::max<size_t>(size, 1));
  std::lock_guard<std::mutex> lock(memoryMutex());
  pinned().insert(*p);
  return cudaSuccess;
}
EXPORT cudaError_t cudaHostAlloc(void** p, size_t size, unsigned int) { return cudaMallocHost(p, size); }
EXPORT cudaError_t cudaFreeHost(void* p) {
  std::lock_guard<std::mutex> lock(memoryMutex());
  if (!pinned().erase(p)) {
    violation("cudaFreeHost of a pointer cudaMallocHost did not return");
    return cudaErrorInvalidValue;
  }
  std::free(p);
  return cudaSuccess;
}
EXPORT cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t n, cudaMemcpyKind kind, cudaStream_t s) {
  {
    std::lock_guard<std::mutex> lock(memoryMutex());
    size_t off = 0;
    const bool toDevice = kind == cudaMemcpyHostToDevice;
    const void* dev = toDevice ? dst : src;
    const void* host = toDevice ? src : dst;
    Allocation* a = deviceAllocation(dev, &off);
    if (!a || off + n > a->size) {
      violation(std::string("cudaMemcpyAsync: ") + std::to_string(n) + " bytes " + (toDevice ? "to" : "from") +
                " a device pointer that does not hold them");
      return cudaErrorInvalidValue;
    }
    if (deviceAllocation(host, nullptr)) {
      violation("cudaMemcpyAsync: the host side is a device pointer");
      return cudaErrorInvalidValue;
    }
    if (!isPinned(host)) count("copies.pageable");
    count("copies");
  }
  onStream(s, static_cast<double>(n) / 1e7, [=]() {
    std::memcpy(dst, src, n);  // ASan sees host buffers that are too small
    if (kind == cudaMemcpyHostToDevice) {
      std::lock_guard<std::mutex> lock(memoryMutex());
      markWritten(dst, n);
    }
  });
  return cudaSuccess;
}
EXPORT cudaError_t cudaMemsetAsync(void* dst, int value, size_t n, cudaStream_t s) {
  onStream(s, 0, [=]() {
    std::memset(dst, value, n);
    std::lock_guard<std::mutex> lock(memoryMutex());
    markWritten(dst, n);
  });
  return cudaSuccess;
}
EXPORT cudaError_t cudaStreamCreate(cudaStream_t* s) {
  *s = reinterpret_cast<cudaStream_t>(new Stream());
  count("streams");
  return cudaSuccess;
}
EXPORT cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int) { return cudaStreamCreate(s); }
EXPORT cudaError_t cudaStreamDestroy(cudaStream_t s) {
  if (streamOf(s)->capturing) violation("cudaStreamDestroy of a stream still capturing a graph");
  delete reinterpret_cast<Stream*>(s);
  return cudaSuccess;
}
EXPORT cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  count("syncs");
  return capturing(s) ? cudaErrorStreamCaptureUnsupported : cudaSuccess;
}
EXPORT cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = reinterpret_cast<cudaEvent_t>(new Event());
  return cudaSuccess;
}
EXPORT cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned int) { return cudaEventCreate(e); }
EXPORT cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete reinterpret_cast<Event*>(e);
  return cudaSuccess;
}
EXPORT cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  std::lock_guard<std::mutex> lock(gMutex);
  Stream* st = streamOf(s);
  if (st->capturing) return cudaErrorStreamCaptureUnsupported;
  auto* ev = reinterpret_cast<Event*>(e);
  ev->t = st->clock;
  ev->recorded = true;
  return cudaSuccess;
}
EXPORT cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  count("syncs");
  return reinterpret_cast<Event*>(e)->recorded ? cudaSuccess : cudaErrorInvalidResourceHandle;
}
EXPORT cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned int) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto* ev = reinterpret_cast<Event*>(e);
  Stream* st = streamOf(s);
  if (ev->recorded && ev->t > st->clock) st->clock = ev->t;  // work after this waits for the event
  return cudaSuccess;
}
EXPORT cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  auto* x = reinterpret_cast<Event*>(a);
  auto* y = reinterpret_cast<Event*>(b);
  if (nullOnDemand("cudaEventElapsedTime") || !x->recorded || !y->recorded) return cudaErrorInvalidResourceHandle;
  *ms = static_cast<float>(y->t - x->t);
  return cudaSuccess;
}
EXPORT cudaError_t cudaStreamBeginCapture(cudaStream_t s, cudaStreamCaptureMode) {
  std::lock_guard<std::mutex> lock(gMutex);
  Stream* st = streamOf(s);
  if (st->capturing) return cudaErrorIllegalState;
  st->capturing = true;
  st->captured.clear();
  return cudaSuccess;
}
EXPORT cudaError_t cudaStreamEndCapture(cudaStream_t s, cudaGraph_t* g) {
  std::lock_guard<std::mutex> lock(gMutex);
  Stream* st = streamOf(s);
  if (!st->capturing) return cudaErrorIllegalState;
  st->capturing = false;
  auto* graph = new Graph();
  graph->ops = std::move(st->captured);
  *g = reinterpret_cast<cudaGraph_t>(graph);
  return cudaSuccess;
}
EXPORT cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t g, unsigned long long) {
  auto* copy = new Graph(*reinterpret_cast<Graph*>(g));
  *exec = reinterpret_cast<cudaGraphExec_t>(copy);
  return cudaSuccess;
}
EXPORT cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t s) {
  for (auto& op : reinterpret_cast<Graph*>(exec)->ops) onStream(s, op.first, op.second);
  count("graphLaunches");
  return cudaSuccess;
}
EXPORT cudaError_t cudaGraphDestroy(cudaGraph_t g) {
  delete reinterpret_cast<Graph*>(g);
  return cudaSuccess;
}
EXPORT cudaError_t cudaGraphExecDestroy(cudaGraphExec_t g) {
  delete reinterpret_cast<Graph*>(g);
  return cudaSuccess;
}
EXPORT cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr attr, int) {
  *v = attr == cudaDevAttrComputeCapabilityMajor ? 8 : attr == cudaDevAttrComputeCapabilityMinor ? 9 : 0;
  return cudaSuccess;
}
EXPORT cudaError_t cudaGetDeviceProperties_v2(cudaDeviceProp* prop, int) {
  std::memset(prop, 0, sizeof(cudaDeviceProp));
  std::strncpy(prop->name, "Kiln Stand-in GPU", sizeof(prop->name) - 1);
  prop->totalGlobalMem = 8ull << 30;
  prop->major = 8;
  prop->minor = 9;
  return cudaSuccess;
}
EXPORT cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  *free = 6ull << 30;
  *total = 8ull << 30;
  return cudaSuccess;
}
EXPORT const char* cudaGetErrorString(cudaError_t e) {
  return e == cudaSuccess ? "no error" : e == cudaErrorInsufficientDriver ? "CUDA driver version is insufficient for CUDA runtime version" : "stand-in CUDA error";
}
