// The one way a stand-in stub ends: a call the stand-in does not model stops the run, naming it,
// so a plugin change that starts using a new TensorRT call is seen, not silently answered.
#pragma once
namespace kiln_standin {
[[noreturn]] void unmodelled(const char* method) noexcept;
}
