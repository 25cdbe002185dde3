// The stand-in's libnvonnxparser: createNvOnnxParser_INTERNAL and getNvOnnxParserVersion. It reads
// the ONNX file (onnx.cc), fills the network with its inputs and outputs, marks the inputs TensorRT
// would keep on the host (shape tensors) and the Gather indices, refuses ops TensorRT's parser
// refuses, and needs the plugin registry for ops TensorRT maps to its plugins (RoiAlign,
// EfficientNMS_TRT). supportsModelV2 does not exist before 10.1: calling it on an older parser is a
// violation (a real 10.0 library has no such vtable slot and would crash).
#include <atomic>
#include <fstream>
#include <set>
#include <sstream>

#include "objects.h"
#include "onnx.h"

namespace kiln_standin {
extern std::atomic<bool> gPluginsRegistered;
}

namespace kiln_standin {
namespace {

DataType fromOnnx(int32_t t) {
  switch (t) {
    case 10: return DataType::kHALF;
    case 16: return DataType::kBF16;
    case 3: return DataType::kINT8;
    case 2: return DataType::kUINT8;
    case 6: return DataType::kINT32;
    case 7: return DataType::kINT64;
    case 9: return DataType::kBOOL;
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 12
    case 24: return DataType::kE8M0;  // FLOAT8E8M0
#endif
    default: return DataType::kFLOAT;
  }
}

const std::set<std::string> kRefused = {"ConvInteger", "MatMulInteger", "QLinearConv", "QLinearMatMul", "StandinRefused"};
const std::set<std::string> kPluginOps = {"RoiAlign", "EfficientNMS_TRT", "ROIAlign_TRT"};
/** Inputs at these positions of these ops are shape operands: TensorRT keeps such inputs on the host. */
const std::map<std::string, std::set<size_t>> kShapeOperands = {
    {"Reshape", {1}}, {"Expand", {1}}, {"Tile", {1}}, {"ConstantOfShape", {0}}, {"Range", {0, 1, 2}}};

class Error : public nvonnxparser::StubIParserError {
 public:
  std::string text, nodeName_, op;
  int index = -1;
  nvonnxparser::ErrorCode code() const override { return nvonnxparser::ErrorCode::kUNSUPPORTED_NODE; }
  char const* desc() const override { return text.c_str(); }
  char const* file() const override { return "standin/parser.cc"; }
  int line() const override { return 0; }
  char const* func() const override { return "parse"; }
  int node() const override { return index; }
  char const* nodeName() const override { return nodeName_.c_str(); }
  char const* nodeOperator() const override { return op.c_str(); }
};

class Parser : public nvonnxparser::StubIParser {
 public:
  explicit Parser(Network* network) : network_(network) { born(this, network, "IParser"); }
  ~Parser() noexcept override { died(this, "IParser"); }

  bool parseFromFile(const char* path, int) noexcept override {
    count("parser.parse");
    std::ifstream f(path, std::ios::binary);
    if (!f) return addError("Failed to open file: " + std::string(path), -1, "", "");
    std::stringstream ss;
    ss << f.rdbuf();
    return parseBytes(ss.str(), true);
  }
  bool parse(void const* data, size_t size, const char*) noexcept override {
    count("parser.parse");
    return parseBytes(std::string(static_cast<const char*>(data), size), true);
  }
  bool supportsModelV2(void const* data, size_t size, char const*) noexcept override {
    if (parserVersion() < 100100)
      violation("IParser::supportsModelV2 called on a " + std::to_string(parserVersion()) +
                " parser: it exists only from 10.1, a real library of that version would crash");
    count("parser.supportsModelV2");
    OnnxModel m;
    std::string error;
    subgraphs_.clear();
    if (!readOnnx(std::string(static_cast<const char*>(data), size), m, error)) return false;
    std::vector<int64_t> run;
    bool ok = true, supported = true;
    for (size_t i = 0; i < m.nodes.size(); i++) {
      const bool s = !refused(m.nodes[i]);
      if (!run.empty() && s != supported) {
        subgraphs_.push_back({supported, run});
        run.clear();
      }
      supported = s;
      ok = ok && s;
      run.push_back(static_cast<int64_t>(i));
    }
    if (!run.empty()) subgraphs_.push_back({supported, run});
    return ok;
  }
  int64_t getNbSubgraphs() noexcept override { return static_cast<int64_t>(subgraphs_.size()); }
  bool isSubgraphSupported(int64_t const i) noexcept override { return subgraphs_[static_cast<size_t>(i)].first; }
  int64_t* getSubgraphNodes(int64_t const i, int64_t& len) noexcept override {
    auto& nodes = subgraphs_[static_cast<size_t>(i)].second;
    len = static_cast<int64_t>(nodes.size());
    return nodes.data();
  }
  int getNbErrors() const noexcept override { return static_cast<int>(errors_.size()); }
  nvonnxparser::IParserError const* getError(int i) const noexcept override {
    return i >= 0 && i < getNbErrors() ? &errors_[static_cast<size_t>(i)] : nullptr;
  }
  void clearErrors() noexcept override { errors_.clear(); }

