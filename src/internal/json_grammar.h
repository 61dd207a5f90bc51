// RFC 8259 token checks shared by the two validators of JSON text: the full
// parser (json.cc, any valid document) and the fast check of minified text
// (json_trusted.cc). One copy, so the two cannot disagree about what a
// string or a number is. Inline: both call them once per token.
#ifndef MARQUEE_SRC_INTERNAL_JSON_GRAMMAR_H_
#define MARQUEE_SRC_INTERNAL_JSON_GRAMMAR_H_

#include <bit>
#include <cstdint>
#include <cstring>

namespace marquee::internal {

// Where a token check failed and why (a static string).
struct JsonSyntaxError {
  const char* at = nullptr;
  const char* reason = nullptr;
};

inline bool FailJsonSyntax(JsonSyntaxError* error, const char* at, const char* reason) {
  error->at = at;
  error->reason = reason;
  return false;
}

inline bool IsJsonDigit(char c) { return c >= '0' && c <= '9'; }

inline bool ReadJsonHex4(const char* p, uint32_t* out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    uint32_t d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    v = (v << 4) | d;
  }
  *out = v;
  return true;
}

// Marks the bytes of `w` that are '"', '\\' or below 0x20, the bytes a
// string scan has to stop at (SWAR zero-byte tests). The lowest set bit is
// exact; bits above it may be spurious, so only the first one is used.
inline uint64_t JsonStringStopBytes(uint64_t w) {
  constexpr uint64_t kEachByte = 0x0101010101010101ULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  const uint64_t below_space = (w - kEachByte * 0x20) & ~w & kHighBits;
  const uint64_t q = w ^ (kEachByte * '"');
  const uint64_t quote = (q - kEachByte) & ~q & kHighBits;
  const uint64_t b = w ^ (kEachByte * '\\');
  const uint64_t backslash = (b - kEachByte) & ~b & kHighBits;
  return below_space | quote | backslash;
}

// `p` is at a backslash inside a string; returns the byte after the escape
// sequence, or nullptr with `*error` set. Lone surrogates are rejected: the
// document must unescape to valid UTF-8 (simdjson rejects them as well).
inline const char* ScanJsonEscape(const char* p, JsonSyntaxError* error) {
  switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      return p + 2;
    case 'u':
      break;
    default:
      FailJsonSyntax(error, p, "invalid escape sequence");
      return nullptr;
  }
  uint32_t unit = 0;
  if (!ReadJsonHex4(p + 2, &unit)) {
    FailJsonSyntax(error, p, "\\u must be followed by four hex digits");
    return nullptr;
  }
  if (unit >= 0xDC00 && unit <= 0xDFFF) {
    FailJsonSyntax(error, p, "unpaired low surrogate escape");
    return nullptr;
  }
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    uint32_t low = 0;
    if (p[6] != '\\' || p[7] != 'u' || !ReadJsonHex4(p + 8, &low) || low < 0xDC00 ||
        low > 0xDFFF) {
      FailJsonSyntax(error, p, "unpaired high surrogate escape");
      return nullptr;
    }
    return p + 12;
  }
  return p + 6;
}

// Scans a string body starting just after its opening quote; returns the
// closing quote, or nullptr with `*error` set. Checks escapes and control
// characters, not UTF-8 (callers validate the whole text first).
// REQUIRES: the text is followed by at least 16 zero bytes: the scan reads
// up to 11 bytes past any byte of the string, and a zero byte stops a
// string that never closes.
inline const char* ScanJsonString(const char* p, JsonSyntaxError* error) {
  static_assert(std::endian::native == std::endian::little,
                "the scan reads words as little-endian");
  for (;;) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    const uint64_t stops = JsonStringStopBytes(word);
    if (stops == 0) {
      p += sizeof word;
      continue;
    }
    p += std::countr_zero(stops) / 8;
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') return p;
    if (c < 0x20) {
      FailJsonSyntax(error, p, "control character in string must be escaped");
      return nullptr;
    }
    p = ScanJsonEscape(p, error);
    if (p == nullptr) return nullptr;
  }
}

// Checks that [p, end) is exactly one RFC 8259 number. Magnitude is not
// limited: 1e400 and 100-digit integers are valid JSON.
inline bool CheckJsonNumber(const char* p, const char* end, JsonSyntaxError* error) {
  if (p != end && *p == '-') ++p;
  if (p == end || !IsJsonDigit(*p)) return FailJsonSyntax(error, p, "expected a digit");
  if (*p == '0') {
    ++p;
    if (p != end && IsJsonDigit(*p)) {
      return FailJsonSyntax(error, p, "leading zeros are not allowed");
    }
  } else {
    while (p != end && IsJsonDigit(*p)) ++p;
  }
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !IsJsonDigit(*p)) return FailJsonSyntax(error, p, "expected a digit after '.'");
    while (p != end && IsJsonDigit(*p)) ++p;
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !IsJsonDigit(*p)) {
      return FailJsonSyntax(error, p, "expected a digit in the exponent");
    }
    while (p != end && IsJsonDigit(*p)) ++p;
  }
  if (p != end) return FailJsonSyntax(error, p, "invalid number");
  return true;
}

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_JSON_GRAMMAR_H_
