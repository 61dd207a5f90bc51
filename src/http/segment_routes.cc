// /v1/segments and /v1/segments/{id}: saved conditions, through
// CampaignRepository's PutSegment / GetSegment / DeleteSegment.
//
// Representation: {"id": "vip", "name": "VIP", "condition": {...}} (the
// record body with the id first, as for campaigns).
//   POST   /v1/segments        201, Location, ETag; 409 when the id exists
//   GET    /v1/segments/{id}   ETag; If-None-Match → 304
//   PUT    /v1/segments/{id}   If-Match required (428), stale → 412; 404
//                              when absent (create with POST)
//   PATCH  /v1/segments/{id}   the same with an RFC 7396 merge patch
//                              (application/merge-patch+json)
//   DELETE /v1/segments/{id}   204; If-Match optional (stale → 412); 409
//                              while a campaign names the segment
//   GET    /v1/segments        the list (record_list.h; sort=name)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/conditional.h"
#include "http/read_consistency.h"
#include "http/record_list.h"
#include "http/text_internal.h"
#include "http/versioned_write.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/segment.h"
#include "marquee/http/problem.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::Segment;

Response SegmentResponse(const ApiContext& context, const RouteContext& route, int status,
                         const Segment& segment) {
  absl::StatusOr<Json> body = campaign::SegmentToJson(segment);
  absl::StatusOr<std::string> text =
      body.ok() ? WithIdMember(segment.id, *body) : absl::StatusOr<std::string>(body.status());
  if (!text.ok()) return context.Error(route.request, absl::InternalError(text.status().message()));
  Response response = JsonResponse(status, *std::move(text));
  response.headers.Set("ETag", StrongEtag(segment.version));
  response.headers.Set("Cache-Control", context.options.campaign_cache_control);
  return response;
}


absl::StatusOr<Segment> SegmentFromBody(const Json& body, std::optional<std::string_view> path_id) {
  MARQUEE_ASSIGN_OR_RETURN(IdAndBody split, SplitIdMember(body, path_id));
  MARQUEE_RETURN_IF_ERROR(CheckAddressable(split.id));
  return campaign::SegmentFromJson(split.id, split.body);
}

// A refused write: 412 when the segment moved from `expected_version`
// meanwhile, 404 when it is gone, else `error`'s problem (409 for a
// segment still in use).
Response WriteRefused(const ApiContext& context, const RouteContext& route,
                      std::optional<uint64_t> expected_version, const absl::Status& error) {
  const std::string_view id = route.Param("id");
  if (absl::IsFailedPrecondition(error)) {
    absl::StatusOr<Segment> now = context.options.campaigns->GetSegment(id);
    if (absl::IsNotFound(now.status())) {
      return ProblemResponse(MakeProblem(404, absl::StrCat("No segment '", Sv(id), "'.")));
    }
    if (now.ok() && expected_version.has_value() && now->version != *expected_version) {
      return PreconditionFailedFor("segment", id);
    }
  }
  return context.Error(route.request, error);
}

Response CreateSegment(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<Segment> segment = SegmentFromBody(*body.body, std::nullopt);
  if (!segment.ok()) return context.Error(route.request, segment.status());
  absl::StatusOr<Segment> created = context.options.campaigns->PutSegment(*segment, 0);
  if (!created.ok()) return context.Error(route.request, created.status());
  Response response = SegmentResponse(context, route, 201, *created);
  response.headers.Set("Location",
                       absl::StrCat("/v1/segments/", Sv(EncodePathSegment(created->id))));
  return response;
}

Response GetSegment(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<ReadConsistency> consistency = RequestedConsistency(route);
  if (!consistency.ok()) return context.Error(route.request, consistency.status());
  absl::StatusOr<Segment> segment =
      context.options.campaigns->GetSegment(route.Param("id"), *consistency);
  if (!segment.ok()) return context.Error(route.request, segment.status());
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(route.request, if_none_match.status());
  if (if_none_match->has_value() && MatchesWeak(**if_none_match, segment->version)) {
    return NotModified(StrongEtag(segment->version), context.options.campaign_cache_control);
  }
  return SegmentResponse(context, route, 200, *segment);
}

