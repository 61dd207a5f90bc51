// ReadJsonBody, JsonResponse and ApiContext::Error: what every route shares.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "http/media_type.h"
#include "http/text_internal.h"
#include "marquee/http/problem.h"

namespace marquee::http::internal {

Response ApiContext::Error(const Request& request, const absl::Status& error) const {
  if (HttpStatusFor(error) >= 500 && options.on_server_error) {
    options.on_server_error(request, error);
  }
  return ProblemResponse(error);
}

Response JsonResponse(int status, std::string body) {
  Response response{.status = status};
  response.headers.Set("Content-Type", kJsonContentType);
  response.body = std::move(body);
  return response;
}

BodyOrProblem ReadJsonBody(const ApiContext& context, const Request& request,
                           std::string_view media_type) {
  const ApiOptions& options = context.options;
  if (request.body.size() > options.max_body_bytes) {
    return {std::nullopt,
            ProblemResponse(MakeProblem(
                413, absl::StrCat("The body is ", request.body.size(), " bytes; the limit is ",
                                  options.max_body_bytes, " bytes.")))};
  }
  if (absl::Status type = CheckJsonContentType(request.headers, media_type); !type.ok()) {
    return {std::nullopt, ProblemResponse(MakeProblem(415, StdSv(type.message())))};
  }
  if (request.body.empty()) {
    return {std::nullopt, ProblemResponse(MakeProblem(400, "body: empty; send a JSON object"))};
  }
  absl::StatusOr<Json> body = Json::Parse(
      request.body, {.max_bytes = options.max_body_bytes, .max_depth = options.max_json_depth});
  if (!body.ok()) {
    return {std::nullopt,
            ProblemResponse(MakeProblem(400, absl::StrCat("body: ", body.status().message())))};
  }
  return {*std::move(body), Response{}};
}

absl::StatusOr<std::optional<std::string>> SingleQueryParam(const Target& target,
                                                            std::string_view name) {
  std::optional<std::string> value;
  for (const auto& [key, text] : target.query) {
    if (key != name) continue;
    if (value.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": given more than once"));
    }
    value = text;
  }
  return value;
}

std::string Rfc3339Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

Response NotModified(std::string_view etag, std::string_view cache_control) {
  Response response{.status = 304};
  response.headers.Set("ETag", etag);
  response.headers.Set("Cache-Control", cache_control);
  return response;
}

Response ConditionalJson(const ApiContext& context, const Request& request, std::string body,
                         std::string_view opaque, bool weak, std::string_view cache_control) {
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(request, if_none_match.status());
  const std::string etag = absl::StrCat(weak ? "W/" : "", "\"", Sv(opaque), "\"");
  if (if_none_match->has_value() && MatchesWeakOpaque(**if_none_match, opaque)) {
    return NotModified(etag, cache_control);
  }
  Response response = JsonResponse(200, std::move(body));
  response.headers.Set("ETag", etag);
  response.headers.Set("Cache-Control", cache_control);
  return response;
}

absl::StatusOr<std::string> BoundUser(const RouteContext& route,
                                      std::optional<std::string> given) {
  if (route.principal != nullptr && route.principal->user.has_value()) {
    if (given.has_value() && *given != *route.principal->user) {
      return absl::PermissionDeniedError("user: differs from the end-user token's subject");
    }
    return *route.principal->user;
  }
  if (!given.has_value()) return absl::InvalidArgumentError("user: required");
  return *std::move(given);
}

}  // namespace marquee::http::internal
