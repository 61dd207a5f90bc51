// The fast validity check for minified JSON, and the only place a Json is
// made from bytes without Json::Parse (see internal/json_trusted.h).
//
// Minified text has no whitespace, so the check is one loop over tokens
// with no lookahead: a value, then ',' or a closing bracket. Strings and
// numbers go through the same checks as Json::Parse (json_grammar.h); UTF-8
// is checked once for the whole text by simdjson, as Parse's stage 1 does.
// Anything the loop does not expect, whitespace included, is a refusal,
// never a guess: the caller then runs Json::Parse.
#include "internal/json_trusted.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "internal/json_grammar.h"

namespace marquee::internal {
namespace {

// Open containers are kept as bits of one word: bit i set means level i + 1
// is an object. Deeper documents are refused here and left to Json::Parse.
constexpr uint32_t kTrackedDepth = 64;

bool IsNumberByte(char c) {
  return IsJsonDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// `*p` is at a literal's first byte; moves past it if the literal is there.
// Reads past the text into its zero padding at most, which never matches.
template <size_t N>
bool SkipLiteral(const char** p, const char (&literal)[N]) {
  if (std::memcmp(*p, literal, N - 1) != 0) return false;
  *p += N - 1;
  return true;
}

// `*p` is where an object member is due: a key string, then ':'.
bool SkipKey(const char** p) {
  if (**p != '"') return false;
  JsonSyntaxError error;
  const char* close = ScanJsonString(*p + 1, &error);
  if (close == nullptr || close[1] != ':') return false;
  *p = close + 2;
  return true;
}

}  // namespace

Json JsonTrust::Adopt(std::string bytes) {
  return Json(std::make_shared<const std::string>(std::move(bytes)));
}

void PadWithZeros(std::string* bytes) {
  const size_t size = bytes->size();
  bytes->resize(size + Json::kPadding);
  bytes->resize(size);
}

bool IsValidMinifiedJson(std::string_view text, uint32_t max_depth) {
  if (!simdjson::validate_utf8(text.data(), text.size())) return false;
  const uint32_t depth_limit = std::min(max_depth, kTrackedDepth);
  const char* p = text.data();
  const char* const end = p + text.size();
  uint64_t objects = 0;
  uint32_t depth = 0;
  JsonSyntaxError error;  // the reason is not needed: a refusal goes to Parse
  for (;;) {
    // A value starts at p.
    switch (*p) {
      case '{':
      case '[': {
        if (depth == depth_limit) return false;
        const bool object = *p == '{';
        const uint64_t bit = uint64_t{1} << depth;
        objects = object ? objects | bit : objects & ~bit;
        ++depth;
        ++p;
        if (*p == (object ? '}' : ']')) {  // empty: a whole value
          ++p;
          --depth;
          break;
        }
        if (object && !SkipKey(&p)) return false;
        continue;  // the container's first value
      }
      case '"':
        p = ScanJsonString(p + 1, &error);
        if (p == nullptr) return false;
        ++p;
        break;
      case 't':
        if (!SkipLiteral(&p, "true")) return false;
        break;
      case 'f':
        if (!SkipLiteral(&p, "false")) return false;
        break;
      case 'n':
        if (!SkipLiteral(&p, "null")) return false;
        break;
      default: {
        const char* start = p;
        while (IsNumberByte(*p)) ++p;
        if (p == start || !CheckJsonNumber(start, p, &error)) return false;
        break;
      }
    }
    // A value ended at p: close what it completes, then a ',' and the next
    // value, or the end of the text.
    for (;;) {
      if (depth == 0) return p == end;
      const bool object = ((objects >> (depth - 1)) & 1) != 0;
      if (*p == ',') {
        ++p;
        if (object && !SkipKey(&p)) return false;
        break;
      }
      if (*p != (object ? '}' : ']')) return false;
      ++p;
      --depth;
    }
  }
}

std::optional<Json> ParseMinifiedJson(std::string_view text, uint32_t max_depth) {
  std::string bytes;
  bytes.reserve(text.size() + Json::kPadding);
  bytes.assign(text.data(), text.size());
  PadWithZeros(&bytes);
  if (!IsValidMinifiedJson(bytes, max_depth)) return std::nullopt;
  return JsonTrust::Adopt(std::move(bytes));
}

}  // namespace marquee::internal
