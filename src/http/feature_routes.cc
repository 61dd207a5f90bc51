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
//
// A strong read (?consistency=strong, Cache-Control: no-cache;
// read_consistency.h) first waits for the view to reach the store's
// committed version.
//
// GET /v1/features?view=list is the definitions' paged list instead (the
// shared list of record_list.h: limit, after/before, fields, sort=id),
// each item as GET /v1/features/{key} gives it ({"id": key, <definition>}).
// It reads the stored records, so it also lists a definition the delivery
// view left out as invalid. The definitions hold nothing to filter on
// besides their key, so it takes no filter. Without view=list the list's
// parameters are refused (400), not ignored: the payload is never paged.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "http/read_consistency.h"
#include "http/text_internal.h"
#include "http/record_list.h"
#include "marquee/campaign/collections.h"
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

const ListSpec& FeatureListSpec() {
  static const ListSpec* const spec = new ListSpec{
      .collection = campaign::kFeaturesCollection,
      .path = "/v1/features",
      .extra_params = {"view=list"},
  };
  return *spec;
}

// The SDK payload, or with view=list the definitions' list.
Response GetFeatures(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<std::optional<std::string>> view = SingleQueryParam(route.target, "view");
  if (!view.ok()) return context.Error(route.request, view.status());
  if (view->has_value() && **view != "list") {
    return context.Error(route.request, absl::InvalidArgumentError("view: expected list"));
  }
  // Lists read the store: consistency is accepted there and changes nothing.
  absl::StatusOr<ReadConsistency> consistency = RequestedConsistency(route);
  if (!consistency.ok()) return context.Error(route.request, consistency.status());
  if (view->has_value()) return ListRecords(context, route, FeatureListSpec());
  for (const auto& [name, value] : route.target.query) {
    if (name == kConsistencyParam) continue;
    return context.Error(route.request,
                         absl::InvalidArgumentError(absl::StrCat(
                             Sv(name),
                             ": the SDK payload takes no parameters but consistency; add "
                             "view=list for the paged list of definitions")));
  }
  if (*consistency == ReadConsistency::kStrong) {
    if (absl::Status caught_up = CatchUpDeliveryView(context, *context.options.delivery_view); !caught_up.ok()) {
      return context.Error(route.request, caught_up);
    }
  }
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
  std::vector<std::string> params = ListQueryParams(FeatureListSpec());
  params.emplace_back(kConsistencyParam);
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/features", handler, std::move(params)));
  return router->Add("GET", "/api/features/{client_key}", handler, {kConsistencyParam});
}

}  // namespace marquee::http::internal