 private:
  Network* network_;
  std::vector<Error> errors_;
  std::vector<std::pair<bool, std::vector<int64_t>>> subgraphs_;

  bool refused(const OnnxNode& n) const {
    return kRefused.count(n.op) > 0 || (kPluginOps.count(n.op) > 0 && !gPluginsRegistered);
  }
  bool addError(const std::string& text, int index, const std::string& node, const std::string& op) {
    Error e;
    e.text = text;
    e.index = index;
    e.nodeName_ = node;
    e.op = op;
    errors_.push_back(e);
    return false;
  }

  bool parseBytes(const std::string& bytes, bool fill) {
    OnnxModel m;
    std::string error;
    if (!readOnnx(bytes, m, error)) return addError(error, -1, "", "");
    auto& net = network_->impl;
    for (size_t i = 0; i < m.nodes.size(); i++) {
      const OnnxNode& n = m.nodes[i];
      if (kPluginOps.count(n.op) && !gPluginsRegistered)
        return addError("Plugin not found, are the plugin name, version, and namespace correct? (" + n.op +
                            ": initLibNvInferPlugins was not called)",
                        static_cast<int>(i), n.name, n.op);
      if (kRefused.count(n.op))
        return addError("No importer registered for op: " + n.op, static_cast<int>(i), n.name, n.op);
    }
    if (!fill) return true;
    std::map<std::string, std::vector<int64_t>> initDims;
    for (auto& init : m.initializers) initDims[init.name] = init.dims;
    for (auto& in : m.inputs) {
      auto t = std::make_unique<Tensor>("ITensor", nullptr);
      TensorDesc& d = t->impl.desc;
      d.name = in.name;
      d.type = fromOnnx(in.elemType);
      d.dims = in.dims;
      d.params = in.params;
      for (auto& n : m.nodes) {
        auto sh = kShapeOperands.find(n.op);
        for (size_t k = 0; k < n.inputs.size(); k++) {
          if (n.inputs[k] != in.name) continue;
          if (sh != kShapeOperands.end() && sh->second.count(k) && (d.type == DataType::kINT64 || d.type == DataType::kINT32) &&
              d.dims.size() <= 1)
            d.shapeTensor = true;
          if (n.op == "Gather" && k == 1 && initDims.count(n.inputs[0]) && !initDims[n.inputs[0]].empty())
            d.indexBound = initDims[n.inputs[0]][0];
        }
      }
      net.inputs.push_back(std::move(t));
    }
    for (auto& out : m.outputs) {
      auto t = std::make_unique<Tensor>("ITensor", nullptr);
      TensorDesc& d = t->impl.desc;
      d.name = out.name;
      d.input = false;
      d.type = fromOnnx(out.elemType);
      d.dims = out.dims;
      d.params = out.params;
      net.outputs.push_back(std::move(t));
    }
    for (auto& n : m.nodes) {
      net.layers.push_back(n.name.empty() ? n.op : n.name);
      net.plugins = net.plugins || kPluginOps.count(n.op) > 0;
    }
    net.parsed = true;
    return true;
  }
};

}  // namespace
}  // namespace kiln_standin

using namespace kiln_standin;

extern "C" {
__attribute__((visibility("default"))) void* createNvOnnxParser_INTERNAL(void* network, void* logger, int) noexcept {
  if (!network) {
    violation("createNvOnnxParser was given a null network");
    return nullptr;
  }
  if (nullOnDemand("createParser")) return nullptr;
  adoptLogger(static_cast<ILogger*>(logger), "createNvOnnxParser");
  return static_cast<nvonnxparser::IParser*>(new Parser(static_cast<Network*>(static_cast<INetworkDefinition*>(network))));
}
__attribute__((visibility("default"))) int getNvOnnxParserVersion() noexcept { return parserVersion(); }
}
