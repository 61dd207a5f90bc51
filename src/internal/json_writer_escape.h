// String escaping for JsonWriter (marquee/json_writer.h): RFC 8259 §7
// escapes, the optional script-safe escapes and the handling of ill-formed
// UTF-8, kept apart from the writer's state machine so tests can check them
// directly. The library's one string escaper: Json::FromString and
// internal::AppendJsonString (json_text.h) call AppendJsonStringLiteral too.
#ifndef MARQUEE_SRC_INTERNAL_JSON_WRITER_ESCAPE_H_
#define MARQUEE_SRC_INTERNAL_JSON_WRITER_ESCAPE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace marquee::internal {

struct StringEscaping {
  // Escape '<' as \u003c and U+2028 / U+2029 as \u2028 / \u2029.
  bool script_safe = false;
  // Write U+FFFD for each maximal ill-formed subpart instead of failing.
  bool replace_invalid_utf8 = false;
};

// The ill-formed or well-formed UTF-8 sequence that starts at some byte.
struct Utf8Span {
  size_t length = 0;  // bytes it covers, 1..4
  bool valid = false;  // a whole well-formed sequence; else a maximal
                       // ill-formed subpart (Unicode §3.9, D93b)
};

// The sequence starting at `p`. REQUIRES: p < end and *p >= 0x80.
Utf8Span ScanUtf8(const unsigned char* p, const unsigned char* end);

// Length of the longest prefix of `value` that a string literal holds as it
// is (no escape, ASCII only). When it is the whole value the literal is just
// the value in quotes, the common case callers can write in one step.
size_t PlainPrefixLength(std::string_view value, bool script_safe);

// Appends `value` to `*out` as a JSON string literal, quotes included.
// Returns std::string_view::npos, or, when the value is not valid UTF-8 and
// replace_invalid_utf8 is off, the offset in `value` of the first bad byte;
// `*out` then holds a partial literal that the caller must discard.
size_t AppendJsonStringLiteral(std::string_view value, const StringEscaping& escaping,
                               std::string* out);

// Appends valid JSON text with '<', U+2028 and U+2029 escaped as above. In
// valid JSON those characters can only appear inside strings, so no string
// tracking is needed. REQUIRES: `json` is valid JSON.
void AppendScriptSafeJson(std::string_view json, std::string* out);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_JSON_WRITER_ESCAPE_H_
