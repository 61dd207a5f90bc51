// Byte-level helpers for JSON text shared by json.cc, record.cc and the
// index code: UTF-8 checking and RFC 8259 string escaping.
#ifndef MARQUEE_SRC_INTERNAL_JSON_TEXT_H_
#define MARQUEE_SRC_INTERNAL_JSON_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace marquee::internal {

// The four whitespace characters RFC 8259 allows between tokens.
inline bool IsJsonWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Length (1..4) of the well-formed UTF-8 sequence that starts at `p`, or 0
// when the bytes at `p` are not one (overlong forms, surrogates, code points
// above U+10FFFF and truncated sequences are all rejected). REQUIRES: p < end.
inline size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = p[0];
  if (lead < 0x80) return 1;
  const size_t available = static_cast<size_t>(end - p);
  auto continuation = [&](size_t i, unsigned char lo, unsigned char hi) {
    return i < available && p[i] >= lo && p[i] <= hi;
  };
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    // E0 needs A0.. (no overlongs); ED needs ..9F (no UTF-16 surrogates).
    const unsigned char lo = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, lo, hi) && continuation(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    // F0 needs 90.. (no overlongs); F4 needs ..8F (nothing above U+10FFFF).
    const unsigned char lo = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, lo, hi) && continuation(2, 0x80, 0xBF) &&
                   continuation(3, 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

// Offset of the first byte of the first ill-formed UTF-8 sequence in
// `text`, or std::string_view::npos when all of it is well-formed.
size_t FindInvalidUtf8(std::string_view text);

// Appends `value` to `out` as a JSON string literal, quotes included:
// '"' '\\' and the control characters with a short form are escaped as
// \" \\ \b \f \n \r \t, other control characters as \u00XX. Ill-formed
// UTF-8 bytes become U+FFFD, so the output is always valid JSON; callers
// that must reject such input check FindInvalidUtf8 first.
void AppendJsonString(std::string_view value, std::string* out);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_JSON_TEXT_H_
