// The timing cache file builds share. As trtexec does (samples/common/cacheUtils.cpp): loaded with
// ignoreMismatch (a cache from another TensorRT or GPU is not an error, only cold), and saved under a
// file lock by reading what is on disk now, combining this build's entries into it and writing the
// union, so concurrent builds add to one cache instead of overwriting each other.
#pragma once
#include <NvInfer.h>

#include <memory>
#include <string>
#include <vector>

namespace kiln_trt {

/** Loads `path` (if any) into `config`; warnings say what was not used and why. */
std::unique_ptr<nvinfer1::ITimingCache> loadTimingCache(nvinfer1::IBuilderConfig& config, const std::string& path,
                                                        std::vector<std::string>& warnings);
/** Under a lock: combines what `path` holds now into `cache` (this build's), then writes `cache` to `path`. */
void saveTimingCache(nvinfer1::ITimingCache& cache, nvinfer1::IBuilderConfig& config, const std::string& path,
                     std::vector<std::string>& warnings);

}  // namespace kiln_trt
