/*
 * Kiln's TensorRT seam: the small C interface between Kiln and a TensorRT plugin library.
 *
 * A plugin is a shared library exporting `kiln_trt_plugin()`. Kiln loads it with dlopen at run
 * time and never links TensorRT itself. Real plugins (plugins/tensorrt/, one build per TensorRT
 * major) load libnvinfer, libnvonnxparser and libcudart with dlopen in turn; the fake plugin
 * (plugins/fake/) behaves deterministically and is what CI loads.
 *
 * Everything crossing the seam is UTF-8 JSON in plain C strings, so the ABI stays tiny and
 * stable while requests and reports grow. Every call is synchronous and may run for minutes:
 * Kiln calls it on a worker thread, reads progress through the callback, and asks it to stop by
 * setting `*cancel` to 1 (the plugin polls it and returns KILN_TRT_CANCELLED). The callback may be
 * called from threads the plugin does not own (TensorRT's builder reports progress from its own),
 * one call at a time; Kiln's binding queues what it gets. Strings a plugin returns through `out`
 * are freed with its own `free_string`. Failures carry one of Kiln's error codes
 * (electron/shared/api/errors.ts) in "code": FILE_NOT_FOUND, INVALID_ARGUMENT, UNSUPPORTED, INTERNAL...
 */
#ifndef KILN_TRT_PLUGIN_H
#define KILN_TRT_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_TRT_ABI_VERSION 1

#if defined(_WIN32)
#define KILN_TRT_EXPORT __declspec(dllexport)
#else
#define KILN_TRT_EXPORT __attribute__((visibility("default")))
#endif

/* Status codes of every call. On anything but OK, `*out` holds {"code": ..., "message": ...}. */
enum {
  KILN_TRT_OK = 0,
  KILN_TRT_ERROR = 1,       /* failed: the message says why (names the node for parser errors) */
  KILN_TRT_CANCELLED = 2,   /* `*cancel` was set */
  KILN_TRT_UNAVAILABLE = 3  /* TensorRT, CUDA or a GPU is missing: the message says which */
};

/* Progress: `stage` is a short phrase, `fraction` in [0, 1] or negative when unknown. */
typedef void (*kiln_trt_progress_fn)(void* user, const char* stage, double fraction);

typedef struct kiln_trt_plugin {
  int abi_version;
  /* "fake", "tensorrt-10", "tensorrt-11": what this plugin is. */
  const char* name;
  /* The TensorRT major it was compiled against (0 for the fake). */
  int trt_major;

  /* {"available": bool, "version": "10.15.0", "devices": [{"name", "computeCapability", "memoryBytes"}], "reason"?} */
  int (*probe)(char** out);

  /*
   * Parse an ONNX file and build an engine.
   * request: {"onnx": path, "engine": path to write, "timingCache"?: path, "precision"?: {...},
   *           "profiles"?: {input: {"min", "opt", "max"}?, "values"?: [...]} (an object keyed by
   *           input; "values" for shape tensors), "workspaceBytes"?, "optimizationLevel"?,
   *           "stronglyTyped"?, "tf32"?, "hardwareCompatibility"?, "versionCompatible"?, "fake"?: {...}}
   * Dynamic inputs the request gives no profile for are built for dims of 1 (a warning says so).
   * out: {"buildMs", "engineBytes", "layerInfo": <IEngineInspector JSON>, "parserErrors": [...],
   *       "unsupportedNodes": [...], "warnings": [...], "device": {...}, "tensorrt": "x.y.z"}
   */
  int (*build)(const char* request_json, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out);

  /*
   * Deserialize an engine and time it the way trtexec does.
   * request: {"engine": path, "shapes": {input: dims}, "warmupMs", "durationS" | "iterations",
   *           "useCudaGraph"?, "noDataTransfers"?, "layerRuns"?, "allowHostCode"?}
   * allowHostCode (profile and run): deserialize a plan carrying host code (a version-compatible
   * engine's lean runtime); Kiln sets it only for engines that passed its gate. Default false.
   * out: {"coldStartMs", "samplesMs": [...], "computeMs": [...], "wallMs", "throughputQps" (inferences
   *       over host wall time, as trtexec), "layers": [{"name", "ms"}], "warnings": [...], "tensorrt", "device"}
   */
  int (*profile)(const char* request_json, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out);

  /*
   * Run an engine once on given inputs (for accuracy comparison).
   * request: {"engine": path, "inputs": {name: {"dims": [...], "dtype": "float32", "file": path of raw little-endian data}},
   *           "outputDir": folder for raw output files, "allowHostCode"?}
   * out: {"outputs": {name: {"dims", "dtype", "file"}}}
   */
  int (*run)(const char* request_json, kiln_trt_progress_fn progress, void* user, volatile int* cancel, char** out);

  void (*free_string)(char* s);
} kiln_trt_plugin;

/* The one symbol Kiln looks up. */
KILN_TRT_EXPORT const kiln_trt_plugin* kiln_trt_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif
