// /v1/campaigns/{id}: GET (ETag, If-None-Match), PUT and PATCH (If-Match
// required; PATCH takes a merge patch), DELETE (If-Match optional), and
// POST /v1/campaigns. The repository decides everything about campaigns;
// this file maps HTTP onto its calls.
//
// Status decisions beyond problem.h's table:
//   - NotFound from Create or Update is a segment the campaign references
//     (the campaign itself was read first): 422, the request is well formed
//     but names something that does not exist.
//   - A FailedPrecondition from Update or Delete under If-Match is 412 when
//     the campaign's version has moved (a concurrent writer won between our
//     read and the write), else 409 (a refused transition, a delete of a
//     campaign that is not draft or ended).
//   - PUT or DELETE of a campaign that does not exist is 404: preconditions
//     apply only to a request that would otherwise succeed (RFC 9110
//     §13.2.1).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/campaign_shape.h"
#include "http/conditional.h"
#include "http/read_consistency.h"
#include "http/text_internal.h"
#include "http/versioned_write.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/collections.h"
#include "marquee/http/problem.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::Campaign;

std::string CampaignLocation(int api_version, std::string_view id) {
  return absl::StrCat("/v", api_version, "/campaigns/", Sv(EncodePathSegment(id)));
}

// The campaign as a 200/201 answer with its ETag.
Response CampaignResponse(const ApiContext& context, const RouteContext& route, int status,
                          const Campaign& campaign) {
  absl::StatusOr<std::string> body =
      CampaignRepresentation(campaign, context.campaign_views, CampaignApiVersion(route));
  if (!body.ok()) {
    // A stored campaign that cannot be written back is the server's fault.
    return context.Error(route.request, absl::InternalError(body.status().message()));
  }
  Response response = JsonResponse(status, *std::move(body));
  response.headers.Set("ETag", StrongEtag(campaign.version));
  response.headers.Set("Cache-Control", context.options.campaign_cache_control);
  return response;
}


// The answer to a write refused with `error`: 412 when the campaign's
// version moved away from `expected_version` meanwhile, 404 when it is gone,
// else the problem of `error` (NotFound as 422: a referenced segment).
Response WriteRefused(const ApiContext& context, const RouteContext& route, std::string_view id,
                      std::optional<uint64_t> expected_version, const absl::Status& error) {
  if (absl::IsFailedPrecondition(error) || absl::IsNotFound(error)) {
    absl::StatusOr<Campaign> now = context.options.campaigns->Get(id);
    if (absl::IsNotFound(now.status())) {
      return ProblemResponse(MakeProblem(404, absl::StrCat("No campaign '", Sv(id), "'.")));
    }
    if (now.ok() && expected_version.has_value() && now->version != *expected_version) {
      return PreconditionFailedFor("campaign", id);
    }
  }
  if (absl::IsNotFound(error)) return ProblemResponse(MakeProblem(422, StdSv(error.message())));
  return context.Error(route.request, error);
}

// The version of campaign `id`, read as `consistency` asks: through the
// record cache (eventual) or from the store (strong, or no cache).
absl::StatusOr<uint64_t> CampaignVersion(const ApiContext& context, std::string_view id,
                                         ReadConsistency consistency) {
  if (context.options.read_cache != nullptr && consistency == ReadConsistency::kEventual) {
    absl::StatusOr<std::shared_ptr<const Record>> record =
        context.options.read_cache->Get(campaign::kCampaignsCollection, id);
    if (!record.ok()) return record.status();
    return (*record)->version;
  }
  absl::StatusOr<Record> record = context.options.store->Get(campaign::kCampaignsCollection, id);
  if (!record.ok()) return record.status();
  return record->version;
}

// A rendered representation of campaign `id` at the version read, when one
// is cached: the record gives the version, the cache the bytes.
std::shared_ptr<const RenderedBody> CachedCampaignBody(const ApiContext& context,
                                                       std::string_view key, std::string_view id,
                                                       ReadConsistency consistency) {
  std::shared_ptr<const RenderedBody> cached = context.campaign_bodies->Get(key);
  if (cached == nullptr) return nullptr;
  absl::StatusOr<uint64_t> version = CampaignVersion(context, id, consistency);
  if (!version.ok() || *version != cached->version) return nullptr;
  return cached;
}

Response GetCampaign(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  const int api_version = CampaignApiVersion(route);
  const std::string key = absl::StrCat(api_version, "/", Sv(id));
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(route.request, if_none_match.status());
  absl::StatusOr<ReadConsistency> consistency = RequestedConsistency(route);
  if (!consistency.ok()) return context.Error(route.request, consistency.status());
  std::shared_ptr<const RenderedBody> body = CachedCampaignBody(context, key, id, *consistency);
  uint64_t version = body != nullptr ? body->version : 0;
  if (body == nullptr) {
    absl::StatusOr<Campaign> campaign = context.options.campaigns->Get(id, *consistency);
    if (!campaign.ok()) return context.Error(route.request, campaign.status());
    absl::StatusOr<std::string> text =
        CampaignRepresentation(*campaign, context.campaign_views, api_version);
    if (!text.ok()) {
      // A stored campaign that cannot be written back is the server's fault.
      return context.Error(route.request, absl::InternalError(text.status().message()));
    }
    auto rendered = std::make_shared<const RenderedBody>(
        RenderedBody{.version = campaign->version, .text = *std::move(text)});
    context.campaign_bodies->Put(
        key, {.value = rendered, .version = rendered->version, .bytes = rendered->text.size()});
    body = std::move(rendered);
    version = body->version;
  }
  Response response{.status = 304};
  if (!if_none_match->has_value() || !MatchesWeak(**if_none_match, version)) {
    response = JsonResponse(200, body->text);
  }
  response.headers.Set("ETag", StrongEtag(version));
  response.headers.Set("Cache-Control", context.options.campaign_cache_control);
  return response;
}

