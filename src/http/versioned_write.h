// The steps that the PUT, PATCH and DELETE routes of every versioned
// resource share (campaigns, segments, polls, feature definitions, webhook
// subscriptions): If-Match against the stored version (required for PUT and
// PATCH, 428 without it; optional for DELETE), 412 when it names another
// version, and the merge patch body (RFC 7396) applied over the current
// representation under the body limits. Each route keeps what is its own:
// how a body becomes the model, the write call and what a refused write
// means.
//
//   CurrentOrProblem<Segment> current = ReadForWrite<Segment>(
//       context, route, "segment", id, [&] { return campaigns->GetSegment(id); });
//   if (!current.value) return std::move(current.problem);
#ifndef MARQUEE_SRC_HTTP_VERSIONED_WRITE_H_
#define MARQUEE_SRC_HTTP_VERSIONED_WRITE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "http/router.h"
#include "marquee/json.h"

namespace marquee::http::internal {

// 412: "The <noun> '<id>' has changed: its ETag does not match If-Match."
Response PreconditionFailedFor(std::string_view noun, std::string_view id);

// The If-Match of `route`'s request: the condition, none when absent, or
// the problem to answer (400 for a malformed header; 428 when `required`
// and absent, naming `noun`).
struct IfMatchOrProblem {
  std::optional<EntityTagCondition> condition;
  std::optional<Response> problem;
};
IfMatchOrProblem ReadIfMatch(const ApiContext& context, const RouteContext& route,
                             std::string_view noun, bool required);

// A PATCH body: a JSON object sent as application/merge-patch+json, or the
// problem (413, 415, 400; "body: a merge patch of a <noun> must be an
// object").
BodyOrProblem ReadMergePatch(const ApiContext& context, const RouteContext& route,
                             std::string_view noun);

// `target` with `patch` applied (campaign::ApplyMergePatch) under
// max_body_bytes and max_json_depth.
// Errors: InvalidArgument (the merged document breaks a limit).
[[nodiscard]] absl::StatusOr<Json> MergePatchOver(const ApiContext& context, const Json& target,
                                                  const Json& patch);

// The stored resource `id` a PUT or PATCH replaces, read with `read` (a
// callable returning absl::StatusOr<T>, T having `version`) after its
// required If-Match; or the problem: 400/428 for the header, the read's
// error (404, 503, ...), 412 when the stored version is not the one named.
template <typename T>
struct CurrentOrProblem {
  std::optional<T> value;
  Response problem;
};
template <typename T, typename Read>
CurrentOrProblem<T> ReadForWrite(const ApiContext& context, const RouteContext& route,
                                 std::string_view noun, std::string_view id, Read read) {
  IfMatchOrProblem if_match = ReadIfMatch(context, route, noun, /*required=*/true);
  if (if_match.problem) return {std::nullopt, *std::move(if_match.problem)};
  absl::StatusOr<T> current = read();
  if (!current.ok()) return {std::nullopt, context.Error(route.request, current.status())};
  if (!MatchesStrong(*if_match.condition, current->version)) {
    return {std::nullopt, PreconditionFailedFor(noun, id)};
  }
  return {*std::move(current), Response{}};
}

// The version a DELETE expects: none without If-Match, else the stored
// version read with `read` when the header names it; or the problem as
// for ReadForWrite.
struct ExpectedOrProblem {
  std::optional<uint64_t> version;
  std::optional<Response> problem;
};
template <typename Read>
ExpectedOrProblem ExpectedVersionForDelete(const ApiContext& context, const RouteContext& route,
                                           std::string_view noun, std::string_view id, Read read) {
  IfMatchOrProblem if_match = ReadIfMatch(context, route, noun, /*required=*/false);
  if (if_match.problem) return {std::nullopt, std::move(if_match.problem)};
  if (!if_match.condition) return {};
  auto current = read();
  if (!current.ok()) return {std::nullopt, context.Error(route.request, current.status())};
  if (!MatchesStrong(*if_match.condition, current->version)) {
    return {std::nullopt, PreconditionFailedFor(noun, id)};
  }
  return {current->version, std::nullopt};
}

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_VERSIONED_WRITE_H_
