// marquee/campaign/merge_patch.h — JSON merge patch (RFC 7396).
//
// ApplyMergePatch changes a JSON document by a patch that looks like it:
// a member whose patch value is null is removed, a member whose patch value
// is an object is merged recursively, anything else replaces the member; a
// patch that is not an object replaces the whole target. Profiles are
// updated this way (profile.h); so is any other body a host wants to change
// partially.
// Decisions where the RFC leaves room:
//   - Values are kept byte for byte as written (numbers are never rounded
//     through a double), and members keep their order: the target's
//     members first, in place, then the members the patch adds, in the
//     patch's order.
//   - Keys compare by their unescaped text ("\u0061" is "a"). An object that
//     repeats a key counts its last occurrence, as Json's readers do; the
//     result never repeats a key.
//   - The result must pass `limits` (size and nesting), like any Json parsed
//     from outside; the target is never changed (Json is immutable).
// Thread-safety: a pure function.
//
//   Json target = *Json::Parse(R"({"name":"Ada","tags":["a"],"plan":{"tier":"free"}})");
//   Json patch = *Json::Parse(R"({"tags":null,"plan":{"tier":"pro"}})");
//   absl::StatusOr<Json> merged = ApplyMergePatch(target, patch);
//   // merged->text() == R"({"name":"Ada","plan":{"tier":"pro"}})"
#ifndef MARQUEE_CAMPAIGN_MERGE_PATCH_H_
#define MARQUEE_CAMPAIGN_MERGE_PATCH_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee::campaign {

// Patch objects nest at most this deep, whatever JsonLimits::max_depth says
// (the merge recurses once per level).
inline constexpr uint32_t kMaxMergePatchDepth = 256;

// The target after the patch (RFC 7396, section 2).
// Errors: InvalidArgument (the result is larger than limits.max_bytes or
// nests deeper than limits.max_depth; the patch itself nests deeper than
// limits.max_depth or kMaxMergePatchDepth), ResourceExhausted (out of memory).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> ApplyMergePatch(const Json& target,
                                                                  const Json& patch,
                                                                  const JsonLimits& limits = {});

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_MERGE_PATCH_H_
