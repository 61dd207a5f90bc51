// Walking minified JSON text (merge_patch_internal.h).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/merge_patch_internal.h"

namespace marquee::campaign::internal {
namespace {

// The position just after the string literal whose opening quote is at pos.
size_t SkipString(std::string_view text, size_t pos) {
  size_t i = pos + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\\') {
      i += 2;  // the escaped character (or the 'u' of \uXXXX) cannot be a quote
    } else if (c == '"') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return text.size();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;  // unreachable for validated text
}

uint32_t ReadHex4(std::string_view s, size_t pos) {
  uint32_t v = 0;
  for (size_t k = 0; k < 4 && pos + k < s.size(); ++k) v = v * 16 + HexDigit(s[pos + k]);
  return v;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

size_t SkipJsonValue(std::string_view text, size_t pos) {
  if (pos >= text.size()) return text.size();
  const char first = text[pos];
  if (first == '"') return SkipString(text, pos);
  if (first == '{' || first == '[') {
    size_t depth = 0;
    size_t i = pos;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = SkipString(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return text.size();
  }
  // A number or a literal: it ends at the next structural character.
  size_t i = pos;
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']') ++i;
  return i;
}

std::string UnescapeJsonString(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c != '\\' || i + 1 >= escaped.size()) {
      out.push_back(c);
      continue;
    }
    const char e = escaped[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        uint32_t cp = ReadHex4(escaped, i + 1);
        i += 4;
        // Json refuses lone surrogates, so a high one is followed by \uDC00..
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < escaped.size() &&
            escaped[i + 1] == '\\' && escaped[i + 2] == 'u') {
          const uint32_t low = ReadHex4(escaped, i + 3);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        AppendUtf8(cp, &out);
        break;
      }
      default: out.push_back(e); break;  // " \ /
    }
  }
  return out;
}

std::vector<JsonMember> JsonObjectMembers(std::string_view text) {
  std::vector<JsonMember> members;
  if (text.size() < 2 || text[0] != '{') return members;
  size_t i = 1;
  while (i < text.size() && text[i] != '}') {
    const size_t key_end = SkipString(text, i);  // text[i] == '"'
    JsonMember member;
    member.raw_key = text.substr(i + 1, key_end - i - 2);
    member.key = member.raw_key.find('\\') == std::string_view::npos
                     ? std::string(member.raw_key)
                     : UnescapeJsonString(member.raw_key);
    const size_t value_begin = key_end + 1;  // after ':'
    const size_t value_end = SkipJsonValue(text, value_begin);
    member.value = text.substr(value_begin, value_end - value_begin);
    members.push_back(std::move(member));
    i = value_end;
    if (i < text.size() && text[i] == ',') ++i;
  }
  return members;
}

std::optional<std::string_view> FindJsonMember(std::string_view text, std::string_view key) {
  std::optional<std::string_view> found;
  for (const JsonMember& member : JsonObjectMembers(text)) {
    if (member.key == key) found = member.value;
  }
  return found;
}

uint32_t JsonNestingDepth(std::string_view text) {
  uint32_t depth = 0, deepest = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      i = SkipString(text, i);
      continue;
    }
    if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
    ++i;
  }
  return deepest;
}

}  // namespace marquee::campaign::internal
