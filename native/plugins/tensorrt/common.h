// Small things every call of the plugin uses: replies and errors in the seam's JSON (error codes
// are Kiln's, electron/shared/api/errors.ts), files read and written whole (writes atomic, through
// a temp name no other writer shares), TensorRT dims and dtypes to and from JSON, the GPU's facts.
#pragma once
#include <NvInfer.h>

#include <string>
#include <vector>

#include "json.h"

namespace kiln_trt {

char* dup(const std::string& s);
/** Writes {"code", "message", ...extra} to *out and returns `status`. */
int fail(char** out, int status, const std::string& code, const std::string& message,
         kiln::Json extra = kiln::Json::object());

bool readFile(const std::string& path, std::vector<char>& into);
/** Writes through `path.<pid>.<thread>.<n>.kiln-tmp` then renames: concurrent writers never share a temp file. */
bool writeAtomically(const std::string& path, void const* data, size_t size);

nvinfer1::Dims toDims(const kiln::Json& arr);
kiln::Json fromDims(const nvinfer1::Dims& d);
size_t elementBits(nvinfer1::DataType t);
const char* dtypeName(nvinfer1::DataType t);
/** Bytes of a tensor of `dims` (dims < 0 count as 0). */
size_t tensorBytes(const nvinfer1::Dims& dims, nvinfer1::DataType t);

/** {"name", "computeCapability", "memoryBytes"} of GPU `index`. */
kiln::Json device(int index);

}  // namespace kiln_trt
