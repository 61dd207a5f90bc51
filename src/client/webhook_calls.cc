// The typed webhook calls of Client: subscriptions and their delivery log.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/record_representation.h"
#include "client/reply_status.h"
#include "marquee/campaign/value.h"
#include "marquee/client/client.h"
#include "marquee/http/message.h"
#include "marquee/status.h"

namespace marquee::client {
namespace {

using campaign::Value;
using campaign::WebhookDelivery;
using campaign::WebhookDeliveryState;
using campaign::WebhookSubscription;
using internal::CheckedReply;

std::string Target(std::string_view id) {
  return absl::StrCat("/v1/webhooks/", http::EncodePathSegment(id));
}

std::optional<absl::Time> InstantOf(const Value* v) {
  absl::Time t;
  std::string error;
  if (v == nullptr || !v->is_string() ||
      !absl::ParseTime(absl::RFC3339_full, std::string(v->as_string()), &t, &error)) {
    return std::nullopt;
  }
  return t;
}

absl::StatusOr<WebhookSubscription> SubscriptionOfReply(const Reply& reply) {
  MARQUEE_ASSIGN_OR_RETURN(internal::Representation r,
                           internal::SplitRepresentation(reply.body, "webhook"));
  absl::StatusOr<WebhookSubscription> s = campaign::WebhookSubscriptionFromJson(r.id, r.rest);
  if (!s.ok()) return absl::DataLossError(absl::StrCat("webhook answer: ", s.status().message()));
  // Written by the server, which WebhookSubscriptionFromJson leaves alone.
  absl::StatusOr<Value> v = Value::FromJson(r.rest);
  if (v.ok()) {
    if (const Value* failures = v->Find("consecutiveFailures"); failures && failures->is_number()) {
      s->consecutive_failures = static_cast<int>(failures->as_number());
    }
    if (std::optional<absl::Time> created = InstantOf(v->Find("createdAt"))) s->created_at = *created;
  }
  MARQUEE_ASSIGN_OR_RETURN(s->version, internal::VersionOfETag(reply));
  return s;
}

// The members a client may set, as a JSON object (POST body or merge patch).
absl::StatusOr<std::string> SettableMembers(const WebhookSubscription& s, bool with_id) {
  std::vector<Value::Member> m;
  if (with_id && !s.id.empty()) m.emplace_back("id", Value::String(s.id));
  m.emplace_back("url", Value::String(s.url));
  std::vector<Value> events;
  for (const std::string& e : s.events) events.push_back(Value::String(e));
  m.emplace_back("events", Value::Array(std::move(events)));
  m.emplace_back("description", Value::String(s.description));
  std::vector<Value> milestones;
  for (int64_t n : s.milestones) milestones.push_back(Value::Number(static_cast<double>(n)));
  m.emplace_back("milestones", Value::Array(std::move(milestones)));
  m.emplace_back("paused", Value::Bool(s.paused));
  if (s.paused) m.emplace_back("pausedReason", Value::String(s.paused_reason));
  if (!s.secret.empty()) m.emplace_back("secret", Value::String(s.secret));
  return Value::Object(std::move(m)).ToJsonText();
}

absl::StatusOr<WebhookDelivery> DeliveryOfValue(const Value& v) {
  auto text = [&](const char* key) -> std::string {
    const Value* f = v.Find(key);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : "";
  };
  auto number = [&](const char* key) -> int {
    const Value* f = v.Find(key);
    return f != nullptr && f->is_number() ? static_cast<int>(f->as_number()) : 0;
  };
  WebhookDelivery d{.id = text("id"), .subscription = text("subscription"),
                    .event_id = text("eventId"), .kind = text("type")};
  const std::string state = text("state");
  if (state == "succeeded") {
    d.state = WebhookDeliveryState::kSucceeded;
  } else if (state == "failed") {
    d.state = WebhookDeliveryState::kFailed;
  } else if (state != "pending") {
    return absl::DataLossError("deliveries answer: an unknown state");
  }
  d.attempts = number("attempts");
  d.last_status = number("lastStatus");
  d.last_error = text("lastError");
  if (auto at = InstantOf(v.Find("createdAt"))) d.created_at = *at;
  if (auto at = InstantOf(v.Find("nextAttemptAt"))) d.next_attempt_at = *at;
  d.last_attempt_at = InstantOf(v.Find("lastAttemptAt"));
  if (const Value* payload = v.Find("payload"); payload != nullptr) d.payload = payload->ToJsonText();
  if (d.id.empty() || d.event_id.empty()) return absl::DataLossError("deliveries answer: not a delivery");
  return d;
}

}  // namespace

absl::StatusOr<WebhookSubscription> Client::CreateWebhook(const WebhookSubscription& subscription) {
  MARQUEE_ASSIGN_OR_RETURN(std::string body, SettableMembers(subscription, /*with_id=*/true));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "POST", .target = "/v1/webhooks",
                                                             .body = std::move(body)},
                                                     /*creating=*/true));
  return SubscriptionOfReply(reply);
}

absl::StatusOr<WebhookSubscription> Client::GetWebhook(std::string_view id) {
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "GET", .target = Target(id)}));
  return SubscriptionOfReply(reply);
}

absl::StatusOr<WebhookSubscription> Client::UpdateWebhook(const WebhookSubscription& subscription) {
  if (subscription.version == 0) {
    return absl::InvalidArgumentError("subscription.version: the version it was read at");
  }
  MARQUEE_ASSIGN_OR_RETURN(std::string body, SettableMembers(subscription, /*with_id=*/false));
  http::Headers headers;
  headers.Add("Content-Type", "application/merge-patch+json");
  headers.Add("If-Match", absl::StrCat("\"", subscription.version, "\""));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "PATCH",
                                                             .target = Target(subscription.id),
                                                             .headers = std::move(headers),
                                                             .body = std::move(body)}));
  return SubscriptionOfReply(reply);
}

absl::Status Client::DeleteWebhook(std::string_view id, std::optional<uint64_t> version) {
  http::Headers headers;
  if (version) headers.Add("If-Match", absl::StrCat("\"", *version, "\""));
  return CheckedReply(*this, {.method = "DELETE", .target = Target(id), .headers = std::move(headers)})
      .status();
}

absl::StatusOr<WebhookDeliveryPage> Client::ListWebhookDeliveries(std::string_view id, size_t limit,
                                                                  std::string_view after) {
  std::string target = absl::StrCat(Target(id), "/deliveries?limit=", limit);
  if (!after.empty()) absl::StrAppend(&target, "&after=", http::EncodeQueryComponent(after));
  MARQUEE_ASSIGN_OR_RETURN(Reply reply, CheckedReply(*this, {.method = "GET", .target = std::move(target)}));
  absl::StatusOr<Value> v = Value::Parse(reply.body);
  const Value* data = v.ok() ? v->Find("data") : nullptr;
  const Value* next = v.ok() ? v->GetPath("page.next") : nullptr;
  if (data == nullptr || !data->is_array()) return absl::DataLossError("deliveries answer: no data");
  WebhookDeliveryPage page;
  for (const Value& one : data->elements()) {
    MARQUEE_ASSIGN_OR_RETURN(WebhookDelivery d, DeliveryOfValue(one));
    page.deliveries.push_back(std::move(d));
  }
  if (next != nullptr && next->is_string()) page.next_after = std::string(next->as_string());
  return page;
}

}  // namespace marquee::client
