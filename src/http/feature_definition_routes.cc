// The feature definitions one by one, through campaign::FeatureRepository
// (feature_repository.h). Their lists are GET /v1/features, the SDK
// payload, and GET /v1/features?view=list, paged (feature_routes.cc).
//
// Representation: {"id": "<key>", <the GrowthBook definition's members>}.
//   POST   /v1/features          201, Location, ETag; 409 when the key exists
//   GET    /v1/features/{key}    ETag; If-None-Match → 304
//   PUT    /v1/features/{key}    If-Match required (428), stale → 412; 404
//                                when absent (create with POST)
//   PATCH  /v1/features/{key}    merge patch (application/merge-patch+json),
//                                If-Match required
//   DELETE /v1/features/{key}    204; If-Match optional (stale → 412)
// A definition that would not compile is a 400 naming the field; nothing
// is stored.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/conditional.h"
#include "http/text_internal.h"
#include "http/versioned_write.h"
#include "marquee/campaign/feature_repository.h"
#include "marquee/http/problem.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::StoredFeature;

Response FeatureResponse(const ApiContext& context, const RouteContext& route, int status,
                         const StoredFeature& feature) {
  absl::StatusOr<std::string> text = WithIdMember(feature.key, feature.definition);
  if (!text.ok()) return context.Error(route.request, absl::InternalError(text.status().message()));
  Response response = JsonResponse(status, *std::move(text));
  response.headers.Set("ETag", StrongEtag(feature.version));
  response.headers.Set("Cache-Control", context.options.campaign_cache_control);
  return response;
}

// A refused write: 412 when the version moved meanwhile, else the status's.
Response WriteRefused(const ApiContext& context, const RouteContext& route,
                      const absl::Status& error) {
  if (absl::IsFailedPrecondition(error)) return PreconditionFailedFor("feature", route.Param("key"));
  return context.Error(route.request, error);
}

// Stores `body` (a representation, "id" equal to the path's key or absent)
// over the version `expected`; PUT and PATCH end here.
Response ReplaceFeature(const ApiContext& context, const RouteContext& route, uint64_t expected,
                        const Json& body) {
  const std::string_view key = route.Param("key");
  absl::StatusOr<IdAndBody> split = SplitIdMember(body, key);
  if (!split.ok()) return context.Error(route.request, split.status());
  absl::StatusOr<StoredFeature> replaced = context.options.features->Replace(key, split->body, expected);
  if (!replaced.ok()) return WriteRefused(context, route, replaced.status());
  return FeatureResponse(context, route, 200, *replaced);
}

Response CreateFeature(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<IdAndBody> split = SplitIdMember(*body.body, std::nullopt);
  if (!split.ok()) return context.Error(route.request, split.status());
  absl::StatusOr<StoredFeature> created = context.options.features->Create(split->id, split->body);
  if (!created.ok()) return context.Error(route.request, created.status());
  Response response = FeatureResponse(context, route, 201, *created);
  response.headers.Set("Location",
                       absl::StrCat("/v1/features/", Sv(EncodePathSegment(created->key))));
  return response;
}

Response GetFeature(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<StoredFeature> feature = context.options.features->Get(route.Param("key"));
  if (!feature.ok()) return context.Error(route.request, feature.status());
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(route.request, if_none_match.status());
  if (if_none_match->has_value() && MatchesWeak(**if_none_match, feature->version)) {
    return NotModified(StrongEtag(feature->version), context.options.campaign_cache_control);
  }
  return FeatureResponse(context, route, 200, *feature);
}

Response PutFeature(const ApiContext& context, const RouteContext& route) {
  const std::string_view key = route.Param("key");
  CurrentOrProblem<StoredFeature> current = ReadForWrite<StoredFeature>(
      context, route, "feature", key, [&] { return context.options.features->Get(key); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  return ReplaceFeature(context, route, current.value->version, *body.body);
}

Response PatchFeature(const ApiContext& context, const RouteContext& route) {
  const std::string_view key = route.Param("key");
  CurrentOrProblem<StoredFeature> current = ReadForWrite<StoredFeature>(
      context, route, "feature", key, [&] { return context.options.features->Get(key); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem patch = ReadMergePatch(context, route, "feature");
  if (!patch.body.has_value()) return std::move(patch.problem);
  absl::StatusOr<Json> merged = MergePatchOver(context, current.value->definition, *patch.body);
  if (!merged.ok()) return context.Error(route.request, merged.status());
  return ReplaceFeature(context, route, current.value->version, *merged);
}

Response DeleteFeature(const ApiContext& context, const RouteContext& route) {
  const std::string_view key = route.Param("key");
  ExpectedOrProblem expected = ExpectedVersionForDelete(
      context, route, "feature", key, [&] { return context.options.features->Get(key); });
  if (expected.problem) return *std::move(expected.problem);
  absl::Status deleted = context.options.features->Delete(key, expected.version);
  if (!deleted.ok()) return WriteRefused(context, route, deleted);
  return Response{.status = 204};
}

}  // namespace

absl::Status AddFeatureDefinitionRoutes(const ApiContext* context, Router* router) {
  if (context->options.features == nullptr) return absl::OkStatus();
  auto bind = [context](Response (*handler)(const ApiContext&, const RouteContext&)) {
    return [context, handler](const RouteContext& route) { return handler(*context, route); };
  };
  MARQUEE_RETURN_IF_ERROR(router->Add("POST", "/v1/features", bind(&CreateFeature)));
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/features/{key}", bind(&GetFeature)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PUT", "/v1/features/{key}", bind(&PutFeature)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PATCH", "/v1/features/{key}", bind(&PatchFeature)));
  return router->Add("DELETE", "/v1/features/{key}", bind(&DeleteFeature));
}

}  // namespace marquee::http::internal
