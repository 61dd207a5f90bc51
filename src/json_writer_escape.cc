// JSON string escaping for JsonWriter.
//
// Most string bytes need nothing: the scan copies runs of them, testing eight
// bytes at a time with SWAR (SIMD within a register) arithmetic, and stops
// only at bytes that may need work: '"', '\\', control characters, any byte
// >= 0x80 (to check UTF-8) and, in script-safe mode, '<'.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "internal/json_writer_escape.h"

namespace marquee::internal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the scans read words as little-endian: the first byte is the lowest");

constexpr uint64_t kEachByte = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Marks bytes of `w` equal to `c`. The lowest mark is exact; marks above a
// true one may be spurious (a borrow runs upward), so callers use only the
// lowest.
inline uint64_t BytesEqual(uint64_t w, unsigned char c) {
  const uint64_t x = w ^ (kEachByte * c);
  return (x - kEachByte) & ~x & kHighBits;
}

// Marks the bytes a string scan must stop at (see the top of this file).
inline uint64_t StopBytes(uint64_t w, bool script_safe) {
  // A byte below 0x20 borrows into its high bit when 0x20 is subtracted; a
  // byte >= 0x80 has its high bit already.
  uint64_t stops = ((w - kEachByte * 0x20) | w) & kHighBits;
  stops |= BytesEqual(w, '"') | BytesEqual(w, '\\');
  if (script_safe) stops |= BytesEqual(w, '<');
  return stops;
}

inline bool IsStopByte(unsigned char c, bool script_safe) {
  return c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || (script_safe && c == '<');
}

// The first stop byte in [p, end), or end.
const unsigned char* SkipPlain(const unsigned char* p, const unsigned char* end,
                               bool script_safe) {
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    const uint64_t stops = StopBytes(word, script_safe);
    if (stops != 0) return p + std::countr_zero(stops) / 8;
    p += 8;
  }
  while (p < end && !IsStopByte(*p, script_safe)) ++p;
  return p;
}

void AppendUnicodeEscape(unsigned code, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char escape[] = {'\\', 'u', kHex[(code >> 12) & 0xF], kHex[(code >> 8) & 0xF],
                         kHex[(code >> 4) & 0xF], kHex[code & 0xF]};
  out->append(escape, sizeof escape);
}

// Appends the escape of ASCII byte `c` (a control character, '"', '\\' or '<').
void AppendAsciiEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"': out->append("\\\""); break;
    case '\\': out->append("\\\\"); break;
    case '\b': out->append("\\b"); break;
    case '\f': out->append("\\f"); break;
    case '\n': out->append("\\n"); break;
    case '\r': out->append("\\r"); break;
    case '\t': out->append("\\t"); break;
    default: AppendUnicodeEscape(c, out); break;  // other controls, and '<'
  }
}

bool IsLineOrParagraphSeparator(const unsigned char* p) {
  // U+2028 is E2 80 A8, U+2029 is E2 80 A9.
  return p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9);
}

}  // namespace

size_t PlainPrefixLength(std::string_view value, bool script_safe) {
  const auto* begin = reinterpret_cast<const unsigned char*>(value.data());
  return static_cast<size_t>(SkipPlain(begin, begin + value.size(), script_safe) - begin);
}

Utf8Span ScanUtf8(const unsigned char* p, const unsigned char* end) {
  // Table 3-7 of the Unicode standard: the lead byte fixes the length and
  // the range of the second byte; later bytes are 80..BF.
  const unsigned char lead = p[0];
  size_t need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlong forms
    if (lead == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    if (lead == 0xF0) lo = 0x90;  // no overlong forms
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {.length = 1, .valid = false};  // 80..C1, F5..FF never start a sequence
  }
  const auto available = static_cast<size_t>(end - p);
  size_t length = 1;
  if (length < available && p[1] >= lo && p[1] <= hi) {
    ++length;
    while (length < need && length < available && p[length] >= 0x80 && p[length] <= 0xBF) {
      ++length;
    }
  }
  return {.length = length, .valid = length == need};
}

size_t AppendJsonStringLiteral(std::string_view value, const StringEscaping& escaping,
                               std::string* out) {
  const auto* const begin = reinterpret_cast<const unsigned char*>(value.data());
  const auto* const end = begin + value.size();
  out->reserve(out->size() + value.size() + 2);
  out->push_back('"');
  // [run, p) is copied as it is; well-formed UTF-8 stays in the run, so text
  // that is mostly non-ASCII is not appended one character at a time.
  const unsigned char* run = begin;
  const unsigned char* p = begin;
  for (;;) {
    p = SkipPlain(p, end, escaping.script_safe);
    if (p == end) break;
    Utf8Span span{.length = 1, .valid = false};
    if (*p >= 0x80) {
      span = ScanUtf8(p, end);
      const bool separator =
          escaping.script_safe && span.length == 3 && IsLineOrParagraphSeparator(p);
      if (span.valid && !separator) {
        p += span.length;
        continue;
      }
    }
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (*p < 0x80) {
      AppendAsciiEscape(*p, out);
    } else if (span.valid) {  // U+2028 or U+2029 in script-safe mode
      AppendUnicodeEscape(p[2] == 0xA8 ? 0x2028 : 0x2029, out);
    } else if (escaping.replace_invalid_utf8) {
      out->append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
    } else {
      return static_cast<size_t>(p - begin);
    }
    p += span.length;
    run = p;
  }
  out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(end - run));
  out->push_back('"');
  return std::string_view::npos;
}

void AppendScriptSafeJson(std::string_view json, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(json.data());
  const auto* const end = p + json.size();
  out->reserve(out->size() + json.size());
  for (;;) {
    const unsigned char* run = p;
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, sizeof word);
      const uint64_t stops = BytesEqual(word, '<') | BytesEqual(word, 0xE2);
      if (stops != 0) {
        p += std::countr_zero(stops) / 8;
        break;
      }
      p += 8;
    }
    while (p < end && *p != '<' && *p != 0xE2) ++p;
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) return;
    if (*p == '<') {
      AppendUnicodeEscape('<', out);
      ++p;
    } else if (end - p >= 3 && IsLineOrParagraphSeparator(p)) {
      AppendUnicodeEscape(p[2] == 0xA8 ? 0x2028 : 0x2029, out);
      p += 3;
    } else {
      out->push_back(static_cast<char>(*p));
      ++p;
    }
  }
}

}  // namespace marquee::internal
