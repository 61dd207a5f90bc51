// The typed calls of Client for segments, features, polls, profiles and
// events: each builds the server's representation ({"id", <members>}),
// sends it, and reads the answer back into the domain type with the ETag's
// version.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/record_representation.h"
#include "client/reply_status.h"
#include "marquee/campaign/value.h"
#include "marquee/client/client.h"
#include "marquee/http/message.h"
#include "marquee/status.h"

namespace marquee::client {
namespace {

using internal::CheckedReply;
using internal::JoinRepresentation;
using internal::SplitRepresentation;

std::string Target(const char* collection, std::string_view id) {
  return absl::StrCat("/v1/", collection, "/", http::EncodePathSegment(id));
}

http::Headers IfMatch(uint64_t version) {
  http::Headers h;
  h.Add("If-Match", absl::StrCat("\"", version, "\""));
  return h;
}

absl::StatusOr<campaign::Segment> SegmentOfReply(const Reply& reply) {
  MARQUEE_ASSIGN_OR_RETURN(internal::Representation r, SplitRepresentation(reply.body, "segment"));
  absl::StatusOr<campaign::Segment> segment = campaign::SegmentFromJson(r.id, r.rest);
  if (!segment.ok()) return absl::DataLossError(absl::StrCat("segment answer: ", segment.status().message()));
  MARQUEE_ASSIGN_OR_RETURN(segment->version, internal::VersionOfETag(reply));
  return segment;
}

absl::StatusOr<campaign::StoredFeature> FeatureOfReply(const Reply& reply) {
  MARQUEE_ASSIGN_OR_RETURN(internal::Representation r, SplitRepresentation(reply.body, "feature"));
  MARQUEE_ASSIGN_OR_RETURN(uint64_t version, internal::VersionOfETag(reply));
  return campaign::StoredFeature{.key = r.id, .definition = r.rest, .version = version};
}

absl::StatusOr<campaign::Poll> PollOfReply(const Reply& reply) {
  MARQUEE_ASSIGN_OR_RETURN(internal::Representation r, SplitRepresentation(reply.body, "poll"));
  absl::StatusOr<campaign::Poll> poll = campaign::PollFromJson(r.id, r.rest);
  if (!poll.ok()) return absl::DataLossError(absl::StrCat("poll answer: ", poll.status().message()));
  MARQUEE_ASSIGN_OR_RETURN(poll->version, internal::VersionOfETag(reply));
  return poll;
}

// {"id", "attributes", "created", "updated"}.
absl::StatusOr<campaign::Profile> ProfileOfReply(const Reply& reply) {
  absl::StatusOr<campaign::Value> v = campaign::Value::Parse(reply.body);
  const campaign::Value* id = v.ok() ? v->Find("id") : nullptr;
  const campaign::Value* attributes = v.ok() ? v->Find("attributes") : nullptr;
  if (id == nullptr || !id->is_string() || attributes == nullptr || !attributes->is_object()) {
    return absl::DataLossError("profile answer: not a profile");
  }
  campaign::Profile profile{.id = std::string(id->as_string())};
  MARQUEE_ASSIGN_OR_RETURN(profile.attributes, attributes->ToJson());
  MARQUEE_ASSIGN_OR_RETURN(profile.version, internal::VersionOfETag(reply));
  return profile;
}

absl::StatusOr<std::string> AttributesBody(const Json& attributes) {
  if (attributes.text().empty() || attributes.text().front() != '{') {
    return absl::InvalidArgumentError("attributes: must be a JSON object");
  }
  return absl::StrCat("{\"attributes\":", std::string(attributes.text()), "}");
}

}  // namespace

// ---- segments ----------------------------------------------------------------

absl::StatusOr<campaign::Segment> Client::CreateSegment(const campaign::Segment& segment) {
  MARQUEE_ASSIGN_OR_RETURN(Json body, campaign::SegmentToJson(segment));
  MARQUEE_ASSIGN_OR_RETURN(std::string text, JoinRepresentation(segment.id, body));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "POST", .target = "/v1/segments",
                                                             .body = std::move(text)},
                                                     /*creating=*/true));
  return SegmentOfReply(reply);
}

absl::StatusOr<campaign::Segment> Client::GetSegment(std::string_view id) {
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "GET", .target = Target("segments", id)}));
  return SegmentOfReply(reply);
}

absl::StatusOr<campaign::Segment> Client::UpdateSegment(const campaign::Segment& segment) {
  if (segment.version == 0) return absl::InvalidArgumentError("segment.version: the version it was read at");
  MARQUEE_ASSIGN_OR_RETURN(Json body, campaign::SegmentToJson(segment));
  MARQUEE_ASSIGN_OR_RETURN(std::string text, JoinRepresentation(segment.id, body));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "PUT",
                                                             .target = Target("segments", segment.id),
                                                             .headers = IfMatch(segment.version),
                                                             .body = std::move(text)}));
  return SegmentOfReply(reply);
}

absl::Status Client::DeleteSegment(std::string_view id, std::optional<uint64_t> version) {
  return CheckedReply(*this, {.method = "DELETE", .target = Target("segments", id),
                              .headers = version ? IfMatch(*version) : http::Headers{}})
      .status();
}

// ---- features ----------------------------------------------------------------

absl::StatusOr<campaign::StoredFeature> Client::CreateFeature(std::string_view key,
                                                              const Json& definition) {
  MARQUEE_ASSIGN_OR_RETURN(std::string text, JoinRepresentation(key, definition));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "POST", .target = "/v1/features",
                                                             .body = std::move(text)},
                                                     /*creating=*/true));
  return FeatureOfReply(reply);
}

