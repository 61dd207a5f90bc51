#include "http/versioned_write.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "http/text_internal.h"
#include "marquee/campaign/merge_patch.h"
#include "marquee/http/problem.h"

namespace marquee::http::internal {

Response PreconditionFailedFor(std::string_view noun, std::string_view id) {
  return ProblemResponse(MakeProblem(
      412, absl::StrCat("The ", Sv(noun), " '", Sv(id),
                        "' has changed: its ETag does not match If-Match. Read it again.")));
}

IfMatchOrProblem ReadIfMatch(const ApiContext& context, const RouteContext& route,
                             std::string_view noun, bool required) {
  absl::StatusOr<std::optional<EntityTagCondition>> if_match =
      ParseEntityTagCondition(route.request.headers, "If-Match");
  if (!if_match.ok()) return {std::nullopt, context.Error(route.request, if_match.status())};
  if (!if_match->has_value() && required) {
    return {std::nullopt,
            ProblemResponse(MakeProblem(
                428, absl::StrCat("If-Match is required: send the ETag of the ", Sv(noun),
                                  " you read, so a concurrent change is not overwritten.")))};
  }
  return {*std::move(if_match), std::nullopt};
}

BodyOrProblem ReadMergePatch(const ApiContext& context, const RouteContext& route,
                             std::string_view noun) {
  BodyOrProblem patch = ReadJsonBody(context, route.request, "application/merge-patch+json");
  if (patch.body.has_value() &&
      (patch.body->text().empty() || patch.body->text().front() != '{')) {
    return {std::nullopt,
            ProblemResponse(MakeProblem(
                400, absl::StrCat("body: a merge patch of a ", Sv(noun), " must be an object")))};
  }
  return patch;
}

absl::StatusOr<Json> MergePatchOver(const ApiContext& context, const Json& target,
                                    const Json& patch) {
  return campaign::ApplyMergePatch(
      target, patch,
      {.max_bytes = context.options.max_body_bytes, .max_depth = context.options.max_json_depth});
}

}  // namespace marquee::http::internal
