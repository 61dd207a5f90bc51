// /v1/polls: create, read, close, vote, results (campaign::PollService).
//
//   POST /v1/polls                   201, Location, ETag; the poll
//                                    representation: {"id", <PollToJson
//                                    members>}; 409 when the id exists
//   GET  /v1/polls/{id}              ETag (record version), If-None-Match → 304
//   POST /v1/polls/{id}/close        200, the closed poll (closesAt = now);
//                                    closing a closed poll changes nothing
//   POST /v1/polls/{id}/votes        {"user": "u42", "option": "red"
//                                    [, "attributes": {...}]}: 201 for a new
//                                    vote, 200 for a re-sent one (counted
//                                    once) or a changed one; the answer
//                                    {"poll","user","option","at","result":
//                                    "created"|"unchanged"|"changed"}
//   GET  /v1/polls/{id}/results      {"poll","counts":{option: n},"total"};
//                                    strong ETag (the tally's version),
//                                    If-None-Match → 304
// The service decides: an unknown option is 400 (InvalidArgument), a poll
// that is closed or not open yet and a second vote where changes are not
// allowed are 409 (FailedPrecondition), attributes that do not match the
// targeting 403 (PermissionDenied), a full vote queue 429.
//   PUT  /v1/polls/{id}              If-Match required (428), stale → 412:
//                                    replaces the definition (UpdatePoll;
//                                    a fired rule changed is 409)
//   PATCH /v1/polls/{id}             the same with an RFC 7396 merge patch
//   DELETE /v1/polls/{id}            204 with its votes and tallies;
//                                    If-Match optional (stale → 412)
//   GET  /v1/polls                   the list (record_list.h; sort=closesAt)
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/conditional.h"
#include "http/poll_stream.h"
#include "http/record_list.h"
#include "http/text_internal.h"
#include "http/versioned_write.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/campaign/value.h"
#include "marquee/http/problem.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::Poll;
using campaign::Value;

constexpr std::string_view kPollCacheControl = "no-cache";

Response PollResponse(const ApiContext& context, const RouteContext& route, int status,
                      const Poll& poll) {
  absl::StatusOr<Json> body = campaign::PollToJson(poll);
  absl::StatusOr<std::string> text =
      body.ok() ? WithIdMember(poll.id, *body) : absl::StatusOr<std::string>(body.status());
  if (!text.ok()) return context.Error(route.request, absl::InternalError(text.status().message()));
  Response response = JsonResponse(status, *std::move(text));
  response.headers.Set("ETag", StrongEtag(poll.version));
  response.headers.Set("Cache-Control", kPollCacheControl);
  return response;
}

Response CreatePoll(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<IdAndBody> split = SplitIdMember(*body.body, std::nullopt);
  if (!split.ok()) return context.Error(route.request, split.status());
  if (absl::Status addressable = CheckAddressable(split->id); !addressable.ok()) {
    return context.Error(route.request, addressable);
  }
  absl::StatusOr<Poll> poll = campaign::PollFromJson(split->id, split->body);
  if (!poll.ok()) return context.Error(route.request, poll.status());
  absl::StatusOr<Poll> created = context.options.polls->CreatePoll(*poll);
  if (!created.ok()) return context.Error(route.request, created.status());
  Response response = PollResponse(context, route, 201, *created);
  response.headers.Set("Location", absl::StrCat("/v1/polls/", Sv(EncodePathSegment(created->id))));
  return response;
}

Response GetPoll(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<Poll> poll = context.options.polls->GetPoll(route.Param("id"));
  if (!poll.ok()) return context.Error(route.request, poll.status());
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(route.request, if_none_match.status());
  if (if_none_match->has_value() && MatchesWeak(**if_none_match, poll->version)) {
    return NotModified(StrongEtag(poll->version), kPollCacheControl);
  }
  return PollResponse(context, route, 200, *poll);
}

Response ClosePoll(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<Poll> poll = context.options.polls->ClosePoll(route.Param("id"));
  if (!poll.ok()) return context.Error(route.request, poll.status());
  return PollResponse(context, route, 200, *poll);
}

