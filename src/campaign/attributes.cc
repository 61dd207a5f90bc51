// Hash attributes and JavaScript's string conversions (attributes_internal.h).
#include <optional>
#include <string>
#include <string_view>

#include "campaign/attributes_internal.h"
#include "campaign/js_semantics_internal.h"
#include "marquee/campaign/evaluator.h"

namespace marquee::campaign::internal {
namespace {

// resolveAttribute: a literal key first (a key may itself contain a dot),
// then the dot path.
const Value* Resolve(const Value& attributes, std::string_view key) {
  if (const Value* v = attributes.Find(key)) return v;
  return attributes.GetPath(key);
}

}  // namespace

HashAttribute GetHashAttribute(const Value& attributes, std::string_view attribute,
                               std::optional<std::string_view> fallback) {
  HashAttribute out;
  out.attribute = attribute.empty() ? std::string_view("id") : attribute;
  out.value = Resolve(attributes, out.attribute);
  if ((out.value == nullptr || !IsTruthy(*out.value)) && fallback && !fallback->empty()) {
    const Value* v = Resolve(attributes, *fallback);
    // As the JavaScript SDK: the fallback's value is taken even when falsy,
    // its name only when truthy.
    if (v != nullptr && IsTruthy(*v)) out.attribute = *fallback;
    out.value = v;
  }
  return out;
}

std::string_view HashText(const Value& value, std::string& scratch) {
  if (value.is_string()) return value.as_string();
  scratch.clear();
  AppendJsString(value, &scratch);
  return scratch;
}

std::string_view StickyText(const Value& value, std::string& scratch) {
  if (value.is_string()) return value.as_string();
  scratch = value.ToJsonText();
  return scratch;
}

const Value& EmptyString() {
  static const Value* const kEmpty = new Value(Value::String(""));
  return *kEmpty;
}

}  // namespace marquee::campaign::internal
