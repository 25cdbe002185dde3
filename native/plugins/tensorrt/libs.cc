// Loading TensorRT and CUDA (libs.h). Three things real installs need, learned the hard way:
// - TensorRT dlopens libnvinfer_builder_resource by bare name (no $ORIGIN runpath since 8.4.1,
//   NVIDIA/TensorRT#2218): found beside libnvinfer, it is loaded first by full path, so the bare
//   name resolves to it (the loader matches sonames already loaded) with KILN_TENSORRT_DIR alone.
// - A CUDA runtime newer than the driver loads, then finds no GPU: each libcudart is asked for its
//   devices before it is accepted, so a CUDA 12 driver gets libcudart.so.12, not .13.
// - The library's major must be the headers': a plugin built for 10 never drives an 11 library.
// Folders searched are the probe's (native/common/search_dirs.h).
#include "libs.h"

#include <dirent.h>
#include <dlfcn.h>
#include <link.h>

#include <mutex>
#include <vector>

#include "logger.h"
#include "search_dirs.h"

namespace kiln_trt {
namespace {

struct Found {
  void* handle = nullptr;
  std::string dir;  // the folder it came from ("" when the loader found it)
};

Found openFirst(const std::string& name, const std::vector<std::string>& dirs, std::string& tried) {
  for (const auto& dir : dirs) {
    const std::string path = dir.empty() ? name : dir + "/" + name;
    if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      std::string where = dir;
      if (where.empty()) {
        link_map* map = nullptr;
        if (dlinfo(h, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name) {
          where = map->l_name;
          where = where.substr(0, where.find_last_of('/'));
        }
      }
      return {h, where};
    }
    tried += (tried.empty() ? "" : ", ") + (dir.empty() ? name + " (loader search path)" : path);
  }
  return {};
}

template <typename F>
void bind(void* lib, const char* name, F& out, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  if (!out) missing += (missing.empty() ? "" : ", ") + std::string(name);
}

/** Loads every libnvinfer_builder_resource* in `dir` globally, so TensorRT's bare-name dlopen finds it. */
void preloadBuilderResource(const std::string& dir) {
  if (dir.empty()) return;
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind("libnvinfer_builder_resource", 0) == 0 && name.find(".so") != std::string::npos)
      dlopen((dir + "/" + name).c_str(), RTLD_NOW | RTLD_GLOBAL);
  }
  closedir(d);
}

void bindCuda(void* cudart, Cuda& c, std::string& missing) {
  bind(cudart, "cudaMalloc", c.malloc_, missing);
  bind(cudart, "cudaFree", c.free_, missing);
  bind(cudart, "cudaMallocHost", c.mallocHost, missing);
  bind(cudart, "cudaFreeHost", c.freeHost, missing);
  bind(cudart, "cudaMemcpyAsync", c.memcpyAsync, missing);
  bind(cudart, "cudaStreamCreate", c.streamCreate, missing);
  bind(cudart, "cudaStreamDestroy", c.streamDestroy, missing);
  bind(cudart, "cudaStreamSynchronize", c.streamSynchronize, missing);
  bind(cudart, "cudaStreamWaitEvent", c.streamWaitEvent, missing);
  bind(cudart, "cudaEventCreate", c.eventCreate, missing);
  bind(cudart, "cudaEventRecord", c.eventRecord, missing);
  bind(cudart, "cudaEventSynchronize", c.eventSynchronize, missing);
  bind(cudart, "cudaEventElapsedTime", c.eventElapsedTime, missing);
  bind(cudart, "cudaEventDestroy", c.eventDestroy, missing);
  bind(cudart, "cudaGetDeviceCount", c.getDeviceCount, missing);
  bind(cudart, "cudaDeviceGetAttribute", c.deviceGetAttribute, missing);
  bind(cudart, "cudaGetErrorString", c.getErrorString, missing);
  bind(cudart, "cudaStreamBeginCapture", c.streamBeginCapture, missing);
  bind(cudart, "cudaStreamEndCapture", c.streamEndCapture, missing);
  bind(cudart, "cudaGraphInstantiate", c.graphInstantiate, missing);
  bind(cudart, "cudaGraphLaunch", c.graphLaunch, missing);
  bind(cudart, "cudaGraphDestroy", c.graphDestroy, missing);
  bind(cudart, "cudaGraphExecDestroy", c.graphExecDestroy, missing);
  c.getDeviceProperties = reinterpret_cast<cudaError_t (*)(void*, int)>(dlsym(cudart, "cudaGetDeviceProperties_v2"));
  if (!c.getDeviceProperties)
    c.getDeviceProperties = reinterpret_cast<cudaError_t (*)(void*, int)>(dlsym(cudart, "cudaGetDeviceProperties"));
}

