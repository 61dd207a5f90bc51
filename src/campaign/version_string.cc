// PaddedVersionString: the comparison key of the $v* operators.
#include <string>
#include <string_view>
#include <vector>

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

std::string PaddedVersionString(std::string_view input) {
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
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '-' || input[i] == '.') {
      parts.push_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() == 3) parts.push_back("~");
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('-');
    if (AllDigits(parts[i]) && parts[i].size() < 5) out.append(5 - parts[i].size(), ' ');
    out.append(parts[i]);
  }
  return out;
}

std::string PaddedVersionString(const Value& version) {
  // `if (typeof input === "number") input = input + ""` then anything that is
  // not a non-empty string becomes "0".
  if (version.is_number()) {
    return PaddedVersionString(internal::JsNumberToString(version.as_number()));
  }
  if (!version.is_string() || version.as_string().empty()) return PaddedVersionString("0");
  return PaddedVersionString(version.as_string());
}

}  // namespace marquee::campaign
