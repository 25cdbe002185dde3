// The process's one TensorRT logger (logger.h): a ring of recent warnings and errors, numbered so
// each call can read its own.
#include "logger.h"

#include <deque>
#include <mutex>

namespace kiln_trt {
namespace {

struct Entry {
  uint64_t seq;
  nvinfer1::ILogger::Severity severity;
  std::string text;
};

class RingLogger : public nvinfer1::ILogger {
 public:
  void log(Severity severity, char const* msg) noexcept override {
    if (severity > Severity::kWARNING) return;
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back({++seq_, severity, msg ? msg : ""});
    if (entries_.size() > 512) entries_.pop_front();
  }
  uint64_t seq() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seq_;
  }
  std::vector<std::string> since(uint64_t from, bool errors) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (auto& e : entries_)
      if (e.seq > from && ((e.severity <= Severity::kERROR) == errors)) out.push_back(e.text);
    return out;
  }

 private:
  std::mutex mutex_;
  uint64_t seq_ = 0;
  std::deque<Entry> entries_;
};

RingLogger& ring() {
  static RingLogger* logger = new RingLogger();  // never destroyed: TensorRT may log until exit
  return *logger;
}

}  // namespace

nvinfer1::ILogger& processLogger() { return ring(); }

CallLog::CallLog() : from_(ring().seq()) {}

std::string CallLog::errors() const {
  const auto all = ring().since(from_, true);
  std::string s;
  for (size_t i = all.size() > 3 ? all.size() - 3 : 0; i < all.size(); i++) s += (s.empty() ? "" : "; ") + all[i];
  return s;
}

std::vector<std::string> CallLog::warnings() const { return ring().since(from_, false); }

}  // namespace kiln_trt
