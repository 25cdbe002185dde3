#include "probe.h"

#include "search_dirs.h"

#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace kiln {
namespace {

#ifdef _WIN32
using Handle = HMODULE;
Handle openLib(const std::string& path, std::string& error) {
  Handle h = LoadLibraryA(path.c_str());
  if (!h) error = "LoadLibrary failed with error " + std::to_string(GetLastError());
  return h;
}
void* symbol(Handle h, const char* name) { return reinterpret_cast<void*>(GetProcAddress(h, name)); }
void closeLib(Handle h) { FreeLibrary(h); }
const char kSep = '\\';
#else
using Handle = void*;
Handle openLib(const std::string& path, std::string& error) {
  Handle h = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    error = e ? e : "dlopen failed";
  }
  return h;
}
void* symbol(Handle h, const char* name) { return dlsym(h, name); }
void closeLib(Handle h) { dlclose(h); }
const char kSep = '/';
#endif

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The folders to search: Kiln's own setting, then the same list the real plugin searches
// (common/search_dirs.h), so what the probe reports found is what the plugin loads.
std::vector<std::string> searchDirs(const std::vector<std::string>& extra) { return librarySearchDirs(extra); }

// Tries `name` in each folder, then through the loader's own search; returns the first handle that
// loads and exports `versionSymbol`. Every attempt is recorded with its outcome.
Handle findLibrary(const std::vector<std::string>& names, const std::vector<std::string>& dirs, const char* versionSymbol,
                   std::vector<Attempt>& log, std::string& foundPath) {
  for (const auto& name : names) {
    std::vector<std::pair<std::string, std::string>> candidates;
    for (const auto& d : dirs) candidates.push_back({d, d + kSep + name});
    candidates.push_back({"loader search path", name});
    for (const auto& [where, path] : candidates) {
      const bool byLoader = where == "loader search path";
      if (!byLoader && !exists(path)) {
        log.push_back({name, where, "not present"});
        continue;
      }
      std::string error;
      Handle h = openLib(path, error);
      if (!h) {
        log.push_back({name, where, byLoader ? "not found by the loader: " + error : "failed to load: " + error});
        continue;
      }
      if (!symbol(h, versionSymbol)) {
        log.push_back({name, where, std::string("loaded, but it does not export ") + versionSymbol});
        closeLib(h);
        continue;
      }
      log.push_back({name, where, "loaded"});
      foundPath = byLoader ? name : path;
      return h;
    }
  }
  return nullptr;
}

// CUDA driver API, declared by hand with plain C types so no CUDA header is needed to build.
using cuInit_t = int (*)(unsigned int);
using cuDeviceGetCount_t = int (*)(int*);
using cuDeviceGet_t = int (*)(int*, int);
using cuDeviceGetName_t = int (*)(char*, int, int);
using cuDeviceGetAttribute_t = int (*)(int*, int, int);
using cuDeviceTotalMem_t = int (*)(size_t*, int);
using cuGetErrorString_t = int (*)(int, const char**);
constexpr int kCcMajor = 75;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
constexpr int kCcMinor = 76;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR

}  // namespace

