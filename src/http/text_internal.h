// Small text helpers of marquee::http: ASCII case folding, whitespace
// trimming, the bridge between std::string_view and Debian's
// absl::string_view, and UTF-8 validation.
#ifndef MARQUEE_SRC_HTTP_TEXT_INTERNAL_H_
#define MARQUEE_SRC_HTTP_TEXT_INTERNAL_H_

#include <string>
#include <string_view>

#include "internal/absl_strings.h"

namespace marquee::http::internal {

using ::marquee::internal::StdSv;
using ::marquee::internal::Sv;

inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Equality of two ASCII strings ignoring case (header names, tokens).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// `text` without leading and trailing spaces and tabs (HTTP's OWS).
inline std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, at
// most U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_TEXT_INTERNAL_H_
