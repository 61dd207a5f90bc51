// What the routes of marquee::http::Api share: the options, the cursor
// codec, and the helpers every handler uses to read a body and to answer.
#ifndef MARQUEE_SRC_HTTP_API_INTERNAL_H_
#define MARQUEE_SRC_HTTP_API_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "http/router.h"
#include "marquee/http/api.h"
#include "marquee/http/message.h"
#include "marquee/api_view.h"
#include "marquee/cache.h"
#include "marquee/json.h"
#include "marquee/page.h"

namespace marquee::http::internal {

inline constexpr std::string_view kJsonContentType = "application/json";

class StreamHub;

// A representation and the record version it was rendered from.
struct RenderedBody {
  uint64_t version = 0;
  std::string text;
};

struct ApiContext {
  ApiOptions options;
  // Pages of the lists served straight from the store (record_list.h,
  // campaign_list.cc), their cursors signed with ApiOptions::cursor_key.
  std::unique_ptr<Paginator> paginator{};
  // The wire shape of campaigns per API version (campaign_shape.h).
  ApiViews campaign_views{};
  // Campaign representations already rendered, keyed "<api version>/<id>"
  // and valid for the record version they carry: a GET of an unchanged
  // campaign copies bytes instead of decoding and re-encoding the record
  // (campaign_routes.cc). Bounded by bytes; never stale, since a hit is
  // used only when its version is the stored one.
  std::shared_ptr<Cache<RenderedBody>> campaign_bodies{};
  // The live event streams and their heartbeat thread (poll_routes.cc);
  // set by AddPollRoutes when polls are served.
  std::shared_ptr<StreamHub> streams{};

  // ProblemResponse(error), after handing a 5xx's `error` to
  // options.on_server_error (the only place its message goes).
  Response Error(const Request& request, const absl::Status& error) const;
};

// A `status` response with a JSON body (Content-Type application/json).
Response JsonResponse(int status, std::string body);

// The JSON body of `request`, or the problem to answer instead: 413 (larger
// than max_body_bytes), 415 (not application/json), 400 (empty, malformed,
// deeper than max_json_depth, or an object repeating a member name:
// "variants[0].key: given more than once").
struct BodyOrProblem {
  std::optional<Json> body;
  Response problem;
};
// `media_type`: the JSON media type the route takes (415 for another).
BodyOrProblem ReadJsonBody(const ApiContext& context, const Request& request,
                           std::string_view media_type = kJsonContentType);

// The user a delivery request acts for. With a verified end-user token
// (route.principal->user) that is its subject: a `given` user must equal
// it, and may be left out. Without one, `given` is required.
// Errors: InvalidArgument ("user: required"), PermissionDenied (`given`
// differs from the token's subject: nobody acts as someone else).
[[nodiscard]] absl::StatusOr<std::string> BoundUser(const RouteContext& route,
                                                    std::optional<std::string> given);

// The `limit` of a list: 1..max_page_size in decimal, larger values
// (however large) clamped to max_page_size (record_list.cc).
// Errors: InvalidArgument ("limit: must be a whole number from 1 to N").
[[nodiscard]] absl::StatusOr<size_t> ParsePageLimit(std::string_view text,
                                                    const ApiOptions& options);

// The single value of the query parameter `name`; none when absent.
// Errors: InvalidArgument ("<name>: given more than once").
[[nodiscard]] absl::StatusOr<std::optional<std::string>> SingleQueryParam(
    const Target& target, std::string_view name);

// `t` as RFC 3339 in UTC with a 'Z' and sub-seconds only when there are
// some ("2026-03-01T09:00:00Z"), as the domain's records write instants.
std::string Rfc3339Utc(absl::Time t);

// A 304 carrying `etag` and `cache_control` (RFC 9110 §15.4.5).
Response NotModified(std::string_view etag, std::string_view cache_control);

// The answer to a GET whose representation is `body` with the tag whose
// opaque part is `opaque` (`weak`: W/"..."): 304 when If-None-Match matches
// it, else 200 with the body; ETag and `cache_control` on both. A malformed
// If-None-Match is a 400.
Response ConditionalJson(const ApiContext& context, const Request& request, std::string body,
                         std::string_view opaque, bool weak, std::string_view cache_control);

class RequestMetrics;

// Registers GET /metrics: `metrics` (which Api::Handle feeds), then the
// options' extra_metrics, as Prometheus text.
[[nodiscard]] absl::Status AddMetricsRoute(const ApiContext* context,
                                           const RequestMetrics* metrics, Router* router);

// Registers /healthz and /readyz.
[[nodiscard]] absl::Status AddHealthRoutes(const ApiContext* context, Router* router);

// Registers /v1/campaigns and /v1/campaigns/{id}.
[[nodiscard]] absl::Status AddCampaignRoutes(const ApiContext* context, Router* router);

// Each registers its group's routes when its ApiOptions pointer is set,
// and nothing otherwise (the paths are then 404).
[[nodiscard]] absl::Status AddDecideRoutes(const ApiContext* context, Router* router);
[[nodiscard]] absl::Status AddFeatureRoutes(const ApiContext* context, Router* router);
[[nodiscard]] absl::Status AddPollRoutes(ApiContext* context, Router* router);
[[nodiscard]] absl::Status AddEventRoutes(const ApiContext* context, Router* router);
[[nodiscard]] absl::Status AddProfileRoutes(const ApiContext* context, Router* router);

// Registers /v1/segments and /v1/segments/{id} (always: the campaign
// repository keeps segments).
[[nodiscard]] absl::Status AddSegmentRoutes(const ApiContext* context, Router* router);

// Registers POST /v1/features and /v1/features/{key} when
// ApiOptions::features is set (feature_definition_routes.cc).
[[nodiscard]] absl::Status AddFeatureDefinitionRoutes(const ApiContext* context, Router* router);

// Registers /v1/webhooks... when ApiOptions::webhooks is set
// (webhook_routes.cc).
[[nodiscard]] absl::Status AddWebhookRoutes(const ApiContext* context, Router* router);

// Registers GET /openapi.json (openapi_routes.cc).
[[nodiscard]] absl::Status AddOpenApiRoutes(const ApiContext* context, Router* router);

// The handler of GET /v1/campaigns and /v2/campaigns, and the query
// parameters it takes (campaign_list.cc).
Response ListCampaigns(const ApiContext& context, const RouteContext& route);
std::vector<std::string> CampaignListQueryParams();

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_API_INTERNAL_H_
