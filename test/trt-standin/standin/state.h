// What the stand-in remembers across TensorRT objects and CUDA calls in one process: the first
// logger (TensorRT keeps one per process), the precondition violations found so far, the test's
// controls (nulls on demand, library and driver versions, injected failures), device allocations,
// and counters the tests read back. Everything here is test code; none of it ships.
#pragma once
#include <NvInfer.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <mutex>
#include <string>
#include <vector>

namespace kiln_standin {

/** A documented precondition the caller broke: recorded, printed, and the process exits 3 at the end. */
void violation(const std::string& what);

/** A control: the environment (KILN_STANDIN_<KEY>) or kiln_standin_set(key, value), set wins. */
std::string control(const std::string& key, const std::string& fallback = "");
long controlNumber(const std::string& key, long fallback);
/** True where the test asked `call` to return null (KILN_STANDIN_NULL=a,b or set("null", ...)). */
bool nullOnDemand(const std::string& call);

/** The library version the stand-in claims (NV_TENSORRT_VERSION unless the test says otherwise). */
int32_t libVersion();
int parserVersion();

/** The process's logger: the first one TensorRT was given. A different one later is a violation. */
void adoptLogger(nvinfer1::ILogger* logger, const char* by);
void log(nvinfer1::ILogger::Severity severity, const std::string& message);

/** Ownership order: `child` must be destroyed before `parent`. */
void born(const void* child, const void* parent, const char* what);
void died(const void* self, const char* what);

/** Counters the tests read through kiln_standin_stat(name). */
void count(const std::string& name, long by = 1);

/** Device memory: real host memory ASan watches, tracked so the stand-in can tell device from host. */
struct Allocation {
  size_t size;
  std::vector<uint8_t> written;  // 1 per byte written since cudaMalloc (uninitialised reads are found)
};
std::mutex& memoryMutex();
/** The allocation holding [p, p + bytes), or null (with `base` its start) where there is none. */
Allocation* deviceAllocation(const void* p, size_t* offset);
void markWritten(const void* p, size_t bytes);
bool isPinned(const void* p);

}  // namespace kiln_standin

namespace kiln_standin {
std::set<const void*>& pinned();
std::map<uintptr_t, Allocation>& deviceTable();
}  // namespace kiln_standin
