// The campaign representation of the HTTP API: the stored record body with
// the id as its first member (api.h), in both directions.
#ifndef MARQUEE_SRC_HTTP_CAMPAIGN_BODY_H_
#define MARQUEE_SRC_HTTP_CAMPAIGN_BODY_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/campaign/campaign.h"
#include "marquee/json.h"

namespace marquee::http::internal {

// The campaign a request body describes. `body` must be an object whose
// "id" member is a string; with `path_id`, "id" may be absent and must
// otherwise equal it. The other members are read by
// campaign::CampaignFromJson (validation included).
// Errors: InvalidArgument naming the field ("id: required", "id: must be a
// string", "id: does not match the path", CampaignFromJson's messages).
[[nodiscard]] absl::StatusOr<campaign::Campaign> CampaignFromRequestBody(
    const Json& body, std::optional<std::string_view> path_id);

// {"id":..., <CampaignToJson members>}.
// Errors: those of CampaignToJson; InvalidArgument (an id that is not UTF-8).
[[nodiscard]] absl::StatusOr<std::string> CampaignRepresentation(
    const campaign::Campaign& campaign);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_CAMPAIGN_BODY_H_