absl::StatusOr<campaign::StoredFeature> Client::GetFeature(std::string_view key) {
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "GET", .target = Target("features", key)}));
  return FeatureOfReply(reply);
}

absl::StatusOr<campaign::StoredFeature> Client::ReplaceFeature(
    const campaign::StoredFeature& feature) {
  if (feature.version == 0) return absl::InvalidArgumentError("feature.version: the version it was read at");
  MARQUEE_ASSIGN_OR_RETURN(std::string text, JoinRepresentation(feature.key, feature.definition));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "PUT",
                                                             .target = Target("features", feature.key),
                                                             .headers = IfMatch(feature.version),
                                                             .body = std::move(text)}));
  return FeatureOfReply(reply);
}

absl::Status Client::DeleteFeature(std::string_view key, std::optional<uint64_t> version) {
  return CheckedReply(*this, {.method = "DELETE", .target = Target("features", key),
                              .headers = version ? IfMatch(*version) : http::Headers{}})
      .status();
}

// ---- polls -------------------------------------------------------------------

absl::StatusOr<campaign::Poll> Client::CreatePoll(const campaign::Poll& poll) {
  MARQUEE_ASSIGN_OR_RETURN(Json body, campaign::PollToJson(poll));
  MARQUEE_ASSIGN_OR_RETURN(std::string text, JoinRepresentation(poll.id, body));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "POST", .target = "/v1/polls",
                                                             .body = std::move(text)},
                                                     /*creating=*/true));
  return PollOfReply(reply);
}

absl::StatusOr<campaign::Poll> Client::GetPoll(std::string_view id) {
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "GET", .target = Target("polls", id)}));
  return PollOfReply(reply);
}

absl::StatusOr<campaign::Poll> Client::UpdatePoll(const campaign::Poll& poll) {
  if (poll.version == 0) return absl::InvalidArgumentError("poll.version: the version it was read at");
  MARQUEE_ASSIGN_OR_RETURN(Json body, campaign::PollToJson(poll));
  MARQUEE_ASSIGN_OR_RETURN(std::string text, JoinRepresentation(poll.id, body));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "PUT",
                                                             .target = Target("polls", poll.id),
                                                             .headers = IfMatch(poll.version),
                                                             .body = std::move(text)}));
  return PollOfReply(reply);
}

absl::Status Client::DeletePoll(std::string_view id, std::optional<uint64_t> version) {
  return CheckedReply(*this, {.method = "DELETE", .target = Target("polls", id),
                              .headers = version ? IfMatch(*version) : http::Headers{}})
      .status();
}

absl::StatusOr<campaign::Poll> Client::ClosePoll(std::string_view id) {
  MARQUEE_ASSIGN_OR_RETURN(Reply reply,
                           CheckedReply(*this, {.method = "POST",
                                                .target = absl::StrCat(Target("polls", id), "/close")}));
  return PollOfReply(reply);
}

// ---- profiles ----------------------------------------------------------------

absl::StatusOr<campaign::Profile> Client::PutProfile(std::string_view user, const Json& attributes) {
  MARQUEE_ASSIGN_OR_RETURN(std::string body, AttributesBody(attributes));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "PUT", .target = Target("profiles", user),
                                                             .body = std::move(body)}));
  return ProfileOfReply(reply);
}

absl::StatusOr<campaign::Profile> Client::PatchProfile(std::string_view user,
                                                       const Json& attributes_patch) {
  MARQUEE_ASSIGN_OR_RETURN(std::string body, AttributesBody(attributes_patch));
  http::Headers headers;
  headers.Add("Content-Type", "application/merge-patch+json");
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "PATCH",
                                                             .target = Target("profiles", user),
                                                             .headers = std::move(headers),
                                                             .body = std::move(body)}));
  return ProfileOfReply(reply);
}

absl::StatusOr<campaign::Profile> Client::GetProfile(std::string_view user) {
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "GET", .target = Target("profiles", user)}));
  return ProfileOfReply(reply);
}

absl::StatusOr<Json> Client::ExportUser(std::string_view user) {
  MARQUEE_ASSIGN_OR_RETURN(
      Reply reply,
      CheckedReply(*this, {.method = "GET", .target = absl::StrCat(Target("profiles", user), "/export")}));
  absl::StatusOr<Json> json = Json::Parse(reply.body);
  if (!json.ok()) return absl::DataLossError("export answer: not JSON");
  return json;
}

// ---- events --------------------------------------------------------------------

absl::StatusOr<int64_t> Client::SendEvents(const Json& events) {
  if (events.text().empty() || events.text().front() != '[') {
    return absl::InvalidArgumentError("events: must be a JSON array");
  }
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "POST", .target = "/v1/events",
                                                             .body = std::string(events.text())}));
  absl::StatusOr<campaign::Value> v = campaign::Value::Parse(reply.body);
  const campaign::Value* accepted = v.ok() ? v->Find("accepted") : nullptr;
  if (accepted == nullptr || !accepted->is_number()) {
    return absl::DataLossError("events answer: no \"accepted\" count");
  }
  return static_cast<int64_t>(accepted->as_number());
}

absl::StatusOr<Json> Client::GetCampaignStats(std::string_view campaign, std::string_view query) {
  std::string target = absl::StrCat(Target("campaigns", campaign), "/stats");
  if (!query.empty()) absl::StrAppend(&target, "?", std::string(query));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "GET", .target = std::move(target)}));
  absl::StatusOr<Json> json = Json::Parse(reply.body);
  if (!json.ok()) return absl::DataLossError("stats answer: not JSON");
  return json;
}

}  // namespace marquee::client