ProbeResult probe(const std::vector<std::string>& extraDirs) {
  ProbeResult r;
  const auto dirs = searchDirs(extraDirs);

#ifdef _WIN32
  const std::vector<std::string> nvinfer = {"nvinfer_11.dll", "nvinfer_10.dll"};
#else
  const std::vector<std::string> nvinfer = {"libnvinfer.so.11", "libnvinfer.so.10"};
#endif
  std::string path;
  if (Handle h = findLibrary(nvinfer, dirs, "getInferLibVersion", r.searched, path)) {
    using getVersion_t = int32_t (*)();
    r.trtVersion = reinterpret_cast<getVersion_t>(symbol(h, "getInferLibVersion"))();
    r.trtFound = true;
    r.trtLibrary = path;
    // The parser of the same major, preferably beside the library just found.
    const int major = r.trtVersion / 10000;
    std::vector<std::string> parserDirs;
    const auto slash = path.find_last_of(kSep);
    if (slash != std::string::npos) parserDirs.push_back(path.substr(0, slash));
    for (auto& d : dirs) parserDirs.push_back(d);
#ifdef _WIN32
    const std::vector<std::string> parser = {"nvonnxparser_" + std::to_string(major) + ".dll"};
#else
    const std::vector<std::string> parser = {"libnvonnxparser.so." + std::to_string(major)};
#endif
    std::string parserPath;
    if (Handle p = findLibrary(parser, parserDirs, "getNvOnnxParserVersion", r.searched, parserPath)) {
      using getParserVersion_t = int (*)();
      r.parserVersion = reinterpret_cast<getParserVersion_t>(symbol(p, "getNvOnnxParserVersion"))();
      r.parserLibrary = parserPath;
    }
    // Handles stay open: a later build would load them again anyway, and closing TensorRT is not free.
  }

#ifdef _WIN32
  const std::vector<std::string> cudart = {"cudart64_13.dll", "cudart64_12.dll", "cudart64_110.dll"};
  const std::vector<std::string> cuda = {"nvcuda.dll"};
#else
  const std::vector<std::string> cudart = {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"};
  const std::vector<std::string> cuda = {"libcuda.so.1"};
#endif
  if (Handle h = findLibrary(cudart, dirs, "cudaRuntimeGetVersion", r.searched, path)) {
    using version_t = int (*)(int*);
    int v = 0;
    if (reinterpret_cast<version_t>(symbol(h, "cudaRuntimeGetVersion"))(&v) == 0) r.cudaRuntimeVersion = v;
    r.cudaRuntimeFound = true;
    r.cudaRuntimeLibrary = path;
  }

  // The driver: only the loader's search (it is installed with the GPU driver, never with toolkits).
  std::vector<Attempt> driverLog;
  Handle d = findLibrary(cuda, {}, "cuInit", driverLog, path);
  for (auto& a : driverLog) r.searched.push_back(a);
  if (!d) {
    r.driverError = "no GPU driver (libcuda.so.1 not found)";
    return r;
  }
  r.driverLibrary = path;
  auto cuInit = reinterpret_cast<cuInit_t>(symbol(d, "cuInit"));
  auto cuGetErrorString = reinterpret_cast<cuGetErrorString_t>(symbol(d, "cuGetErrorString"));
  int rc = cuInit(0);
  if (rc != 0) {
    const char* msg = nullptr;
    if (cuGetErrorString) cuGetErrorString(rc, &msg);
    r.driverError = std::string("the GPU driver did not start: ") + (msg ? msg : "error " + std::to_string(rc));
    return r;
  }
  if (auto getVersion = reinterpret_cast<int (*)(int*)>(symbol(d, "cuDriverGetVersion"))) getVersion(&r.cudaDriverVersion);
  auto getCount = reinterpret_cast<cuDeviceGetCount_t>(symbol(d, "cuDeviceGetCount"));
  auto getDevice = reinterpret_cast<cuDeviceGet_t>(symbol(d, "cuDeviceGet"));
  auto getName = reinterpret_cast<cuDeviceGetName_t>(symbol(d, "cuDeviceGetName"));
  auto getAttr = reinterpret_cast<cuDeviceGetAttribute_t>(symbol(d, "cuDeviceGetAttribute"));
  auto totalMem = reinterpret_cast<cuDeviceTotalMem_t>(symbol(d, "cuDeviceTotalMem_v2"));
  int count = 0;
  if (getCount && getCount(&count) == 0) {
    for (int i = 0; i < count && getDevice && getName && getAttr; i++) {
      int dev = 0;
      if (getDevice(&dev, i) != 0) continue;
      Device info;
      char name[256] = {0};
      getName(name, sizeof(name) - 1, dev);
      info.name = name;
      getAttr(&info.ccMajor, kCcMajor, dev);
      getAttr(&info.ccMinor, kCcMinor, dev);
      size_t bytes = 0;
      if (totalMem && totalMem(&bytes, dev) == 0) info.memoryBytes = static_cast<double>(bytes);
      r.devices.push_back(info);
    }
  }
  return r;
}

}  // namespace kiln