// Stores `body` (the representation, "id" equal to the path's or absent)
// over `current`: 412 when it moved meanwhile; a fired rule changed is 409.
Response ReplacePoll(const ApiContext& context, const RouteContext& route, const Poll& current,
                     const Json& body) {
  absl::StatusOr<IdAndBody> split = SplitIdMember(body, route.Param("id"));
  if (!split.ok()) return context.Error(route.request, split.status());
  absl::StatusOr<Poll> poll = campaign::PollFromJson(split->id, split->body);
  if (!poll.ok()) return context.Error(route.request, poll.status());
  absl::StatusOr<Poll> updated = context.options.polls->UpdatePoll(*poll, current.version);
  if (!updated.ok()) {
    absl::StatusOr<Poll> now = context.options.polls->GetPoll(route.Param("id"));
    if (absl::IsFailedPrecondition(updated.status()) && now.ok() && now->version != current.version) {
      return PreconditionFailedFor("poll", route.Param("id"));
    }
    return context.Error(route.request, updated.status());
  }
  return PollResponse(context, route, 200, *updated);
}

Response PutPoll(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  CurrentOrProblem<Poll> current = ReadForWrite<Poll>(
      context, route, "poll", id, [&] { return context.options.polls->GetPoll(id); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  return ReplacePoll(context, route, *current.value, *body.body);
}

Response PatchPoll(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  CurrentOrProblem<Poll> current = ReadForWrite<Poll>(
      context, route, "poll", id, [&] { return context.options.polls->GetPoll(id); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem patch = ReadMergePatch(context, route, "poll");
  if (!patch.body.has_value()) return std::move(patch.problem);
  absl::StatusOr<Json> stored = campaign::PollToJson(*current.value);
  if (!stored.ok()) return context.Error(route.request, absl::InternalError(stored.status().message()));
  absl::StatusOr<Json> merged = MergePatchOver(context, *stored, *patch.body);
  if (!merged.ok()) return context.Error(route.request, merged.status());
  return ReplacePoll(context, route, *current.value, *merged);
}

Response DeletePoll(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  ExpectedOrProblem expected = ExpectedVersionForDelete(
      context, route, "poll", id, [&] { return context.options.polls->GetPoll(id); });
  if (expected.problem) return *std::move(expected.problem);
  absl::Status deleted = context.options.polls->DeletePoll(id, expected.version);
  if (absl::IsFailedPrecondition(deleted)) return PreconditionFailedFor("poll", id);
  if (!deleted.ok()) return context.Error(route.request, deleted);
  return Response{.status = 204};
}

struct VoteBody {
  std::string user;
  std::string option;
  Value attributes;
};

absl::StatusOr<VoteBody> ReadVote(const RouteContext& route, const Json& body) {
  MARQUEE_ASSIGN_OR_RETURN(Value value, Value::FromJson(body));
  if (!value.is_object()) return absl::InvalidArgumentError("body: must be a JSON object");
  VoteBody vote;
  std::optional<std::string> user;
  bool has_option = false;
  for (const Value::Member& member : value.members()) {
    const std::string& name = member.first;
    const Value& v = member.second;
    if (name == "user") {
      if (!v.is_string()) return absl::InvalidArgumentError("user: must be a string");
      user = std::string(v.as_string());
    } else if (name == "option") {
      if (!v.is_string()) return absl::InvalidArgumentError("option: must be a string");
      vote.option = std::string(v.as_string());
      has_option = true;
    } else if (name == "attributes") {
      if (!v.is_object() && !v.is_null()) {
        return absl::InvalidArgumentError("attributes: must be an object");
      }
      vote.attributes = v;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(Sv(std::string_view(name).substr(0, 64)),
                       ": unknown member; expected user, option, attributes"));
    }
  }
  MARQUEE_ASSIGN_OR_RETURN(vote.user, BoundUser(route, std::move(user)));
  if (!has_option) return absl::InvalidArgumentError("option: required");
  return vote;
}

std::string_view VoteKindName(campaign::VoteKind kind) {
  switch (kind) {
    case campaign::VoteKind::kCreated: return "created";
    case campaign::VoteKind::kUnchanged: return "unchanged";
    case campaign::VoteKind::kChanged: return "changed";
  }
  return "created";
}

Response Vote(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<VoteBody> vote = ReadVote(route, *body.body);
  if (!vote.ok()) return context.Error(route.request, vote.status());
  absl::StatusOr<campaign::VoteResult> result = context.options.polls->Vote(
      route.Param("id"), vote->user, vote->option, vote->attributes);
  if (!result.ok()) return context.Error(route.request, result.status());
  std::string text;
  JsonWriter writer(&text, {.assert_on_misuse = false});
  writer.BeginObject()
      .Key("poll")
      .String(result->vote.poll)
      .Key("user")
      .String(result->vote.user)
      .Key("option")
      .String(result->vote.option)
      .Key("at")
      .String(Rfc3339Utc(result->vote.at))
      .Key("result")
      .String(VoteKindName(result->kind))
      .EndObject();
  if (absl::Status written = writer.Finish(); !written.ok()) {
    return context.Error(route.request, absl::InternalError(written.message()));
  }
  Response response = JsonResponse(
      result->kind == campaign::VoteKind::kCreated ? 201 : 200, std::move(text));
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

Response Results(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<campaign::PollTally> tally = context.options.polls->Tally(route.Param("id"));
  if (!tally.ok()) return context.Error(route.request, tally.status());
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(route.request, if_none_match.status());
  if (if_none_match->has_value() && MatchesWeak(**if_none_match, tally->version)) {
    return NotModified(StrongEtag(tally->version), kPollCacheControl);
  }
  std::string text;
  JsonWriter writer(&text, {.assert_on_misuse = false});
  writer.BeginObject().Key("poll").String(tally->poll).Key("counts").BeginObject();
  for (const auto& [option, count] : tally->counts) writer.Key(option).Int(count);
  writer.EndObject().Key("total").Int(tally->total).EndObject();
  if (absl::Status written = writer.Finish(); !written.ok()) {
    return context.Error(route.request, absl::InternalError(written.message()));
  }
  Response response = JsonResponse(200, std::move(text));
  response.headers.Set("ETag", StrongEtag(tally->version));
  response.headers.Set("Cache-Control", kPollCacheControl);
  return response;
}

// GET /v1/polls: sort=closesAt (the by_closes_at index; polls that never
// close come first: a missing value sorts before any), filters closes_after and closes_before (RFC 3339,
// exclusive; a poll without closesAt matches neither).
ListSpec PollListSpec() {
  return ListSpec{
      .collection = campaign::kPollsCollection,
      .path = "/v1/polls",
      .sorts = {{.name = "closesAt", .index = campaign::kPollsByClosesAtIndex}},
      .filters = {{.param = "closes_after",
                   .pointer = "/closesAt",
                   .op = PredicateOp::kGt,
                   .kind = ListValueKind::kInstant},
                  {.param = "closes_before",
                   .pointer = "/closesAt",
                   .op = PredicateOp::kLt,
                   .kind = ListValueKind::kInstant}},
  };
}

}  // namespace

absl::Status AddPollRoutes(ApiContext* context, Router* router) {
  if (context->options.polls == nullptr) return absl::OkStatus();
  auto bind = [context](Response (*handler)(const ApiContext&, const RouteContext&)) {
    return [context, handler](const RouteContext& route) { return handler(*context, route); };
  };
  MARQUEE_RETURN_IF_ERROR(router->Add(
      "GET", "/v1/polls",
      [context](const RouteContext& route) {
        return ListRecords(*context, route, PollListSpec());
      },
      ListQueryParams(PollListSpec())));
  MARQUEE_RETURN_IF_ERROR(router->Add("POST", "/v1/polls", bind(&CreatePoll)));
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/polls/{id}", bind(&GetPoll)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PUT", "/v1/polls/{id}", bind(&PutPoll)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PATCH", "/v1/polls/{id}", bind(&PatchPoll)));
  MARQUEE_RETURN_IF_ERROR(router->Add("DELETE", "/v1/polls/{id}", bind(&DeletePoll)));
  MARQUEE_RETURN_IF_ERROR(router->Add("POST", "/v1/polls/{id}/close", bind(&ClosePoll)));
  MARQUEE_RETURN_IF_ERROR(router->Add("POST", "/v1/polls/{id}/votes", bind(&Vote)));
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/polls/{id}/results", bind(&Results)));
  return AddPollStreamRoute(context, router);
}

}  // namespace marquee::http::internal