Libs load() {
  Libs L;
  const std::string major = std::to_string(NV_TENSORRT_MAJOR);
  std::vector<std::string> dirs = kiln::librarySearchDirs();
  dirs.push_back("");  // the loader's own search
  std::string tried;
  const Found nvinfer = openFirst("libnvinfer.so." + major, dirs, tried);
  if (!nvinfer.handle) {
    L.why = "TensorRT " + major + " (libnvinfer.so." + major + ") was not found; tried " + tried +
            " (set KILN_TENSORRT_DIR to its lib folder)";
    return L;
  }
  std::vector<std::string> besides = dirs;
  if (!nvinfer.dir.empty()) besides.insert(besides.begin(), nvinfer.dir);
  tried.clear();
  const Found parser = openFirst("libnvonnxparser.so." + major, besides, tried);
  if (!parser.handle) {
    L.why = "the TensorRT ONNX parser (libnvonnxparser.so." + major + ") was not found; tried " + tried;
    return L;
  }
  std::string missing;
  bind(nvinfer.handle, "createInferBuilder_INTERNAL", L.createBuilder, missing);
  bind(nvinfer.handle, "createInferRuntime_INTERNAL", L.createRuntime, missing);
  bind(nvinfer.handle, "getInferLibVersion", L.version, missing);
  bind(parser.handle, "createNvOnnxParser_INTERNAL", L.createParser, missing);
  L.parserVersion = reinterpret_cast<int (*)()>(dlsym(parser.handle, "getNvOnnxParserVersion"));
  if (!missing.empty()) {
    L.why = "the TensorRT libraries lack " + missing;
    return L;
  }
  if (L.version() / 10000 != NV_TENSORRT_MAJOR) {
    L.why = "this plugin is for TensorRT " + major + " but libnvinfer.so." + major + " says " +
            std::to_string(L.version() / 10000);
    return L;
  }
  preloadBuilderResource(nvinfer.dir);
  tried.clear();
  const Found plugins = openFirst("libnvinfer_plugin.so." + major, besides, tried);
  if (plugins.handle) bind(plugins.handle, "initLibNvInferPlugins", L.initPlugins, L.pluginsWhy);
  else L.pluginsWhy = "TensorRT's plugin library (libnvinfer_plugin.so." + major + ") was not found; tried " + tried;

  // The CUDA runtime: the newest whose driver is there.
  std::string refused;
  tried.clear();
  for (const char* name : {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"}) {
    Found cudart = openFirst(name, besides, tried);
    if (!cudart.handle) continue;
    Cuda c;
    std::string lacks;
    bindCuda(cudart.handle, c, lacks);
    if (!lacks.empty()) {
      refused += std::string(refused.empty() ? "" : "; ") + name + " lacks " + lacks;
      continue;
    }
    int devices = 0;
    const cudaError_t e = c.getDeviceCount(&devices);
    if (e != cudaSuccess || devices == 0) {
      refused += std::string(refused.empty() ? "" : "; ") + name + ": " +
                 (e != cudaSuccess ? c.getErrorString(e) : "no CUDA-capable GPU");
      continue;
    }
    L.cuda = c;
    L.ok = true;
    return L;
  }
  L.why = refused.empty() ? "the CUDA runtime (libcudart) was not found; tried " + tried
                          : "no usable CUDA runtime: " + refused;
  return L;
}

}  // namespace

std::string Cuda::error(const char* call, cudaError_t e) const {
  if (e == cudaSuccess) return "";
  return std::string(call) + " failed: " + (getErrorString ? getErrorString(e) : "error " + std::to_string(e));
}

Libs& libs() {
  static Libs L = load();
  return L;
}

void ensurePlugins() {
  static std::once_flag once;
  std::call_once(once, []() {
    Libs& L = libs();
    if (L.ok && L.initPlugins && !L.initPlugins(&processLogger(), "")) L.pluginsWhy = "initLibNvInferPlugins failed";
  });
}

std::string versionString() {
  const int v = libs().version ? libs().version() : 0;
  // getInferLibVersion(): major * 10000 + minor * 100 + patch (TensorRT 10/11).
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}

int32_t parserVersion() { return libs().parserVersion ? libs().parserVersion() : 0; }

}  // namespace kiln_trt
