// PaddedVersionString: the comparison key of the $v* operators.
#include <string>
#include <string_view>
#include <vector>

#include "campaign/condition_ops_internal.h"
#include "campaign/js_semantics_internal.h"
#include "marquee/campaign/condition.h"

namespace marquee::campaign {
namespace {

bool IsLineTerminator(std::string_view s, size_t i) {
  if (s[i] == '\n' || s[i] == '\r') return true;
  // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
  return s.substr(i, 2) == "\xE2\x80" && i + 2 < s.size() &&
         (s[i + 2] == '\xA8' || s[i + 2] == '\xA9');
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

namespace internal {

void AppendPaddedVersion(std::string_view input, std::string* out) {
  // JavaScript: input.replace(/(^v|\+.*$)/g, ""). "^v" drops a leading v;
  // "\+.*$" drops from the first '+' after which no line terminator follows
  // ('.' does not match one and '$' is the end of the input).
  if (!input.empty() && input[0] == 'v') input.remove_prefix(1);
  size_t last_terminator = std::string_view::npos;
  for (size_t i = 0; i < input.size(); ++i) {
    if (IsLineTerminator(input, i)) last_terminator = i;
  }
  size_t search_from = last_terminator == std::string_view::npos ? 0 : last_terminator + 1;
  size_t plus = input.find('+', search_from);
  if (plus != std::string_view::npos) input = input.substr(0, plus);

  // .split(/[-.]/), a "~" after a plain x.y.z, numeric parts padded to 5.
  // Parts are written as they are found (no vector: this runs per $v*
  // clause evaluated); only the count decides the "~".
  size_t parts = 0;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '-' || input[i] == '.') {
      std::string_view part = input.substr(start, i - start);
      if (parts > 0) out->push_back('-');
      if (AllDigits(part) && part.size() < 5) out->append(5 - part.size(), ' ');
      out->append(part);
      ++parts;
      start = i + 1;
    }
  }
  if (parts == 3) out->append("-~");
}

void PaddedVersionInto(const Value& version, std::string* out) {
  out->clear();
  // `if (typeof input === "number") input = input + ""` then anything that is
  // not a non-empty string becomes "0".
  if (version.is_number()) {
    AppendPaddedVersion(JsNumberToString(version.as_number()), out);
  } else if (!version.is_string() || version.as_string().empty()) {
    AppendPaddedVersion("0", out);
  } else {
    AppendPaddedVersion(version.as_string(), out);
  }
}

}  // namespace internal

std::string PaddedVersionString(std::string_view input) {
  std::string out;
  internal::AppendPaddedVersion(input, &out);
  return out;
}

std::string PaddedVersionString(const Value& version) {
  std::string out;
  internal::PaddedVersionInto(version, &out);
  return out;
}

}  // namespace marquee::campaign
