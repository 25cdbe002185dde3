// The stand-in's network and plan: what its parser makes of an ONNX model, what its builder checks
// and writes into a plan, and what its runtime reads back. A plan is text with a magic first line,
// the TensorRT version and GPU it was built for, and whether it carries host code.
#pragma once
#include <NvInfer.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln_standin {

struct TensorDesc {
  std::string name;
  bool input = true;
  nvinfer1::DataType type = nvinfer1::DataType::kFLOAT;
  std::vector<int64_t> dims;         // -1 where dynamic
  std::vector<std::string> params;   // symbolic dim names ("" where fixed)
  bool shapeTensor = false;          // an input TensorRT keeps on the host (isShapeInferenceIO)
  int64_t indexBound = 0;            // > 0: values are Gather indices into a dim of this size
};

struct ProfileDims {
  std::vector<int64_t> min, opt, max;
  std::vector<int64_t> values;  // shape values (shape tensors): setShapeValues(V2), kOPT
  std::vector<int64_t> minValues, maxValues;  // kMIN and kMAX: a run's values must lie between them
  bool hasValues = false;
};

struct Plan {
  int32_t version = 0;
  std::string gpu;
  bool hostCode = false;
  bool plugins = false;  // layers from TensorRT's plugin library (needs initLibNvInferPlugins)
  std::vector<TensorDesc> tensors;
  std::map<std::string, ProfileDims> profile;
  std::vector<std::string> layers;
};

std::string serializePlan(const Plan& plan);
/** False with `error` set where the bytes are not a stand-in plan. */
bool deserializePlan(const void* data, size_t size, Plan& plan, std::string& error);

/** The one "GPU" the stand-in has. */
inline const char* kGpuName = "Kiln Stand-in GPU";
inline const char* kComputeCapability = "8.9";

size_t elementBytes(nvinfer1::DataType t);

}  // namespace kiln_standin
