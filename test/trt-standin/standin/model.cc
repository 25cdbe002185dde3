// Plan text for the stand-in (model.h): one line per field, so a plan is easy to read in a failure.
#include "model.h"

#include <sstream>

namespace kiln_standin {
namespace {
const char* kMagic = "KILN-STANDIN-PLAN 1";

void writeList(std::ostream& o, const std::vector<int64_t>& v) {
  o << v.size();
  for (auto x : v) o << ' ' << x;
}
std::vector<int64_t> readList(std::istream& i) {
  size_t n = 0;
  i >> n;
  std::vector<int64_t> v(n);
  for (auto& x : v) i >> x;
  return v;
}
}  // namespace

size_t elementBytes(nvinfer1::DataType t) {
  using nvinfer1::DataType;
  switch (t) {
    case DataType::kINT64: return 8;
    case DataType::kFLOAT: case DataType::kINT32: return 4;
    case DataType::kHALF: case DataType::kBF16: return 2;
    default: return 1;  // INT8, UINT8, BOOL, FP8 and E8M0 (the MX block scale): one byte each
  }
}

std::string serializePlan(const Plan& p) {
  std::ostringstream o;
  o << kMagic << '\n' << p.version << '\n' << p.gpu << '\n' << p.hostCode << ' ' << p.plugins << '\n';
  o << p.tensors.size() << '\n';
  for (auto& t : p.tensors) {
    o << t.name << '\n' << t.input << ' ' << static_cast<int>(t.type) << ' ' << t.shapeTensor << ' ' << t.indexBound << ' ';
    writeList(o, t.dims);
    for (auto& s : t.params) o << ' ' << (s.empty() ? "-" : s);
    o << '\n';
  }
  o << p.profile.size() << '\n';
  for (auto& kv : p.profile) {
    o << kv.first << '\n';
    writeList(o, kv.second.min);
    o << ' ';
    writeList(o, kv.second.opt);
    o << ' ';
    writeList(o, kv.second.max);
    o << ' ' << kv.second.hasValues << ' ';
    writeList(o, kv.second.values);
    o << ' ';
    writeList(o, kv.second.minValues);
    o << ' ';
    writeList(o, kv.second.maxValues);
    o << '\n';
  }
  o << p.layers.size() << '\n';
  for (auto& l : p.layers) o << l << '\n';
  return o.str();
}

bool deserializePlan(const void* data, size_t size, Plan& p, std::string& error) {
  std::istringstream i(std::string(static_cast<const char*>(data), size));
  std::string line;
  if (!std::getline(i, line) || line != kMagic) {
    error = "Serialization assertion magicTagRead == kMAGIC_TAG failed. Magic tag does not match";
    return false;
  }
  i >> p.version;
  i.ignore();
  std::getline(i, p.gpu);
  i >> p.hostCode >> p.plugins;
  size_t n = 0;
  i >> n;
  i.ignore();
  for (size_t k = 0; k < n; k++) {
    TensorDesc t;
    std::getline(i, t.name);
    int type = 0;
    i >> t.input >> type >> t.shapeTensor >> t.indexBound;
    t.type = static_cast<nvinfer1::DataType>(type);
    t.dims = readList(i);
    for (size_t d = 0; d < t.dims.size(); d++) {
      std::string s;
      i >> s;
      t.params.push_back(s == "-" ? "" : s);
    }
    i.ignore();
    p.tensors.push_back(t);
  }
  i >> n;
  i.ignore();
  for (size_t k = 0; k < n; k++) {
    std::string name;
    std::getline(i, name);
    ProfileDims d;
    d.min = readList(i);
    d.opt = readList(i);
    d.max = readList(i);
    i >> d.hasValues;
    d.values = readList(i);
    d.minValues = readList(i);
    d.maxValues = readList(i);
    i.ignore();
    p.profile[name] = d;
  }
  i >> n;
  i.ignore();
  for (size_t k = 0; k < n; k++) {
    std::string l;
    std::getline(i, l);
    p.layers.push_back(l);
  }
  if (!i) {
    error = "the plan is truncated";
    return false;
  }
  return true;
}

}  // namespace kiln_standin
