// Making a Json without Json::Parse, for bytes whose validity the library
// has proven itself.
//
// Json::Parse validates any text, reports where it is wrong and minifies it;
// that costs about as much as simdjson's full parse. Text the library wrote
// itself (record bodies in envelopes, the log, snapshots) is already
// minified, and a much cheaper check proves it valid: with no whitespace to
// skip, one pass over the tokens with the same string and number checks as
// Parse (json_grammar.h) and a vectorized UTF-8 check suffice. That check is
// still a full validation, so hostile bytes can never become a Json whose
// text is not valid JSON; what it skips is minification and error reporting,
// and text it refuses goes to Json::Parse, which reports or minifies.
#ifndef MARQUEE_SRC_INTERNAL_JSON_TRUSTED_H_
#define MARQUEE_SRC_INTERNAL_JSON_TRUSTED_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "marquee/json.h"

namespace marquee::internal {

// The friend of Json that may wrap bytes without parsing them.
class JsonTrust {
 public:
  // Wraps `bytes` as a Json. REQUIRES: `bytes` is valid JSON as Json::Parse
  // defines it, minified (Parse would return it unchanged), and followed by
  // Json::kPadding zero bytes inside its capacity (PadWithZeros does that).
  static Json Adopt(std::string bytes);
};

// Gives `*bytes` capacity for Json::kPadding zero bytes after its size.
void PadWithZeros(std::string* bytes);

// True when `text` is valid JSON as Json::Parse with `max_depth` defines it,
// nests at most 64 levels deep, and is already minified (no whitespace
// outside strings), so Parse would return it unchanged. The byte limit is
// the caller's to apply. False says nothing more: invalid, or not minified,
// or deeper than 64 levels.
// REQUIRES: text.data() is followed by at least Json::kPadding zero bytes.
bool IsValidMinifiedJson(std::string_view text, uint32_t max_depth);

// A Json holding a copy of `text` when IsValidMinifiedJson(text, max_depth);
// nullopt otherwise: call Json::Parse then, for its error or its minified
// form.
std::optional<Json> ParseMinifiedJson(std::string_view text, uint32_t max_depth);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_JSON_TRUSTED_H_
