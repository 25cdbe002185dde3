// The plugin's calls (include/kiln_trt_plugin.h), one file each: probe (plugin.cc), build
// (build.cc), profile (profile.cc), run (run.cc).
#pragma once
#include "json.h"
#include "kiln_trt_plugin.h"

namespace kiln_trt {

int probe(char** out);
int build(const char* request, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out);
int profile(const char* request, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out);
int run(const char* request, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out);

/** What every call does first: TensorRT's libraries loaded, the JSON request parsed. 0 = go on. */
int start(const char* request, kiln::Json& req, char** out);

template <typename T>
struct Deleter {
  void operator()(T* p) const { delete p; }
};

}  // namespace kiln_trt
