// ReadJsonBody, JsonResponse and ApiContext::Error: what every route shares.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
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

BodyOrProblem ReadJsonBody(const ApiContext& context, const Request& request) {
  const ApiOptions& options = context.options;
  if (request.body.size() > options.max_body_bytes) {
    return {std::nullopt,
            ProblemResponse(MakeProblem(
                413, absl::StrCat("The body is ", request.body.size(), " bytes; the limit is ",
                                  options.max_body_bytes, " bytes.")))};
  }
  if (absl::Status type = CheckJsonContentType(request.headers); !type.ok()) {
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

}  // namespace marquee::http::internal
