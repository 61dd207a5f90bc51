// marquee/http/representation.h — the JSON representations the HTTP API
// sends and takes, for clients and tests that build or read them without an
// Api (the C++ client uses them).
//
// A campaign is its stored record body (campaign::CampaignToJson) with the
// id as its first member: {"id":"spring","name":"Spring sale",...}. The
// record version is never part of it (it travels as the ETag).
// Thread-safety: pure functions.
//
//   absl::StatusOr<std::string> text = marquee::http::CampaignToRepresentation(campaign);
//   absl::StatusOr<marquee::Json> json = marquee::Json::Parse(*text);
//   absl::StatusOr<marquee::campaign::Campaign> back =
//       marquee::http::CampaignFromRepresentation(*json);
#ifndef MARQUEE_HTTP_REPRESENTATION_H_
#define MARQUEE_HTTP_REPRESENTATION_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/campaign/campaign.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee::http {

// The campaign `body` represents. `body` must be an object whose "id"
// member is a string; with `path_id`, "id" may be absent and must otherwise
// equal it. Other members are read by campaign::CampaignFromJson
// (validation included). The result's version is 0.
// Errors: InvalidArgument naming the field ("id: required", "id: must be a
// string", "id: does not match the id in the path", CampaignFromJson's).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<campaign::Campaign> CampaignFromRepresentation(
    const Json& body, std::optional<std::string_view> path_id = std::nullopt);

// {"id":..., <CampaignToJson members>}, minified.
// Errors: those of CampaignToJson; InvalidArgument (an id that is not UTF-8).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::string> CampaignToRepresentation(
    const campaign::Campaign& campaign);

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_REPRESENTATION_H_
