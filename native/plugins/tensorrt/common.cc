// Helpers shared by the plugin's calls (common.h).
#include "common.h"

#include <cuda_runtime_api.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <thread>

#include "libs.h"

using kiln::Json;
using namespace nvinfer1;

namespace kiln_trt {

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

int fail(char** out, int status, const std::string& code, const std::string& message, Json extra) {
  extra.set("code", code).set("message", message);
  *out = dup(extra.dump());
  return status;
}

bool readFile(const std::string& path, std::vector<char>& into) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  into.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

bool writeAtomically(const std::string& path, void const* data, size_t size) {
  static std::atomic<unsigned> counter{0};
  const std::string tmp = path + "." + std::to_string(getpid()) + "." +
                          std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()) % 1000000) + "." +
                          std::to_string(counter++) + ".kiln-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return false;
    f.write(static_cast<char const*>(data), static_cast<std::streamsize>(size));
    f.close();
    if (!f) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

Dims toDims(const Json& arr) {
  Dims d{};
  d.nbDims = static_cast<int32_t>(std::min<size_t>(arr.items().size(), Dims::MAX_DIMS));
  for (int32_t i = 0; i < d.nbDims; i++) d.d[i] = static_cast<int64_t>(arr.items()[static_cast<size_t>(i)].number());
  return d;
}

Json fromDims(const Dims& d) {
  Json a = Json::array();
  for (int32_t i = 0; i < d.nbDims; i++) a.push(static_cast<double>(d.d[i]));
  return a;
}

size_t elementBits(DataType t) {
  switch (t) {
    case DataType::kFLOAT: case DataType::kINT32: return 32;
    case DataType::kHALF: case DataType::kBF16: return 16;
    case DataType::kINT8: case DataType::kUINT8: case DataType::kBOOL: case DataType::kFP8: return 8;
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 12
    case DataType::kE8M0: return 8;  // the MX block scale: one byte
#endif
    case DataType::kINT64: return 64;
    default: return 4;  // INT4 / FP4: packed two per byte
  }
}

const char* dtypeName(DataType t) {
  switch (t) {
    case DataType::kFLOAT: return "float32";
    case DataType::kHALF: return "float16";
    case DataType::kBF16: return "bfloat16";
    case DataType::kINT8: return "int8";
    case DataType::kUINT8: return "uint8";
    case DataType::kINT32: return "int32";
    case DataType::kINT64: return "int64";
    case DataType::kBOOL: return "bool";
    case DataType::kFP8: return "float8e4m3fn";
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 12
    case DataType::kE8M0: return "float8e8m0";
#endif
    default: return "packed4";
  }
}

size_t tensorBytes(const Dims& dims, DataType t) {
  size_t count = 1;
  for (int32_t k = 0; k < dims.nbDims; k++) count *= static_cast<size_t>(std::max<int64_t>(0, dims.d[k]));
  return (count * elementBits(t) + 7) / 8;
}

Json device(int index) {
  Cuda& c = libs().cuda;
  int major = 0, minor = 0;
  c.deviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, index);
  c.deviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, index);
  // cudaDeviceProp grows between CUDA versions; its head (name, uuid, luid, mask, totalGlobalMem) does not.
  std::vector<char> prop(std::max<size_t>(sizeof(cudaDeviceProp), 16384), 0);
  std::string name = "GPU " + std::to_string(index);
  Json d = Json::object();
  if (c.getDeviceProperties && c.getDeviceProperties(prop.data(), index) == cudaSuccess) {
    name = std::string(prop.data());
    size_t bytes = 0;
    std::memcpy(&bytes, prop.data() + offsetof(cudaDeviceProp, totalGlobalMem), sizeof(bytes));
    d.set("memoryBytes", static_cast<double>(bytes));
  }
  return d.set("name", name).set("computeCapability", std::to_string(major) + "." + std::to_string(minor));
}

}  // namespace kiln_trt
