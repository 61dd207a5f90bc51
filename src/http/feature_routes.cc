// GET /v1/features: the feature flags in GrowthBook's SDK payload format,
// from the DeliveryView's current snapshot, so GrowthBook's client SDKs can
// fetch them as they fetch /api/features/<client key>:
//   {"status": 200, "features": {<key>: <definition>, ...}, "experiments": []}
// The definitions are FeatureSet::ToValue's (members as read, camelCase).
// Features the view left out as invalid are absent. "experiments" (GrowthBook's
// visual-editor experiments) is always empty: Marquee's campaigns are served
// by /v1/decide.
// GET /api/features/{client_key} answers the same, for SDKs configured with
// this server as apiHost; the client key is not checked (any key gets the
// one feature set; put authentication in front of the Api if keys matter).
// The payload is the same for every user: a strong ETag (a hash of the
// body, so every node gives the same tag for the same features) and
// features_cache_control (public, max-age, stale-while-revalidate).
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/campaign/features.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

absl::StatusOr<std::string> FeaturesPayload(const campaign::DeliverySnapshot& snapshot) {
  std::string body;
  JsonWriter writer(&body, {.assert_on_misuse = false});
  writer.BeginObject().Key("status").Int(200).Key("features");
  if (snapshot.features == nullptr) {
    writer.BeginObject().EndObject();
  } else {
    MARQUEE_ASSIGN_OR_RETURN(Json features, snapshot.features->ToValue().ToJson());
    writer.Raw(features);
  }
  writer.Key("experiments").BeginArray().EndArray().EndObject();
  MARQUEE_RETURN_IF_ERROR(writer.Finish());
  return body;
}

Response GetFeatures(const ApiContext& context, const RouteContext& route) {
  std::shared_ptr<const campaign::DeliverySnapshot> snapshot =
      context.options.delivery_view->snapshot();
  absl::StatusOr<std::string> body = FeaturesPayload(*snapshot);
  if (!body.ok()) return context.Error(route.request, absl::InternalError(body.status().message()));
  const std::string opaque = BodyTagOpaque(*body);
  return ConditionalJson(context, route.request, *std::move(body), opaque, /*weak=*/false,
                         context.options.features_cache_control);
}

}  // namespace

absl::Status AddFeatureRoutes(const ApiContext* context, Router* router) {
  if (context->options.delivery_view == nullptr) return absl::OkStatus();
  auto handler = [context](const RouteContext& route) { return GetFeatures(*context, route); };
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/features", handler));
  return router->Add("GET", "/api/features/{client_key}", handler);
}

}  // namespace marquee::http::internal
