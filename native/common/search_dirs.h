// The folders Kiln searches for TensorRT and CUDA libraries, in order: Kiln's own setting
// (KILN_TENSORRT_DIR, a path list), the user's library path, then the usual install places of
// TensorRT tarballs, Debian packages and the CUDA toolkit. One list for the probe (src/probe.cc) and
// the real plugin (plugins/tensorrt/), so what the probe reports found is what the plugin loads.
#ifndef KILN_SEARCH_DIRS_H
#define KILN_SEARCH_DIRS_H

#include <cstdlib>
#include <string>
#include <vector>

namespace kiln {

inline std::vector<std::string> splitPathList(const char* value, char sep) {
  std::vector<std::string> out;
  if (!value) return out;
  std::string cur;
  for (const char* p = value;; ++p) {
    if (*p == sep || *p == '\0') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      if (*p == '\0') break;
    } else {
      cur += *p;
    }
  }
  return out;
}

/** KILN_TENSORRT_DIR's folders, then `extra`, then the library path and the standard places; no duplicates. */
inline std::vector<std::string> librarySearchDirs(const std::vector<std::string>& extra = {}) {
#ifdef _WIN32
  const char sep = ';';
#else
  const char sep = ':';
#endif
  std::vector<std::string> dirs = splitPathList(std::getenv("KILN_TENSORRT_DIR"), sep);
  for (auto& d : extra) dirs.push_back(d);
#ifdef _WIN32
  for (auto& d : splitPathList(std::getenv("PATH"), sep)) dirs.push_back(d);
#else
  for (auto& d : splitPathList(std::getenv("LD_LIBRARY_PATH"), sep)) dirs.push_back(d);
  for (const char* d : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/tensorrt/lib",
                        "/opt/tensorrt/lib", "/usr/local/cuda/lib64", "/usr/lib64", "/usr/local/lib"})
    dirs.emplace_back(d);
#endif
  std::vector<std::string> unique;
  for (auto& d : dirs) {
    bool seen = false;
    for (auto& u : unique) seen = seen || u == d;
    if (!seen) unique.push_back(d);
  }
  return unique;
}

}  // namespace kiln

#endif
