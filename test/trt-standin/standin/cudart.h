// The stand-in's CUDA streams, as the TensorRT stand-in sees them: a stream has a clock (ms of
// simulated GPU time) that work advances and events read, and may be capturing into a graph.
#pragma once
#include <cuda_runtime_api.h>

#include <functional>

namespace kiln_standin {

/** Runs `work` (advancing the stream's clock by `ms`) now, or records it where the stream is capturing. */
void onStream(cudaStream_t stream, double ms, std::function<void()> work);
bool capturing(cudaStream_t stream);

}  // namespace kiln_standin
