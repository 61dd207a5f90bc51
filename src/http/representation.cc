// The public face of the campaign representation (campaign_body.* holds the
// implementation the routes share).
#include "marquee/http/representation.h"

#include "http/campaign_body.h"

namespace marquee::http {

absl::StatusOr<campaign::Campaign> CampaignFromRepresentation(
    const Json& body, std::optional<std::string_view> path_id) {
  return internal::CampaignFromRequestBody(body, path_id);
}

absl::StatusOr<std::string> CampaignToRepresentation(const campaign::Campaign& campaign) {
  return internal::CampaignRepresentation(campaign);
}

}  // namespace marquee::http
