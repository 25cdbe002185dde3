// The stand-in's ONNX reader (onnx.h): protobuf wire format, only the fields the parser models.
#include "onnx.h"

#include <stdexcept>

namespace kiln_standin {
namespace {

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) throw std::runtime_error("truncated varint");
      const uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("bad varint");
  }
  /** Calls f(field, wireType, sub-reader for length-delimited, varint value) for each field. */
  template <typename F>
  void each(F f) {
    while (p < end) {
      const uint64_t key = varint();
      const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
      if (wire == 0) {
        f(field, wire, Reader{p, p}, varint());
      } else if (wire == 2) {
        const uint64_t n = varint();
        if (n > static_cast<uint64_t>(end - p)) throw std::runtime_error("truncated field");
        Reader sub{p, p + n};
        p += n;
        f(field, wire, sub, 0);
      } else if (wire == 1) {
        p += 8;
      } else if (wire == 5) {
        p += 4;
      } else {
        throw std::runtime_error("unsupported wire type");
      }
      if (p > end) throw std::runtime_error("truncated field");
    }
  }
  std::string str() const { return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p)); }
};

OnnxValue valueInfo(Reader r) {
  OnnxValue v;
  r.each([&](int f, int, Reader s, uint64_t) {
    if (f == 1) v.name = s.str();
    if (f != 2) return;
    s.each([&](int tf, int, Reader t, uint64_t) {  // TypeProto
      if (tf != 1) return;                           // tensor_type
      t.each([&](int ef, int, Reader e, uint64_t val) {
        if (ef == 1) v.elemType = static_cast<int32_t>(val);
        if (ef != 2) return;
        e.each([&](int df, int, Reader d, uint64_t) {  // TensorShapeProto.dim
          if (df != 1) return;
          int64_t dim = -1;
          std::string param;
          d.each([&](int xf, int, Reader x, uint64_t xv) {
            if (xf == 1) dim = static_cast<int64_t>(xv);
            if (xf == 2) param = x.str();
          });
          v.dims.push_back(dim);
          v.params.push_back(param);
        });
      });
    });
  });
  return v;
}

}  // namespace

bool readOnnx(const std::string& bytes, OnnxModel& m, std::string& error) {
  try {
    Reader model{reinterpret_cast<const uint8_t*>(bytes.data()), reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size()};
    bool sawGraph = false;
    model.each([&](int f, int w, Reader g, uint64_t) {
      if (f != 7 || w != 2) return;
      sawGraph = true;
      g.each([&](int gf, int, Reader s, uint64_t) {
        if (gf == 1) {
          OnnxNode n;
          s.each([&](int nf, int, Reader x, uint64_t) {
            if (nf == 1) n.inputs.push_back(x.str());
            if (nf == 2) n.outputs.push_back(x.str());
            if (nf == 3) n.name = x.str();
            if (nf == 4) n.op = x.str();
            if (nf == 7) n.domain = x.str();
          });
          m.nodes.push_back(n);
        } else if (gf == 5) {
          OnnxValue init;
          s.each([&](int tf, int tw, Reader x, uint64_t v) {
            if (tf == 1 && tw == 0) init.dims.push_back(static_cast<int64_t>(v));
            if (tf == 1 && tw == 2)
              while (x.p < x.end) init.dims.push_back(static_cast<int64_t>(x.varint()));
            if (tf == 2) init.elemType = static_cast<int32_t>(v);
            if (tf == 8) init.name = x.str();
          });
          m.initializers.push_back(init);
        } else if (gf == 11) {
          m.inputs.push_back(valueInfo(s));
        } else if (gf == 12) {
          m.outputs.push_back(valueInfo(s));
        }
      });
    });
    if (!sawGraph) {
      error = "the file has no ONNX graph";
      return false;
    }
  } catch (const std::exception& e) {
    error = std::string("the file is not an ONNX model: ") + e.what();
    return false;
  }
  // Inputs that are also initializers are weights (IR < 4 lists them as inputs).
  std::vector<OnnxValue> real;
  for (auto& in : m.inputs) {
    bool init = false;
    for (auto& i : m.initializers) init = init || i.name == in.name;
    if (!init) real.push_back(in);
  }
  m.inputs = real;
  return true;
}

}  // namespace kiln_standin
