// GET /v1/campaigns (and /v2, in its shape): the shared list (record_list.h)
// over the stored campaigns, each rendered in the version's shape.
//
// Filters, each at most once, all of them applying together:
//   status     draft | scheduled | live | paused | ended
//   tag        campaigns whose tags include it
//   placement  campaigns whose placements include it (a campaign without
//              placements, which may appear anywhere, is not listed)
// sort: id | -priority (highest first, then by id); default: -priority
// with a status (the "by_status" index, a range of it), id without.
// fields: members of the version's representation ("delivery" on /v2).
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/campaign_shape.h"
#include "http/record_list.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

// `views` may be null when only the spec's parameters are wanted.
ListSpec CampaignListSpec(const ApiViews* views, int api_version) {
  return ListSpec{
      .collection = campaign::kCampaignsCollection,
      .path = api_version == 1 ? "/v1/campaigns" : "/v2/campaigns",
      .sorts = {{.name = "-priority",
                 .index = campaign::kCampaignsByPriorityIndex,
                 .narrowed_by = "status",
                 .narrowed_index = campaign::kCampaignsByStatusIndex}},
      .filters = {{.param = "status",
                   .pointer = "/status",
                   .allowed = {"draft", "scheduled", "live", "paused", "ended"}},
                  {.param = "tag", .pointer = "/tags", .op = PredicateOp::kContains},
                  {.param = "placement", .pointer = "/placements", .op = PredicateOp::kContains}},
      .sort_when_narrowed = "-priority",
      .render = [views, api_version](const Record& record) -> absl::StatusOr<std::string> {
        MARQUEE_ASSIGN_OR_RETURN(campaign::Campaign c,
                                 campaign::CampaignFromJson(record.id, record.body));
        c.version = record.version;
        return CampaignRepresentation(c, *views, api_version);
      },
  };
}

}  // namespace

std::vector<std::string> CampaignListQueryParams() {
  return ListQueryParams(CampaignListSpec(nullptr, 1));
}

Response ListCampaigns(const ApiContext& context, const RouteContext& route) {
  return ListRecords(context, route, CampaignListSpec(&context.campaign_views, CampaignApiVersion(route)));
}

}  // namespace marquee::http::internal
