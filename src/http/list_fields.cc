// The `fields` parameter of the lists (list_fields.h).
#include "http/list_fields.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_split.h"
#include "marquee/campaign/value.h"

namespace marquee::http::internal {
namespace {

constexpr size_t kMaxFields = 32;

bool IsMemberName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseFieldsParam(std::string_view text) {
  std::vector<std::string> fields;
  for (const absl::string_view piece :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',')) {
    const std::string_view name(piece.data(), piece.size());
    if (!IsMemberName(name)) {
      return absl::InvalidArgumentError(
          "fields: a comma-separated list of member names ([A-Za-z0-9_], 1..64 bytes)");
    }
    if (name == "id") continue;  // always there
    fields.emplace_back(name);
    if (fields.size() > kMaxFields) return absl::InvalidArgumentError("fields: more than 32 names");
  }
  return fields;
}

absl::StatusOr<std::string> ProjectMembers(std::string_view item,
                                           const std::vector<std::string>& fields) {
  absl::StatusOr<campaign::Value> value = campaign::Value::Parse(item);
  if (!value.ok() || !value->is_object()) {
    return absl::InvalidArgumentError("a list item is not a JSON object");
  }
  std::vector<campaign::Value::Member> kept;
  for (const campaign::Value::Member& m : value->members()) {
    if (m.first == "id" || std::find(fields.begin(), fields.end(), m.first) != fields.end()) {
      kept.push_back(m);
    }
  }
  return campaign::Value::Object(std::move(kept)).ToJsonText();
}

}  // namespace marquee::http::internal
