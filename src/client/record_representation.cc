// Representations of records for the client's typed calls
// (record_representation.h).
#include "client/record_representation.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/reply_status.h"
#include "marquee/campaign/value.h"

namespace marquee::client::internal {

absl::StatusOr<Representation> SplitRepresentation(std::string_view text, std::string_view what) {
  absl::StatusOr<campaign::Value> value = campaign::Value::Parse(text);
  const campaign::Value* id = value.ok() && value->is_object() ? value->Find("id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    return absl::DataLossError(
        absl::StrCat(std::string(what), " answer: not an object with a string \"id\""));
  }
  std::vector<campaign::Value::Member> rest;
  for (const campaign::Value::Member& m : value->members()) {
    if (m.first != "id") rest.push_back(m);
  }
  absl::StatusOr<Json> json = campaign::Value::Object(std::move(rest)).ToJson();
  if (!json.ok()) return absl::DataLossError(absl::StrCat(std::string(what), " answer: ", json.status().message()));
  return Representation{.id = std::string(id->as_string()), .rest = *std::move(json)};
}

absl::StatusOr<std::string> JoinRepresentation(std::string_view id, const Json& body) {
  absl::StatusOr<campaign::Value> value = campaign::Value::FromJson(body);
  if (!value.ok() || !value->is_object()) {
    return absl::InvalidArgumentError("body: must be a JSON object");
  }
  std::vector<campaign::Value::Member> members;
  members.emplace_back("id", campaign::Value::String(std::string(id)));
  for (const campaign::Value::Member& m : value->members()) {
    if (m.first != "id") members.push_back(m);
  }
  return campaign::Value::Object(std::move(members)).ToJsonText();
}

absl::StatusOr<Reply> CheckedReply(Client& client, const Call& call, bool creating) {
  absl::StatusOr<Reply> reply = client.Send(call);
  if (!reply.ok()) return reply.status();
  if (absl::Status s = StatusOfReply(*reply, creating); !s.ok()) return s;
  return reply;
}

}  // namespace marquee::client::internal