Response CreateCampaign(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<Campaign> campaign =
      CampaignFromVersionedBody(*body.body, std::nullopt, CampaignApiVersion(route));
  if (!campaign.ok()) return context.Error(route.request, campaign.status());
  if (absl::Status addressable = CheckAddressable(campaign->id); !addressable.ok()) {
    return context.Error(route.request, addressable);
  }
  absl::StatusOr<Campaign> created = context.options.campaigns->Create(*campaign);
  if (!created.ok()) {
    if (absl::IsNotFound(created.status())) {
      return ProblemResponse(MakeProblem(422, StdSv(created.status().message())));
    }
    return context.Error(route.request, created.status());
  }
  Response response = CampaignResponse(context, route, 201, *created);
  response.headers.Set("Location", CampaignLocation(CampaignApiVersion(route), created->id));
  return response;
}

// Stores `body` (a representation in the route's version, "id" equal to
// the path's or absent) over the version `expected`; PUT and PATCH end here.
Response ReplaceCampaign(const ApiContext& context, const RouteContext& route, uint64_t expected,
                         const Json& body) {
  const std::string_view id = route.Param("id");
  absl::StatusOr<Campaign> campaign = CampaignFromVersionedBody(body, id, CampaignApiVersion(route));
  if (!campaign.ok()) return context.Error(route.request, campaign.status());
  campaign->version = expected;
  absl::StatusOr<Campaign> updated = context.options.campaigns->Update(*campaign);
  if (!updated.ok()) return WriteRefused(context, route, id, expected, updated.status());
  return CampaignResponse(context, route, 200, *updated);
}

Response PutCampaign(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  CurrentOrProblem<Campaign> current = ReadForWrite<Campaign>(
      context, route, "campaign", id, [&] { return context.options.campaigns->Get(id); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  return ReplaceCampaign(context, route, current.value->version, *body.body);
}

// PATCH: an RFC 7396 merge patch over the campaign's representation in the
// route's version (application/merge-patch+json), If-Match required, then
// the same checks and Update as PUT. The patch may not change "id".
Response PatchCampaign(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  CurrentOrProblem<Campaign> current = ReadForWrite<Campaign>(
      context, route, "campaign", id, [&] { return context.options.campaigns->Get(id); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem patch = ReadMergePatch(context, route, "campaign");
  if (!patch.body.has_value()) return std::move(patch.problem);
  absl::StatusOr<std::string> representation =
      CampaignRepresentation(*current.value, context.campaign_views, CampaignApiVersion(route));
  absl::StatusOr<Json> target = representation.ok()
                                    ? Json::Parse(*representation)
                                    : absl::StatusOr<Json>(representation.status());
  if (!target.ok()) return context.Error(route.request, absl::InternalError(target.status().message()));
  absl::StatusOr<Json> merged = MergePatchOver(context, *target, *patch.body);
  if (!merged.ok()) return context.Error(route.request, merged.status());
  return ReplaceCampaign(context, route, current.value->version, *merged);
}

Response DeleteCampaign(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  ExpectedOrProblem expected = ExpectedVersionForDelete(
      context, route, "campaign", id, [&] { return context.options.campaigns->Get(id); });
  if (expected.problem) return *std::move(expected.problem);
  absl::Status deleted = context.options.campaigns->Delete(id, expected.version);
  if (!deleted.ok()) return WriteRefused(context, route, id, expected.version, deleted);
  return Response{.status = 204};
}

}  // namespace

absl::Status AddCampaignRoutes(const ApiContext* context, Router* router) {
  auto bind = [context](Response (*handler)(const ApiContext&, const RouteContext&)) {
    return [context, handler](const RouteContext& route) { return handler(*context, route); };
  };
  // The same handlers serve every version; each reads its version from
  // the path (CampaignApiVersion).
  for (const std::string_view base : {"/v1/campaigns", "/v2/campaigns"}) {
    const std::string one = absl::StrCat(Sv(base), "/{id}");
    MARQUEE_RETURN_IF_ERROR(
        router->Add("GET", base, bind(&ListCampaigns), CampaignListQueryParams()));
    MARQUEE_RETURN_IF_ERROR(router->Add("POST", base, bind(&CreateCampaign)));
    MARQUEE_RETURN_IF_ERROR(router->Add("GET", one, bind(&GetCampaign), {kConsistencyParam}));
    MARQUEE_RETURN_IF_ERROR(router->Add("PUT", one, bind(&PutCampaign)));
    MARQUEE_RETURN_IF_ERROR(router->Add("PATCH", one, bind(&PatchCampaign)));
    MARQUEE_RETURN_IF_ERROR(router->Add("DELETE", one, bind(&DeleteCampaign)));
  }
  return absl::OkStatus();
}

}  // namespace marquee::http::internal