// Stores `body` (a representation, "id" equal to the path's or absent)
// over the version `expected`; PUT and PATCH end here.
Response ReplaceSegment(const ApiContext& context, const RouteContext& route, uint64_t expected,
                        const Json& body) {
  absl::StatusOr<Segment> segment = SegmentFromBody(body, route.Param("id"));
  if (!segment.ok()) return context.Error(route.request, segment.status());
  absl::StatusOr<Segment> updated = context.options.campaigns->PutSegment(*segment, expected);
  if (!updated.ok()) return WriteRefused(context, route, expected, updated.status());
  return SegmentResponse(context, route, 200, *updated);
}

Response PutSegment(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  CurrentOrProblem<Segment> current = ReadForWrite<Segment>(
      context, route, "segment", id, [&] { return context.options.campaigns->GetSegment(id); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  return ReplaceSegment(context, route, current.value->version, *body.body);
}

Response PatchSegment(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  CurrentOrProblem<Segment> current = ReadForWrite<Segment>(
      context, route, "segment", id, [&] { return context.options.campaigns->GetSegment(id); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem patch = ReadMergePatch(context, route, "segment");
  if (!patch.body.has_value()) return std::move(patch.problem);
  absl::StatusOr<Json> stored = campaign::SegmentToJson(*current.value);
  if (!stored.ok()) return context.Error(route.request, absl::InternalError(stored.status().message()));
  absl::StatusOr<Json> merged = MergePatchOver(context, *stored, *patch.body);
  if (!merged.ok()) return context.Error(route.request, merged.status());
  return ReplaceSegment(context, route, current.value->version, *merged);
}

Response DeleteSegment(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  ExpectedOrProblem expected = ExpectedVersionForDelete(
      context, route, "segment", id, [&] { return context.options.campaigns->GetSegment(id); });
  if (expected.problem) return *std::move(expected.problem);
  absl::Status deleted = context.options.campaigns->DeleteSegment(id, expected.version);
  if (!deleted.ok()) return WriteRefused(context, route, expected.version, deleted);
  return Response{.status = 204};
}

// GET /v1/segments: sort=name (the by_name index), filter name_prefix
// (names starting with it; with sort=name a range of the index).
ListSpec SegmentListSpec() {
  return ListSpec{
      .collection = campaign::kSegmentsCollection,
      .path = "/v1/segments",
      .sorts = {{.name = "name", .index = campaign::kSegmentsByNameIndex}},
      .filters = {{.param = "name_prefix", .pointer = "/name", .op = PredicateOp::kPrefix}},
  };
}

}  // namespace

absl::Status AddSegmentRoutes(const ApiContext* context, Router* router) {
  auto bind = [context](Response (*handler)(const ApiContext&, const RouteContext&)) {
    return [context, handler](const RouteContext& route) { return handler(*context, route); };
  };
  MARQUEE_RETURN_IF_ERROR(router->Add(
      "GET", "/v1/segments",
      [context](const RouteContext& route) {
        return ListRecords(*context, route, SegmentListSpec());
      },
      ListQueryParams(SegmentListSpec())));
  MARQUEE_RETURN_IF_ERROR(router->Add("POST", "/v1/segments", bind(&CreateSegment)));
  MARQUEE_RETURN_IF_ERROR(
      router->Add("GET", "/v1/segments/{id}", bind(&GetSegment), {kConsistencyParam}));
  MARQUEE_RETURN_IF_ERROR(router->Add("PUT", "/v1/segments/{id}", bind(&PutSegment)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PATCH", "/v1/segments/{id}", bind(&PatchSegment)));
  return router->Add("DELETE", "/v1/segments/{id}", bind(&DeleteSegment));
}

}  // namespace marquee::http::internal
