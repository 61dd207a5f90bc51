// JavaScript regular-expression syntax on RE2.
//
// GrowthBook evaluates $regex with `new RegExp(pattern)` (no flags; $regexi
// adds "i"): non-unicode mode with the web-compatibility syntax of ECMAScript
// Annex B. TranslateJsRegex rewrites such a pattern into RE2 syntax with the
// same meaning wherever RE2 can express it, so "\s", ".", "\u00e9", "a{",
// "[^]" or "\q" mean in Marquee what they mean in the JavaScript SDK.
// Case-insensitivity is translated too (JavaScript folds by toUpperCase of
// single UTF-16 units, which is not RE2's Unicode folding), so the result is
// compiled case-sensitive.
//
// Remaining differences (documented in marquee/campaign/condition.h):
// subjects and patterns are read as code points, not UTF-16 units (a non-BMP
// character is one character for ".", classes and quantifiers); RE2 caps
// counted repetition at 1000 (larger counts evaluate as an invalid
// pattern); backreferences and lookaround are rejected.
// Thread-safety: pure functions.
//
//   absl::StatusOr<std::string> re2_text = TranslateJsRegex("^\\s*a{", false);
//   // -> "^[\\x{9}-\\x{D}...]*a\\{" style text for RE2, compiled case-sensitive.
#ifndef MARQUEE_SRC_CAMPAIGN_JS_REGEX_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_JS_REGEX_INTERNAL_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace marquee::campaign::internal {

// Longest translated text produced. Translation is linear in the pattern,
// but one class under case folding can expand to a few dozen KB, so the
// output is capped here (checked as it grows); RE2's max_mem (kRegexMaxMem)
// then bounds the compiled program.
inline constexpr size_t kMaxTranslatedRegexBytes = size_t{1} << 20;

// The RE2 pattern (for case-sensitive RE2 options) matching what JavaScript's
// `new RegExp(js_pattern, case_insensitive ? "i" : "")` matches. `js_pattern`
// is UTF-8 (WTF-8: lone surrogates as their 3-byte form).
// Errors: InvalidArgument when JavaScript would throw a SyntaxError (the
// message names the problem and its character offset), when the pattern uses
// what RE2 cannot run (backreferences, lookahead, lookbehind), when it is not
// valid UTF-8, or when the translation would exceed kMaxTranslatedRegexBytes.
[[nodiscard]] absl::StatusOr<std::string> TranslateJsRegex(std::string_view js_pattern,
                                                           bool case_insensitive);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_JS_REGEX_INTERNAL_H_
