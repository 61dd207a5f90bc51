// What the routes of marquee::http::Api share: the options, the cursor
// codec, and the helpers every handler uses to read a body and to answer.
#ifndef MARQUEE_SRC_HTTP_API_INTERNAL_H_
#define MARQUEE_SRC_HTTP_API_INTERNAL_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "http/list_cursor.h"
#include "http/router.h"
#include "marquee/http/api.h"
#include "marquee/http/message.h"
#include "marquee/json.h"

namespace marquee::http::internal {

inline constexpr std::string_view kJsonContentType = "application/json";

struct ApiContext {
  ApiOptions options;
  ListCursors cursors;

  // ProblemResponse(error), after handing a 5xx's `error` to
  // options.on_server_error (the only place its message goes).
  Response Error(const Request& request, const absl::Status& error) const;
};

// A `status` response with a JSON body (Content-Type application/json).
Response JsonResponse(int status, std::string body);

// The JSON body of `request`, or the problem to answer instead: 413 (larger
// than max_body_bytes), 415 (not application/json), 400 (empty, malformed,
// deeper than max_json_depth).
struct BodyOrProblem {
  std::optional<Json> body;
  Response problem;
};
BodyOrProblem ReadJsonBody(const ApiContext& context, const Request& request);

// Registers /healthz and /readyz.
[[nodiscard]] absl::Status AddHealthRoutes(const ApiContext* context, Router* router);

// Registers /v1/campaigns and /v1/campaigns/{id}.
[[nodiscard]] absl::Status AddCampaignRoutes(const ApiContext* context, Router* router);

// The handler of GET /v1/campaigns (campaign_list.cc).
Response ListCampaigns(const ApiContext& context, const RouteContext& route);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_API_INTERNAL_H_
