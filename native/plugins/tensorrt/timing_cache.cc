// Loading and saving the shared timing cache (timing_cache.h).
#include "timing_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common.h"

using namespace nvinfer1;

namespace kiln_trt {
namespace {

/** An exclusive flock on `path`.lock for as long as it lives. */
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(open((path + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) {
      flock(fd_, LOCK_UN);
      close(fd_);
    }
  }

 private:
  int fd_;
};

}  // namespace

std::unique_ptr<ITimingCache> loadTimingCache(IBuilderConfig& config, const std::string& path,
                                              std::vector<std::string>& warnings) {
  std::vector<char> bytes;
  if (!path.empty()) {
    FileLock lock(path);
    readFile(path, bytes);
  }
  std::unique_ptr<ITimingCache> cache(config.createTimingCache(bytes.data(), bytes.size()));
  if (!cache && !bytes.empty()) {
    warnings.push_back("the timing cache " + path + " is unreadable; this build starts a new one");
    cache.reset(config.createTimingCache(nullptr, 0));
  }
  if (cache && !config.setTimingCache(*cache, true)) {
    warnings.push_back("TensorRT refused the timing cache " + path + "; this build runs without one");
    return nullptr;
  }
  return cache;
}

void saveTimingCache(ITimingCache& cache, IBuilderConfig& config, const std::string& path,
                     std::vector<std::string>& warnings) {
  if (path.empty()) return;
  FileLock lock(path);
  std::vector<char> onDisk;
  if (readFile(path, onDisk) && !onDisk.empty()) {
    // Another build may have saved since this one loaded: keep its entries too.
    std::unique_ptr<ITimingCache> other(config.createTimingCache(onDisk.data(), onDisk.size()));
    if (other) cache.combine(*other, true);
  }
  std::unique_ptr<IHostMemory> blob(cache.serialize());
  if (!blob || !writeAtomically(path, blob->data(), blob->size()))
    warnings.push_back("could not write the timing cache " + path);
}

}  // namespace kiln_trt
