#include "internal/field_projection.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/json_text.h"
#include "internal/json_values.h"

namespace marquee::internal {
namespace {

// The scanners below read text that Json::Parse validated and minified, so
// they need no error handling; they still never step past the end.

// Position just past the string whose opening quote is at `pos`.
size_t StringEnd(std::string_view text, size_t pos) {
  size_t i = pos + 1;
  while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
  return std::min(i + 1, text.size());
}

// Position just past the value that starts at `pos`.
size_t ValueEnd(std::string_view text, size_t pos) {
  if (pos >= text.size()) return text.size();
  const char first = text[pos];
  if (first == '"') return StringEnd(text, pos);
  if (first == '{' || first == '[') {
    size_t depth = 0;
    size_t i = pos;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = StringEnd(text, i);
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
  size_t i = pos;
  while (i < text.size() && text[i] != ',' && text[i] != ']' && text[i] != '}') ++i;
  return i;
}

uint32_t HexValue(std::string_view hex) {
  uint32_t value = 0;
  for (char c : hex) {
    value <<= 4;
    if (c >= '0' && c <= '9') value |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') value |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') value |= static_cast<uint32_t>(c - 'A' + 10);
  }
  return value;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// The unescaped content of a JSON string literal's body (quotes removed), so
// a body key written "caf\u00e9" matches the pointer "/café".
std::string Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out.push_back(raw[i]);
      continue;
    }
    const char escape = raw[++i];
    switch (escape) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        if (i + 4 >= raw.size()) return out;
        uint32_t code_point = HexValue(raw.substr(i + 1, 4));
        i += 4;
        // A high surrogate is followed by \uDC00..\uDFFF (validated by Parse).
        if (code_point >= 0xD800 && code_point <= 0xDBFF && i + 6 < raw.size() &&
            raw[i + 1] == '\\' && raw[i + 2] == 'u') {
          const uint32_t low = HexValue(raw.substr(i + 3, 4));
          code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        AppendUtf8(code_point, &out);
        break;
      }
      default: out.push_back(escape); break;  // \" \\ \/
    }
  }
  return out;
}

// The array index a pointer token names: digits without a leading zero.
std::optional<size_t> ArrayIndex(std::string_view token) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return {};
  size_t index = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return {};
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return index;
}

// The pointer's tokens, unescaped (~1 is '/', ~0 is '~').
// REQUIRES: ValidateJsonPointer(pointer).ok() and !pointer.empty().
std::vector<std::string> Tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  for (size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '/') {
      tokens.emplace_back();
    } else if (pointer[i] == '~') {
      tokens.back().push_back(pointer[++i] == '1' ? '/' : '~');
    } else {
      tokens.back().push_back(pointer[i]);
    }
  }
  return tokens;
}

}  // namespace

absl::StatusOr<FieldProjection> FieldProjection::Create(const std::vector<std::string>& fields,
                                                        size_t max_fields) {
  if (fields.size() > max_fields) {
    return absl::InvalidArgumentError(absl::StrCat("the fieldset names ", fields.size(),
                                                   " fields; the limit is ", max_fields));
  }
  FieldProjection projection;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& field = fields[i];
    if (field.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field ", i, " is the pointer \"\", which is the whole body; leave the fieldset "
          "empty to get whole bodies"));
    }
    if (absl::Status status = ValidateJsonPointer(field); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("field ", i, ": ", status.message()));
    }
    Node* node = &projection.root_;
    for (std::string& token : Tokens(field)) {
      if (node->whole) break;  // an earlier, shorter pointer already selects all of it
      auto child = std::find_if(node->children.begin(), node->children.end(),
                                [&](const Node& n) { return n.key == token; });
      if (child == node->children.end()) {
        node->children.push_back(Node{.key = std::move(token), .whole = false, .children = {}});
        child = std::prev(node->children.end());
      }
      node = &*child;
    }
    if (!node->whole) {
      node->whole = true;
      node->children.clear();
    }
  }
  return projection;
}

std::optional<std::string> FieldProjection::Project(const Node& node, std::string_view value) {
  if (value.empty() || (value[0] != '{' && value[0] != '[')) return std::nullopt;
  std::vector<std::optional<std::string_view>> found(node.children.size());
  const bool is_object = value[0] == '{';
  size_t pos = 1;
  size_t element = 0;
  while (pos < value.size() && value[pos] != '}' && value[pos] != ']') {
    std::string key;
    if (is_object) {
      const size_t key_end = StringEnd(value, pos);
      key = Unescape(value.substr(pos + 1, key_end - pos - 2));
      pos = key_end + 1;  // past ':'
    }
    const size_t end = ValueEnd(value, pos);
    const std::string_view member = value.substr(pos, end - pos);
    for (size_t j = 0; j < node.children.size(); ++j) {
      // Later duplicates overwrite earlier ones: the last key counts.
      if (is_object ? node.children[j].key == key
                    : ArrayIndex(node.children[j].key) == element) {
        found[j] = member;
      }
    }
    ++element;
    pos = end;
    if (pos < value.size() && value[pos] == ',') ++pos;
  }
  std::string out = "{";
  for (size_t j = 0; j < node.children.size(); ++j) {
    if (!found[j]) continue;
    const Node& child = node.children[j];
    std::optional<std::string> selected =
        child.whole ? std::optional<std::string>(std::string(*found[j])) : Project(child, *found[j]);
    if (!selected) continue;
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(child.key, &out);
    out.push_back(':');
    out.append(*selected);
  }
  if (out.size() == 1) return std::nullopt;
  out.push_back('}');
  return out;
}

absl::StatusOr<Json> FieldProjection::Apply(const Json& body) const {
  std::string text = Project(root_, body.text()).value_or("{}");
  // The result is no deeper than the body and at most as long plus the keys.
  const size_t size = text.size();
  absl::StatusOr<Json> json =
      Json::Parse(text, {.max_bytes = size + 1, .max_depth = 1u << 16});
  if (!json.ok()) {
    return absl::InternalError(absl::StrCat("projected body is not valid JSON: ",
                                            json.status().message()));
  }
  return json;
}

}  // namespace marquee::internal
