// The typed delivery calls of Client: decide, features, votes, results,
// and the erasure of a user.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/reply_status.h"
#include "marquee/campaign/value.h"
#include "marquee/client/client.h"
#include "marquee/http/message.h"
#include "marquee/json.h"
#include "marquee/json_writer.h"

namespace marquee::client {
namespace {

// The header the server reads an end-user token from (AuthOptions'
// default user_token_header).
constexpr char kUserTokenHeader[] = "X-User-Token";

absl::StatusOr<Json> JsonOfReply(const Reply& reply, const char* what) {
  absl::StatusOr<Json> json = Json::Parse(reply.body);
  if (!json.ok()) return absl::DataLossError(absl::StrCat(what, " answer: ", json.status().message()));
  return json;
}

void AddUserToken(const std::string& token, Call& call) {
  if (!token.empty()) call.headers.Add(kUserTokenHeader, token);
}

}  // namespace

absl::StatusOr<Json> Client::Decide(const DecideCall& decide) {
  std::string body;
  JsonWriter writer(&body, {.assert_on_misuse = false});
  writer.BeginObject();
  if (!decide.user.empty()) writer.Key("user").String(decide.user);
  if (!decide.placement.empty()) writer.Key("placement").String(decide.placement);
  if (!decide.attributes_json.empty()) {
    absl::StatusOr<Json> attributes = Json::Parse(decide.attributes_json);
    if (!attributes.ok() || attributes->text().empty() || attributes->text().front() != '{') {
      return absl::InvalidArgumentError("attributes_json: must be a JSON object");
    }
    writer.Key("attributes").Raw(*attributes);
  }
  writer.EndObject();
  if (absl::Status s = writer.Finish(); !s.ok()) return absl::InvalidArgumentError(s.message());
  Call call{.method = "POST", .target = "/v1/decide", .body = std::move(body)};
  AddUserToken(decide.user_token, call);
  absl::StatusOr<Reply> reply = Send(call);
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply); !s.ok()) return s;
  return JsonOfReply(*reply, "decide");
}

absl::StatusOr<Json> Client::Features() {
  absl::StatusOr<Reply> reply = Send({.method = "GET", .target = "/v1/features"});
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply); !s.ok()) return s;
  return JsonOfReply(*reply, "features");
}

absl::StatusOr<VoteOutcome> Client::Vote(const VoteCall& vote) {
  std::string body;
  JsonWriter writer(&body, {.assert_on_misuse = false});
  writer.BeginObject();
  if (!vote.user.empty()) writer.Key("user").String(vote.user);
  writer.Key("option").String(vote.option).EndObject();
  if (absl::Status s = writer.Finish(); !s.ok()) return absl::InvalidArgumentError(s.message());
  Call call{.method = "POST",
            .target = absl::StrCat("/v1/polls/", http::EncodePathSegment(vote.poll), "/votes"),
            .body = std::move(body)};
  AddUserToken(vote.user_token, call);
  absl::StatusOr<Reply> reply = Send(call);
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply); !s.ok()) return s;
  absl::StatusOr<campaign::Value> answer = campaign::Value::Parse(reply->body);
  const campaign::Value* result = answer.ok() ? answer->Find("result") : nullptr;
  if (result == nullptr) return absl::DataLossError("vote answer: no \"result\"");
  if (result->as_string() == "created") return VoteOutcome::kCreated;
  if (result->as_string() == "unchanged") return VoteOutcome::kUnchanged;
  if (result->as_string() == "changed") return VoteOutcome::kChanged;
  return absl::DataLossError("vote answer: an unknown \"result\"");
}

absl::StatusOr<PollResults> Client::GetPollResults(std::string_view poll) {
  absl::StatusOr<Reply> reply = Send(
      {.method = "GET", .target = absl::StrCat("/v1/polls/", http::EncodePathSegment(poll), "/results")});
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply); !s.ok()) return s;
  absl::StatusOr<campaign::Value> answer = campaign::Value::Parse(reply->body);
  if (!answer.ok()) return absl::DataLossError("results answer: not JSON");
  const campaign::Value* id = answer->Find("poll");
  const campaign::Value* counts = answer->Find("counts");
  const campaign::Value* total = answer->Find("total");
  if (id == nullptr || !id->is_string() || counts == nullptr || !counts->is_object() ||
      total == nullptr || !total->is_number()) {
    return absl::DataLossError("results answer: not a tally");
  }
  PollResults results{.poll = std::string(id->as_string()),
                      .total = static_cast<int64_t>(total->as_number())};
  for (const auto& [option, count] : counts->members()) {
    results.counts.emplace_back(option, static_cast<int64_t>(count.as_number()));
  }
  // The tally's version: its strong ETag (0 before the first vote).
  if (absl::StatusOr<uint64_t> version = internal::VersionOfETag(*reply); version.ok()) {
    results.version = *version;
  }
  return results;
}

absl::Status Client::EraseUser(std::string_view user) {
  absl::StatusOr<Reply> reply = Send(
      {.method = "DELETE", .target = absl::StrCat("/v1/profiles/", http::EncodePathSegment(user))});
  if (!reply.ok()) return reply.status();
  return internal::StatusOfReply(*reply);
}

}  // namespace marquee::client
