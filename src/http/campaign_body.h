// The representations of the HTTP API: the stored record body with the id
// as its first member (api.h), in both directions, for any resource and for
// campaigns.
#ifndef MARQUEE_SRC_HTTP_CAMPAIGN_BODY_H_
#define MARQUEE_SRC_HTTP_CAMPAIGN_BODY_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/api_view.h"
#include "marquee/campaign/campaign.h"
#include "marquee/json.h"

namespace marquee::http::internal {

// A request body split into its "id" and its other members.
struct IdAndBody {
  std::string id;
  // The object without "id", members in order.
  Json body;
};

// Splits "id" off `body`, which must be an object whose "id" member is a
// string; with `path_id`, "id" may be absent (the path's is used) and must
// otherwise equal it.
// Errors: InvalidArgument ("body: must be a JSON object", "id: required",
// "id: must be a string", "id: given more than once", "id: does not match
// the id in the path").
[[nodiscard]] absl::StatusOr<IdAndBody> SplitIdMember(const Json& body,
                                                      std::optional<std::string_view> path_id);

// The members of `body`, an object, in order, each as its own document
// (bytes as sent, so numbers keep their spelling).
// Errors: InvalidArgument ("body: must be a JSON object", "<key>: given
// more than once").
[[nodiscard]] absl::StatusOr<std::vector<std::pair<std::string, Json>>> ObjectMembers(
    const Json& body);

// {"id": <id>, <the members of `body`, an object>}.
// Errors: InvalidArgument (an id that is not UTF-8).
[[nodiscard]] absl::StatusOr<std::string> WithIdMember(std::string_view id, const Json& body);

// OK when a resource created with `id` can be addressed by a URL path:
// ParseTarget refuses an encoded '/' in a segment and dot segments.
// Errors: InvalidArgument naming "id".
[[nodiscard]] absl::Status CheckAddressable(std::string_view id);

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

// The representation of `campaign` for API version `api_version`
// (campaign_shape.h), rendered through `views`.
// Errors: those of CampaignRepresentation and ApiViews::Render.
[[nodiscard]] absl::StatusOr<std::string> CampaignRepresentation(
    const campaign::Campaign& campaign, const ApiViews& views, int api_version);

// CampaignFromRequestBody of a body in the shape of `api_version`.
// Errors: those of CampaignFromRequestBody and CampaignBodyFromV2.
[[nodiscard]] absl::StatusOr<campaign::Campaign> CampaignFromVersionedBody(
    const Json& body, std::optional<std::string_view> path_id, int api_version);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_CAMPAIGN_BODY_H_
