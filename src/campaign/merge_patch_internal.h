// Reading the members of minified JSON text without a DOM.
//
// A Json's text is validated and minified, so its tokens can be walked with
// a few byte tests: no whitespace, strings end at the first unescaped quote.
// The merge patch and the profile and privacy code use this to take objects
// apart while keeping every value byte for byte (numbers are never turned
// into doubles and back).
// REQUIRES everywhere: the text is valid minified JSON (a Json's text, or
// one value inside it).
#ifndef MARQUEE_SRC_CAMPAIGN_MERGE_PATCH_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_MERGE_PATCH_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace marquee::campaign::internal {

// The position just after the value that starts at `pos`.
size_t SkipJsonValue(std::string_view text, size_t pos);

// The text of a string literal without quotes, unescaped to UTF-8.
std::string UnescapeJsonString(std::string_view escaped);

struct JsonMember {
  std::string_view raw_key{};  // as written, escapes kept, no quotes
  std::string key{};           // unescaped
  std::string_view value{};    // the member's value text
};

// The members of an object in document order (a repeated key appears each
// time). An empty vector when `text` is not an object.
std::vector<JsonMember> JsonObjectMembers(std::string_view text);

// The value of member `key` of an object (its last occurrence); nullopt when
// absent or when `text` is not an object.
std::optional<std::string_view> FindJsonMember(std::string_view text, std::string_view key);

// Nesting of arrays and objects: 0 for a scalar, 1 for [] and {"a":1}.
uint32_t JsonNestingDepth(std::string_view text);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_MERGE_PATCH_INTERNAL_H_
