// TensorRT, its ONNX parser, its plugin library and the CUDA runtime, opened with dlopen the first
// time the plugin is used (nothing is linked). Only C entry points are looked up: TensorRT's
// interfaces are virtual, so calling them needs no link.
#pragma once
#include <NvInfer.h>
#include <cuda_runtime_api.h>

#include <string>

namespace kiln_trt {

struct Cuda {
  decltype(&::cudaMalloc) malloc_ = nullptr;
  decltype(&::cudaFree) free_ = nullptr;
  decltype(&::cudaMallocHost) mallocHost = nullptr;
  decltype(&::cudaFreeHost) freeHost = nullptr;
  decltype(&::cudaMemcpyAsync) memcpyAsync = nullptr;
  decltype(&::cudaStreamCreate) streamCreate = nullptr;
  decltype(&::cudaStreamDestroy) streamDestroy = nullptr;
  decltype(&::cudaStreamSynchronize) streamSynchronize = nullptr;
  decltype(&::cudaStreamWaitEvent) streamWaitEvent = nullptr;
  decltype(&::cudaEventCreate) eventCreate = nullptr;
  decltype(&::cudaEventRecord) eventRecord = nullptr;
  decltype(&::cudaEventSynchronize) eventSynchronize = nullptr;
  decltype(&::cudaEventElapsedTime) eventElapsedTime = nullptr;
  decltype(&::cudaEventDestroy) eventDestroy = nullptr;
  decltype(&::cudaGetDeviceCount) getDeviceCount = nullptr;
  decltype(&::cudaDeviceGetAttribute) deviceGetAttribute = nullptr;
  decltype(&::cudaGetErrorString) getErrorString = nullptr;
  decltype(&::cudaStreamBeginCapture) streamBeginCapture = nullptr;
  decltype(&::cudaStreamEndCapture) streamEndCapture = nullptr;
  decltype(&::cudaGraphInstantiate) graphInstantiate = nullptr;
  decltype(&::cudaGraphLaunch) graphLaunch = nullptr;
  decltype(&::cudaGraphDestroy) graphDestroy = nullptr;
  decltype(&::cudaGraphExecDestroy) graphExecDestroy = nullptr;
  // cudaDeviceProp's layout grows between CUDA versions; only its stable head (name, totalGlobalMem) is read.
  cudaError_t (*getDeviceProperties)(void* prop, int device) = nullptr;
  /** "cudaXxx failed: <CUDA's words>" for a failed call, "" for success. */
  std::string error(const char* call, cudaError_t e) const;
};

struct Libs {
  bool ok = false;
  std::string why;  // when !ok: what is missing, where Kiln looked
  void* (*createBuilder)(void* logger, int32_t version) = nullptr;
  void* (*createRuntime)(void* logger, int32_t version) = nullptr;
  void* (*createParser)(void* network, void* logger, int version) = nullptr;
  int32_t (*version)() = nullptr;
  int (*parserVersion)() = nullptr;  // 0 where the parser does not say
  bool (*initPlugins)(void* logger, char const* ns) = nullptr;
  std::string pluginsWhy;  // why TensorRT's plugin library is not there, if it is not
  Cuda cuda;
};

/** The libraries, loaded once per process. */
Libs& libs();

/** Registers TensorRT's plugins (initLibNvInferPlugins) once, before the first builder or runtime. */
void ensurePlugins();

/** "10.16.0": the library's version (getInferLibVersion). */
std::string versionString();
int32_t parserVersion();

}  // namespace kiln_trt
