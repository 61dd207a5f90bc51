// Value <-> JSON: reading a validated Json with simdjson's on-demand parser,
// writing minified text as JSON.stringify does.
#include <simdjson.h>

#include <algorithm>
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

void AppendEscaped(std::string_view s, std::string* out);

// The step to a member, as it is written in the path of an error message:
// .name for identifier-like keys, ["key"] (JSON-escaped, shortened when
// long) for the others.
std::string MemberStep(std::string_view key) {
  auto identifier_char = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
           (!first && c >= '0' && c <= '9');
  };
  bool identifier = !key.empty();
  for (size_t i = 0; i < key.size() && identifier; ++i) {
    identifier = identifier_char(key[i], i == 0);
  }
  constexpr size_t kShownKeyBytes = 64;
  if (identifier && key.size() <= kShownKeyBytes) return "." + std::string(key);
  // An error message needs no more than the start of a long key; stop at a
  // character boundary so the message stays UTF-8.
  bool shortened = key.size() > kShownKeyBytes;
  if (shortened) {
    size_t cut = kShownKeyBytes;
    while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
    key = key.substr(0, cut);
  }
  std::string step = "[";
  AppendEscaped(key, &step);
  if (shortened) step.insert(step.size() - 1, "...");
  step += "]";
  return step;
}

class Reader {
 public:
  // `max_depth`: the effective limit; `requested_depth`: what the caller
  // asked for, named in the error when it was clamped.
  Reader(uint32_t max_depth, uint32_t requested_depth)
      : max_depth_(max_depth), requested_depth_(requested_depth) {}

  // Reads a whole document.
  absl::StatusOr<Value> ReadDocument(od::document& doc) {
    absl::StatusOr<Value> v = Read(doc, 0);
    if (!v.ok() && too_deep_) return TooDeepError();
    return v;
  }

 private:
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

  // Too deep: the array or object at `depth` is not read. The path to it is
  // collected while the reads unwind (see steps_), so a document within the
  // limit pays nothing for it.
  absl::Status CheckDepth(uint32_t depth) {
    if (depth <= max_depth_) return absl::OkStatus();
    too_deep_ = true;
    return absl::InvalidArgumentError("too deep");  // replaced by TooDeepError
  }

  absl::Status TooDeepError() const {
    // steps_ is innermost first. A path of a few hundred steps says no more
    // than its ends, so only those are shown.
    constexpr size_t kShownFirst = 8, kShownLast = 4;
    std::string path = "$";
    const size_t n = steps_.size();
    for (size_t i = 0; i < n; ++i) {
      if (n > kShownFirst + kShownLast + 1 && i == kShownFirst) {
        absl::StrAppend(&path, "...(", n - kShownFirst - kShownLast, " steps)...");
        i = n - kShownLast;
      }
      path += steps_[n - 1 - i];
    }
    std::string limit = absl::StrCat("the depth limit of ", max_depth_);
    if (requested_depth_ > max_depth_) {
      absl::StrAppend(&limit, " (kMaxValueDepth; max_depth ", requested_depth_,
                      " is clamped to it)");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nesting at ", path, " exceeds ", limit));
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
      if (!read.ok()) {
        if (too_deep_) steps_.push_back(absl::StrCat("[", elements.size(), "]"));
        return read.status();
      }
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
      if (!read.ok()) {
        if (too_deep_) steps_.push_back(MemberStep(key_copy));
        return read.status();
      }
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
  uint32_t requested_depth_;
  bool too_deep_ = false;
  // After a depth error: the steps from the too-deep value up to the root,
  // innermost first.
  std::vector<std::string> steps_;
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

// ValueLimits::max_depth as applied: no Value nests deeper than
// kMaxValueDepth, so a larger limit would let Value::Array / Value::Object
// turn the deepest parts of an accepted document into null.
uint32_t EffectiveDepth(const ValueLimits& limits) {
  return std::min(limits.max_depth, kMaxValueDepth);
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
    Reader reader(EffectiveDepth(limits), limits.max_depth);
    return reader.ReadDocument(doc);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory reading a JSON document");
  }
}

absl::StatusOr<Value> Value::Parse(std::string_view text, const ValueLimits& limits) {
  absl::StatusOr<Json> json = Json::Parse(
      text, JsonLimits{.max_bytes = limits.max_bytes, .max_depth = EffectiveDepth(limits)});
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
