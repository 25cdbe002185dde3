// Just enough of an ONNX model for the stand-in's parser: the graph's inputs and outputs (name,
// element type, dims with their symbolic names), its nodes (name, op, inputs, outputs) and its
// initializers' dims. Read with a small protobuf wire reader, so the stand-in needs no protobuf.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kiln_standin {

struct OnnxValue {
  std::string name;
  int32_t elemType = 0;            // TensorProto.DataType
  std::vector<int64_t> dims;       // -1 where symbolic or unknown
  std::vector<std::string> params; // the symbolic name of each dim ("" where fixed)
};

struct OnnxNode {
  std::string name, op, domain;
  std::vector<std::string> inputs, outputs;
};

struct OnnxModel {
  std::vector<OnnxValue> inputs, outputs, initializers;
  std::vector<OnnxNode> nodes;
};

/** False (with `error` saying why) where the bytes are not an ONNX model. */
bool readOnnx(const std::string& bytes, OnnxModel& model, std::string& error);

}  // namespace kiln_standin
