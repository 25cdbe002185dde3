// One stand-in CUDA runtime soname (libcudart.so.<major>): its version, the driver it needs, and
// the device count that follows. The rest of the runtime comes from the stand-in core it links.
// KILN_STANDIN_DRIVER (e.g. 12080) is the driver's CUDA version; a runtime newer than the driver
// answers cudaErrorInsufficientDriver, as a real one does.
#include <cuda_runtime_api.h>

#include <cstdlib>

#define EXPORT extern "C" __attribute__((visibility("default")))

static int driverVersion() {
  const char* v = std::getenv("KILN_STANDIN_DRIVER");
  return v ? std::atoi(v) : 13000;
}
EXPORT cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = STANDIN_CUDART_VERSION;
  return cudaSuccess;
}
EXPORT cudaError_t cudaDriverGetVersion(int* v) {
  *v = driverVersion();
  return cudaSuccess;
}
EXPORT cudaError_t cudaGetDeviceCount(int* n) {
  *n = 0;
  if (driverVersion() / 1000 < STANDIN_CUDART_VERSION / 1000) return cudaErrorInsufficientDriver;
  *n = 1;
  return cudaSuccess;
}
