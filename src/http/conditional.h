// Entity tags and conditional requests (RFC 9110 §8.8.3, §13): strong ETags
// made from record versions, If-Match / If-None-Match lists and their
// comparison functions.
#ifndef MARQUEE_SRC_HTTP_CONDITIONAL_H_
#define MARQUEE_SRC_HTTP_CONDITIONAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

// The strong ETag of a record version: "\"42\"".
std::string StrongEtag(uint64_t version);

struct EntityTag {
  bool weak = false;
  std::string opaque;  // between the quotes
};

// The value of an If-Match or If-None-Match header, all fields of that name
// together.
struct EntityTagCondition {
  bool any = false;  // "*"
  std::vector<EntityTag> tags;
};

// The condition in the fields named `name`; none when there is no such
// field.
// Errors: InvalidArgument (malformed list, "*" mixed with tags, more than
// 64 tags), naming the header.
[[nodiscard]] absl::StatusOr<std::optional<EntityTagCondition>> ParseEntityTagCondition(
    const Headers& headers, std::string_view name);

// If-Match: strong comparison against the current version.
bool MatchesStrong(const EntityTagCondition& condition, uint64_t version);

// If-None-Match: weak comparison against the current version.
bool MatchesWeak(const EntityTagCondition& condition, uint64_t version);

// If-None-Match: weak comparison against an entity-tag whose opaque part
// (between the quotes) is `opaque`.
bool MatchesWeakOpaque(const EntityTagCondition& condition, std::string_view opaque);

// An opaque tag for a representation that is no record: 16 hex digits of
// the FNV-1a 64-bit hash of `body` (stable across processes and nodes).
std::string BodyTagOpaque(std::string_view body);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_CONDITIONAL_H_
