// A small JSON value for the plugin seam: requests in, reports out. Header-only, no dependencies,
// shared by the addon and every plugin. Numbers are doubles; objects keep insertion order.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kiln {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(double d) : type_(Type::Number), num_(d) {}
  Json(int i) : type_(Type::Number), num_(i) {}
  Json(long long i) : type_(Type::Number), num_(static_cast<double>(i)) {}
  Json(size_t i) : type_(Type::Number), num_(static_cast<double>(i)) {}
  Json(const char* s) : type_(Type::String), str_(s) {}
  Json(std::string s) : type_(Type::String), str_(std::move(s)) {}

  static Json array() { Json j; j.type_ = Type::Array; return j; }
  static Json object() { Json j; j.type_ = Type::Object; return j; }

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }
  bool isBool() const { return type_ == Type::Bool; }

  double number(double fallback = 0) const { return type_ == Type::Number ? num_ : fallback; }
  bool boolean(bool fallback = false) const { return type_ == Type::Bool ? bool_ : fallback; }
  const std::string& string() const { static const std::string empty; return type_ == Type::String ? str_ : empty; }
  const std::vector<Json>& items() const { static const std::vector<Json> none; return type_ == Type::Array ? arr_ : none; }
  const std::vector<std::pair<std::string, Json>>& members() const {
    static const std::vector<std::pair<std::string, Json>> none;
    return type_ == Type::Object ? obj_ : none;
  }

  // Object lookup; a missing key reads as null.
  const Json& operator[](const std::string& key) const {
    static const Json null;
    for (const auto& kv : obj_) if (kv.first == key) return kv.second;
    return null;
  }
  bool has(const std::string& key) const {
    for (const auto& kv : obj_) if (kv.first == key) return true;
    return false;
  }
  Json& set(const std::string& key, Json value) {
    type_ = Type::Object;
    for (auto& kv : obj_) if (kv.first == key) { kv.second = std::move(value); return *this; }
    obj_.emplace_back(key, std::move(value));
    return *this;
  }
  Json& push(Json value) { type_ = Type::Array; arr_.push_back(std::move(value)); return *this; }

  std::string dump() const {
    std::string out;
    write(out);
    return out;
  }

  static Json parse(const std::string& text) {
    size_t i = 0;
    Json v = parseValue(text, i, 0);
    skipWs(text, i);
    if (i != text.size()) throw std::runtime_error("JSON: trailing characters at " + std::to_string(i));
    return v;
  }

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  double num_ = 0;
  std::string str_;
  std::vector<Json> arr_;
  std::vector<std::pair<std::string, Json>> obj_;

  static void quote(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20) { char buf[8]; std::snprintf(buf, sizeof buf, "\\u%04x", c); out += buf; }
          else out += static_cast<char>(c);
      }
    }
    out += '"';
  }

  void write(std::string& out) const {
    switch (type_) {
      case Type::Null: out += "null"; break;
      case Type::Bool: out += bool_ ? "true" : "false"; break;
      case Type::Number: {
        if (!std::isfinite(num_)) { out += "null"; break; }
        char buf[32];
        if (num_ == std::floor(num_) && std::fabs(num_) < 9e15) std::snprintf(buf, sizeof buf, "%.0f", num_);
        else std::snprintf(buf, sizeof buf, "%.17g", num_);
        out += buf;
        break;
      }
      case Type::String: quote(out, str_); break;
      case Type::Array:
        out += '[';
        for (size_t i = 0; i < arr_.size(); i++) { if (i) out += ','; arr_[i].write(out); }
        out += ']';
        break;
      case Type::Object:
        out += '{';
        for (size_t i = 0; i < obj_.size(); i++) {
          if (i) out += ',';
          quote(out, obj_[i].first);
          out += ':';
          obj_[i].second.write(out);
        }
        out += '}';
        break;
    }
  }

  static void skipWs(const std::string& t, size_t& i) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) i++;
  }
  [[noreturn]] static void fail(const char* what, size_t i) {
    throw std::runtime_error(std::string("JSON: ") + what + " at " + std::to_string(i));
  }
  static std::string parseString(const std::string& t, size_t& i) {
    std::string s;
    i++;  // opening quote
    while (i < t.size() && t[i] != '"') {
      char c = t[i++];
      if (c != '\\') { s += c; continue; }
      if (i >= t.size()) fail("bad escape", i);
      char e = t[i++];
      switch (e) {
        case 'n': s += '\n'; break;
        case 't': s += '\t'; break;
        case 'r': s += '\r'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'u': {
          if (i + 4 > t.size()) fail("bad \\u escape", i);
          unsigned cp = std::stoul(t.substr(i, 4), nullptr, 16);
          i += 4;
          if (cp < 0x80) s += static_cast<char>(cp);
          else if (cp < 0x800) { s += static_cast<char>(0xc0 | (cp >> 6)); s += static_cast<char>(0x80 | (cp & 0x3f)); }
          else { s += static_cast<char>(0xe0 | (cp >> 12)); s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f)); s += static_cast<char>(0x80 | (cp & 0x3f)); }
          break;
        }
        default: s += e;
      }
    }
    if (i >= t.size()) fail("unterminated string", i);
    i++;
    return s;
  }
  static Json parseValue(const std::string& t, size_t& i, int depth) {
    if (depth > 256) fail("nested too deeply", i);
    skipWs(t, i);
    if (i >= t.size()) fail("unexpected end", i);
    char c = t[i];
    if (c == '{') {
      Json o = object();
      i++;
      skipWs(t, i);
      if (i < t.size() && t[i] == '}') { i++; return o; }
      for (;;) {
        skipWs(t, i);
        if (i >= t.size() || t[i] != '"') fail("expected a key", i);
        std::string k = parseString(t, i);
        skipWs(t, i);
        if (i >= t.size() || t[i] != ':') fail("expected ':'", i);
        i++;
        o.obj_.emplace_back(std::move(k), parseValue(t, i, depth + 1));
        skipWs(t, i);
        if (i < t.size() && t[i] == ',') { i++; continue; }
        if (i < t.size() && t[i] == '}') { i++; return o; }
        fail("expected ',' or '}'", i);
      }
    }
    if (c == '[') {
      Json a = array();
      i++;
      skipWs(t, i);
      if (i < t.size() && t[i] == ']') { i++; return a; }
      for (;;) {
        a.arr_.push_back(parseValue(t, i, depth + 1));
        skipWs(t, i);
        if (i < t.size() && t[i] == ',') { i++; continue; }
        if (i < t.size() && t[i] == ']') { i++; return a; }
        fail("expected ',' or ']'", i);
      }
    }
    if (c == '"') return Json(parseString(t, i));
    if (t.compare(i, 4, "true") == 0) { i += 4; return Json(true); }
    if (t.compare(i, 5, "false") == 0) { i += 5; return Json(false); }
    if (t.compare(i, 4, "null") == 0) { i += 4; return Json(); }
    size_t end = i;
    while (end < t.size() && (std::isdigit(static_cast<unsigned char>(t[end])) || t[end] == '-' || t[end] == '+' || t[end] == '.' || t[end] == 'e' || t[end] == 'E')) end++;
    if (end == i) fail("unexpected character", i);
    double d = std::strtod(t.substr(i, end - i).c_str(), nullptr);
    i = end;
    return Json(d);
  }
};

}  // namespace kiln
