// Entity-tag lists: parsing (RFC 9110 §8.8.3 grammar) and comparison.
#include "http/conditional.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/text_internal.h"

namespace marquee::http::internal {
namespace {

constexpr size_t kMaxTags = 64;

// etagc = %x21 / %x23-7E / obs-text
bool IsEtagChar(char c) {
  const auto byte = static_cast<uint8_t>(c);
  return byte == 0x21 || (byte >= 0x23 && byte != 0x7F);
}

}  // namespace

std::string StrongEtag(uint64_t version) { return absl::StrCat("\"", version, "\""); }

absl::StatusOr<std::optional<EntityTagCondition>> ParseEntityTagCondition(const Headers& headers,
                                                                          std::string_view name) {
  std::vector<std::string_view> fields = headers.GetAll(name);
  if (fields.empty()) return std::optional<EntityTagCondition>();
  auto malformed = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": ", Sv(why)));
  };
  EntityTagCondition condition;
  size_t elements = 0;
  for (std::string_view field : fields) {
    std::string_view rest = TrimOws(field);
    while (!rest.empty()) {
      if (rest.front() == ',') {  // empty list elements are allowed (RFC 9110 §5.6.1)
        rest = TrimOws(rest.substr(1));
        continue;
      }
      if (rest.front() == '*') {
        condition.any = true;
        rest.remove_prefix(1);
      } else {
        EntityTag tag;
        if (rest.size() >= 2 && rest[0] == 'W' && rest[1] == '/') {
          tag.weak = true;
          rest.remove_prefix(2);
        }
        if (rest.empty() || rest.front() != '"') return malformed("expected a quoted entity-tag");
        const size_t close = rest.find('"', 1);
        if (close == std::string_view::npos) return malformed("unterminated entity-tag");
        tag.opaque = std::string(rest.substr(1, close - 1));
        for (char c : tag.opaque) {
          if (!IsEtagChar(c)) return malformed("entity-tag holds a character that is not allowed");
        }
        rest.remove_prefix(close + 1);
        if (condition.tags.size() == kMaxTags) {
          return malformed(absl::StrCat("more than ", kMaxTags, " entity-tags"));
        }
        condition.tags.push_back(std::move(tag));
      }
      ++elements;
      rest = TrimOws(rest);
      if (!rest.empty() && rest.front() != ',')
        return malformed("expected ',' between entity-tags");
    }
  }
  if (elements == 0) return malformed("empty");
  if (condition.any && !condition.tags.empty())
    return malformed("'*' cannot be combined with tags");
  return std::optional<EntityTagCondition>(std::move(condition));
}

bool MatchesStrong(const EntityTagCondition& condition, uint64_t version) {
  if (condition.any) return true;
  const std::string opaque = absl::StrCat(version);
  for (const EntityTag& tag : condition.tags) {
    if (!tag.weak && tag.opaque == opaque) return true;
  }
  return false;
}

bool MatchesWeak(const EntityTagCondition& condition, uint64_t version) {
  return MatchesWeakOpaque(condition, absl::StrCat(version));
}

bool MatchesWeakOpaque(const EntityTagCondition& condition, std::string_view opaque) {
  if (condition.any) return true;
  for (const EntityTag& tag : condition.tags) {
    if (tag.opaque == opaque) return true;
  }
  return false;
}

std::string BodyTagOpaque(std::string_view body) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : body) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[i] = kHex[hash & 0xF];
  return out;
}

}  // namespace marquee::http::internal
