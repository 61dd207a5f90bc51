// Typed reading of campaign and segment bodies (campaign_fields_internal.h).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "campaign/campaign_fields_internal.h"
#include "internal/absl_strings.h"

namespace marquee::campaign::internal {
namespace {

using ::marquee::internal::Sv;
namespace od = simdjson::ondemand;

absl::Status TypeError(std::string_view path, std::string_view expected, const Value& got) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(path), ": expected ", Sv(expected), ", got ",
                                                 Sv(ValueTypeName(got.type()))));
}

absl::Status SimdjsonError(simdjson::error_code error) {
  // The Json was validated already, so simdjson refusing it is a bug.
  return absl::InternalError(
      absl::StrCat("reading a validated campaign body failed: ", simdjson::error_message(error)));
}

// The exact text of the value `v` (an object or array whole, a scalar's token).
simdjson::error_code RawText(od::value v, std::string_view* out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == od::json_type::object) {
    od::object o;
    if (auto e = v.get_object().get(o)) return e;
    return o.raw_json().get(*out);
  }
  if (type == od::json_type::array) {
    od::array a;
    if (auto e = v.get_array().get(a)) return e;
    return a.raw_json().get(*out);
  }
  *out = v.raw_json_token();
  // A token's text runs to the next structural character; the body is
  // minified, but trim anyway so the view is the value alone.
  while (!out->empty() && (out->back() == ' ' || out->back() == '\n' || out->back() == '\r' ||
                           out->back() == '\t')) {
    out->remove_suffix(1);
  }
  return simdjson::SUCCESS;
}

simdjson::error_code ReadVariants(od::value v, RawCampaignMembers* out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type != od::json_type::array) return simdjson::SUCCESS;
  out->contents.clear();
  od::array variants;
  if (auto e = v.get_array().get(variants)) return e;
  for (auto element : variants) {
    od::value variant;
    if (auto e = element.get(variant)) return e;
    std::optional<std::string_view> content;
    od::json_type element_type;
    if (auto e = variant.type().get(element_type)) return e;
    if (element_type == od::json_type::object) {
      od::object object;
      if (auto e = variant.get_object().get(object)) return e;
      for (auto field : object) {
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        od::value member;
        if (auto e = field.value().get(member)) return e;
        if (key == "content") {
          std::string_view text;
          if (auto e = RawText(member, &text)) return e;
          content = text;
        }  // other members are skipped by the iteration
      }
    }
    out->contents.push_back(content);
  }
  return simdjson::SUCCESS;
}

}  // namespace

std::string MemberPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return absl::StrCat(Sv(path), ".", Sv(key));
}

std::string ElementPath(std::string_view path, size_t i) {
  return absl::StrCat(Sv(path), "[", i, "]");
}

BodyReader::BodyReader(const Value& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) status_ = TypeError(path_.empty() ? "body" : path_, "an object", object_);
}

void BodyReader::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

const Value* BodyReader::Lookup(std::string_view key, bool required) {
  if (!status_.ok()) return nullptr;
  read_.emplace_back(key);
  const Value* v = object_.Find(key);
  if (v == nullptr && required) Fail(absl::InvalidArgumentError(absl::StrCat(Path(key), ": missing")));
  return v;
}

const Value* BodyReader::Any(std::string_view key, bool required) { return Lookup(key, required); }

const Value* BodyReader::Object(std::string_view key, bool required) {
  const Value* v = Lookup(key, required);
  if (v != nullptr && !v->is_object()) {
    Fail(TypeError(Path(key), "an object", *v));
    return nullptr;
  }
  return v;
}

const Value* BodyReader::Array(std::string_view key, bool required) {
  const Value* v = Lookup(key, required);
  if (v != nullptr && !v->is_array()) {
    Fail(TypeError(Path(key), "an array", *v));
    return nullptr;
  }
  return v;
}

std::optional<std::string> BodyReader::String(std::string_view key, bool required) {
  const Value* v = Lookup(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Fail(TypeError(Path(key), "a string", *v));
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::optional<double> BodyReader::Number(std::string_view key, bool required) {
  const Value* v = Lookup(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    Fail(TypeError(Path(key), "a number", *v));
    return std::nullopt;
  }
  return v->as_number();
}

std::optional<int64_t> BodyReader::Integer(std::string_view key, bool required) {
  const Value* v = Lookup(key, required);
  if (v == nullptr) return std::nullopt;
  constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1
  if (!v->is_number()) {
    Fail(TypeError(Path(key), "an integer", *v));
    return std::nullopt;
  }
  const double d = v->as_number();
  if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > kMaxSafe) {
    Fail(absl::InvalidArgumentError(
        absl::StrCat(Path(key), ": expected an integer, got ", v->ToJsonText())));
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

std::optional<bool> BodyReader::Bool(std::string_view key, bool required) {
  const Value* v = Lookup(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    Fail(TypeError(Path(key), "a boolean", *v));
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::vector<std::string>> BodyReader::Strings(std::string_view key, bool required) {
  const Value* v = Array(key, required);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Value& e = v->At(i);
    if (!e.is_string()) {
      Fail(TypeError(ElementPath(Path(key), i), "a string", e));
      return std::nullopt;
    }
    out.emplace_back(e.as_string());
  }
  return out;
}

absl::Status BodyReader::Finish() {
  if (!status_.ok()) return status_;
  for (const Value::Member& m : object_.members()) {
    if (std::find(read_.begin(), read_.end(), m.first) == read_.end()) {
      // Cap the echoed key: it comes from outside.
      return absl::InvalidArgumentError(
          absl::StrCat(Path(std::string_view(m.first).substr(0, 128)), ": unknown member"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RawCampaignMembers> ReadRawCampaignMembers(const Json& body) {
  thread_local od::parser parser;
  const std::string& bytes = body.padded_bytes();
  od::document doc;
  if (auto e = parser.iterate(bytes.data(), bytes.size(), bytes.capacity()).get(doc)) {
    return SimdjsonError(e);
  }
  RawCampaignMembers out;
  od::object top;
  if (auto e = doc.get_object().get(top)) return SimdjsonError(e);
  for (auto field : top) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return SimdjsonError(e);
    od::value member;
    if (auto e = field.value().get(member)) return SimdjsonError(e);
    simdjson::error_code e = simdjson::SUCCESS;
    if (key == "attributes" || key == "rules") {
      std::string_view text;
      e = RawText(member, &text);
      (key == "attributes" ? out.attributes : out.rules) = text;
    } else if (key == "variants") {
      e = ReadVariants(member, &out);
    }  // other members are skipped by the iteration
    if (e) return SimdjsonError(e);
  }
  return out;
}

absl::StatusOr<Json> JsonOfRaw(std::string_view text, std::string_view path) {
  absl::StatusOr<Json> json = Json::Parse(text);
  if (!json.ok()) {
    return absl::Status(json.status().code(),
                        absl::StrCat(Sv(path), ": ", json.status().message()));
  }
  return json;
}

}  // namespace marquee::campaign::internal
