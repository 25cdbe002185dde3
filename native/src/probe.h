// Looks for TensorRT and CUDA at run time. Nothing here links against either: libraries are
// opened with dlopen/LoadLibrary and asked for their versions through documented C entry points.
#pragma once
#include <string>
#include <vector>

namespace kiln {

struct Attempt {
  std::string library;  // the file name tried, e.g. libnvinfer.so.10
  std::string where;    // the folder, or "loader search path"
  std::string result;   // "loaded", or why not
};

struct Device {
  std::string name;
  int ccMajor = 0, ccMinor = 0;
  double memoryBytes = 0;
};

struct ProbeResult {
  bool trtFound = false;
  int trtVersion = 0;  // major*10000 + minor*100 + patch, as getInferLibVersion() reports it
  std::string trtLibrary, parserLibrary;
  int parserVersion = 0;
  bool cudaRuntimeFound = false;
  int cudaRuntimeVersion = 0, cudaDriverVersion = 0;
  std::string cudaRuntimeLibrary, driverLibrary, driverError;
  std::vector<Device> devices;
  std::vector<Attempt> searched;
};

// extraDirs: folders to try first (KILN_TENSORRT_DIR, split by the caller).
ProbeResult probe(const std::vector<std::string>& extraDirs);

}  // namespace kiln
