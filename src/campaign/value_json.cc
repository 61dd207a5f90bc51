// Value <-> JSON: reading a validated Json with simdjson's on-demand parser,
// writing minified text as JSON.stringify does.
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "campaign/js_semantics_internal.h"
#include "marquee/campaign/value.h"
#include "marquee/json.h"

namespace marquee::campaign {
namespace {

namespace od = simdjson::ondemand;

absl::Status ReadError(simdjson::error_code error) {
  // Json already validated the text, so this means simdjson and Json
  // disagree; say so rather than pretend the input was bad.
  return absl::InternalError(
      absl::StrCat("reading validated JSON failed: ", simdjson::error_message(error)));
}

class Reader {
 public:
  explicit Reader(uint32_t max_depth) : max_depth_(max_depth) {}

  // Reads `v` (a value or the document itself) at nesting `depth`.
  template <typename V>
  absl::StatusOr<Value> Read(V& v, uint32_t depth) {
    od::json_type type;
    if (auto e = v.type().get(type)) return ReadError(e);
    switch (type) {
      case od::json_type::array: return ReadArray(v, depth + 1);
      case od::json_type::object: return ReadObject(v, depth + 1);
      case od::json_type::number: return ReadNumber(v);
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return ReadError(e);
        return Value::String(std::string(s));
      }
      case od::json_type::boolean: {
        bool b = false;
        if (auto e = v.get_bool().get(b)) return ReadError(e);
        return Value::Bool(b);
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return ReadError(e);
        return Value();
      }
    }
    return ReadError(simdjson::INCORRECT_TYPE);
  }

 private:
  absl::Status CheckDepth(uint32_t depth) const {
    if (depth > max_depth_) {
      return absl::InvalidArgumentError(
          absl::StrCat("JSON nests deeper than the limit of ", max_depth_));
    }
    return absl::OkStatus();
  }

  template <typename V>
  absl::StatusOr<Value> ReadArray(V& v, uint32_t depth) {
    if (absl::Status s = CheckDepth(depth); !s.ok()) return s;
    od::array array;
    if (auto e = v.get_array().get(array)) return ReadError(e);
    std::vector<Value> elements;
    for (auto element : array) {
      od::value child;
      if (auto e = element.get(child)) return ReadError(e);
      absl::StatusOr<Value> read = Read(child, depth);
      if (!read.ok()) return read.status();
      elements.push_back(*std::move(read));
    }
    return Value::Array(std::move(elements));
  }

  template <typename V>
  absl::StatusOr<Value> ReadObject(V& v, uint32_t depth) {
    if (absl::Status s = CheckDepth(depth); !s.ok()) return s;
    od::object object;
    if (auto e = v.get_object().get(object)) return ReadError(e);
    std::vector<Value::Member> members;
    for (auto field : object) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return ReadError(e);
      std::string key_copy(key);  // the key's buffer is reused by the next read
      od::value child = field.value();
      absl::StatusOr<Value> read = Read(child, depth);
      if (!read.ok()) return read.status();
      members.emplace_back(std::move(key_copy), *std::move(read));
    }
    return Value::Object(std::move(members));
  }

  template <typename V>
  absl::StatusOr<Value> ReadNumber(V& v) {
    // The number's own text, read as JavaScript reads it: correctly
    // rounded, and out of double range (1e400) +-Infinity or 0 as JSON.parse
    // gives, where simdjson would refuse.
    std::string_view raw;
    if constexpr (std::is_same_v<decltype(v.raw_json_token()), std::string_view>) {
      raw = v.raw_json_token();
    } else {
      if (auto e = v.raw_json_token().get(raw)) return ReadError(e);
    }
    return Value::Number(internal::JsStringToNumber(raw));
  }

  uint32_t max_depth_;
};

void AppendEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[(c >> 4) & 0xF]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendJson(const Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kNull: *out += "null"; return;
    case ValueType::kBool: *out += v.as_bool() ? "true" : "false"; return;
    case ValueType::kNumber:
      if (!std::isfinite(v.as_number())) {
        *out += "null";
      } else {
        *out += internal::JsNumberToString(v.as_number());
      }
      return;
    case ValueType::kString: AppendEscaped(v.as_string(), out); return;
    case ValueType::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.elements()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(e, out);
      }
      out->push_back(']');
      return;
    }
    case ValueType::kObject: {
      out->push_back('{');
      bool first = true;
      for (const Value::Member& m : v.members()) {
        if (!first) out->push_back(',');
        first = false;
        AppendEscaped(m.first, out);
        out->push_back(':');
        AppendJson(m.second, out);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

absl::StatusOr<Value> Value::FromJson(const Json& json, const ValueLimits& limits) {
  if (json.size() > limits.max_bytes) {
    return absl::OutOfRangeError(absl::StrCat("JSON document of ", json.size(),
                                              " bytes exceeds the limit of ",
                                              limits.max_bytes));
  }
  // One parser per thread: it keeps its buffers between documents.
  thread_local od::parser parser;
  const std::string& bytes = json.padded_bytes();
  try {
    od::document doc;
    if (auto e = parser.iterate(bytes.data(), bytes.size(), bytes.capacity()).get(doc)) {
      return ReadError(e);
    }
    Reader reader(limits.max_depth);
    return reader.Read(doc, 0);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory reading a JSON document");
  }
}

absl::StatusOr<Value> Value::Parse(std::string_view text, const ValueLimits& limits) {
  absl::StatusOr<Json> json =
      Json::Parse(text, JsonLimits{.max_bytes = limits.max_bytes, .max_depth = limits.max_depth});
  if (!json.ok()) return json.status();
  return FromJson(*json, limits);
}

std::string Value::ToJsonText() const {
  std::string out;
  AppendJson(*this, &out);
  return out;
}

absl::StatusOr<Json> Value::ToJson() const {
  // Json::Parse re-validates: only a Value built by hand with a string that
  // is not UTF-8 can fail here.
  return Json::Parse(ToJsonText(), JsonLimits{.max_bytes = size_t{1} << 32,
                                              .max_depth = kMaxValueDepth});
}

}  // namespace marquee::campaign
