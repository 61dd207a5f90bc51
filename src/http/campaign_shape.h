// The wire shapes of a campaign per API version. /v1 sends the stored body
// (campaign.h) as it is; /v2 groups where a campaign may show and how it
// ranks under one member, "delivery": {"priority": 10, "placements": [...]},
// in place of the top-level "priority" and "placements". Reads go through
// marquee::ApiViews (the codec's view versions: v1 identity, v2 a view);
// writes to /v2 are mapped back to the stored shape before validation, so
// both versions share one model and one set of rules.
#ifndef MARQUEE_SRC_HTTP_CAMPAIGN_SHAPE_H_
#define MARQUEE_SRC_HTTP_CAMPAIGN_SHAPE_H_

#include "absl/status/statusor.h"
#include "http/router.h"
#include "marquee/api_view.h"
#include "marquee/json.h"

namespace marquee::http::internal {

// The newest API version of campaigns.
inline constexpr int kLatestCampaignApiVersion = 2;

// The API version of a campaign route: 2 under /v2, else 1.
int CampaignApiVersion(const RouteContext& route);

// The views of "campaigns" for API versions 1 and 2.
[[nodiscard]] absl::StatusOr<ApiViews> CampaignApiViews();

// A stored-shape body (an object, id included or not) in the v2 shape.
// Errors: InvalidArgument (not an object, a duplicate member).
[[nodiscard]] absl::StatusOr<Json> CampaignBodyToV2(const Json& stored);

// A v2 request body (or merged patch) in the stored shape, for
// CampaignFromJson to validate. "delivery" must be an object of
// "priority" and "placements" only; top-level "priority" or "placements"
// are v1 members and refused, so a client mixing versions hears of it.
// Errors: InvalidArgument naming the member ("delivery.rank: unknown
// member", "priority: a v1 member; /v2 takes delivery.priority").
[[nodiscard]] absl::StatusOr<Json> CampaignBodyFromV2(const Json& v2);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_CAMPAIGN_SHAPE_H_
