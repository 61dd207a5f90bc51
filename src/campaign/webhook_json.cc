// Webhook subscriptions and deliveries as JSON and as store records, their
// validation, and the retry backoff (webhooks.h, webhook_internal.h).
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "campaign/json_fields_internal.h"
#include "campaign/poll_internal.h"
#include "campaign/webhook_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/value.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;
using internal::FieldReader;
using internal::FormatInstant;

constexpr size_t kMaxSubscriptionIdBytes = 128;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxDescriptionBytes = 1000;
constexpr size_t kMaxMilestones = 32;
constexpr size_t kMinSecretBytes = 24;
constexpr size_t kMaxSecretBytes = 64;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

absl::Status CheckSubscriptionId(std::string_view id) {
  if (id.empty() || id.size() > kMaxSubscriptionIdBytes ||
      !std::all_of(id.begin(), id.end(), IsIdChar)) {
    return absl::InvalidArgumentError(
        "id: expected 1 to 128 characters of letters, digits, '.', '_' and '-'");
  }
  return absl::OkStatus();
}

// An absolute http(s) URL with a host, no user info, fragment, whitespace or
// control characters. The sender parses it again; this check keeps
// nonsense out of the store and names what is wrong.
absl::Status CheckUrl(std::string_view url) {
  auto bad = [](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("url: ", Sv(why)));
  };
  if (url.empty() || url.size() > kMaxUrlBytes) return bad("expected 1 to 2048 bytes");
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return bad("spaces, control and non-ASCII characters are not allowed");
  }
  std::string_view rest;
  if (absl::StartsWithIgnoreCase(Sv(url), "http://")) {
    rest = url.substr(7);
  } else if (absl::StartsWithIgnoreCase(Sv(url), "https://")) {
    rest = url.substr(8);
  } else {
    return bad("expected an absolute http:// or https:// URL");
  }
  if (url.find('#') != std::string_view::npos) return bad("a fragment (#) is not allowed");
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) return bad("user info (user@host) is not allowed");
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return bad("unclosed IPv6 address");
    const std::string_view after = host.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("expected ':' after the IPv6 address");
    host = host.substr(0, close + 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535) {
      return bad("the port must be 1 to 65535");
    }
    host = host.substr(0, colon);
  }
  if (host.empty() || host == "[]") return bad("no host");
  return absl::OkStatus();
}

absl::Status CheckSecret(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  std::string bytes;
  if (!absl::StartsWith(Sv(secret), Sv(kPrefix)) ||
      !absl::Base64Unescape(Sv(secret.substr(kPrefix.size())), &bytes) ||
      bytes.size() < kMinSecretBytes || bytes.size() > kMaxSecretBytes) {
    return absl::InvalidArgumentError(
        "secret: expected \"whsec_\" followed by the base64 of 24 to 64 bytes");
  }
  return absl::OkStatus();
}

Value StringArray(const std::vector<std::string>& strings) {
  std::vector<Value> out;
  out.reserve(strings.size());
  for (const std::string& s : strings) out.push_back(Value::String(s));
  return Value::Array(std::move(out));
}

Value IntegerArray(const std::vector<int64_t>& numbers) {
  std::vector<Value> out;
  out.reserve(numbers.size());
  for (int64_t n : numbers) out.push_back(Value::Number(static_cast<double>(n)));
  return Value::Array(std::move(out));
}

// The members shown by the API (and stored, with the secret).
std::vector<Value::Member> SubscriptionMembers(const WebhookSubscription& s) {
  std::vector<Value::Member> m;
  m.emplace_back("id", Value::String(s.id));
  m.emplace_back("url", Value::String(s.url));
  m.emplace_back("events", StringArray(s.events));
  m.emplace_back("description", Value::String(s.description));
  m.emplace_back("milestones", IntegerArray(s.milestones));
  m.emplace_back("paused", Value::Bool(s.paused));
  m.emplace_back("pausedReason", Value::String(s.paused_reason));
  m.emplace_back("consecutiveFailures", Value::Number(s.consecutive_failures));
  m.emplace_back("createdAt", Value::String(FormatInstant(s.created_at)));
  return m;
}

std::optional<std::vector<int64_t>> ReadMilestones(FieldReader& reader) {
  std::optional<std::vector<Value>> values = reader.Array("milestones");
  if (!values) return std::nullopt;
  std::vector<int64_t> out;
  for (size_t i = 0; i < values->size(); ++i) {
    const Value& v = (*values)[i];
    const double d = v.as_number();
    if (!v.is_number() || !std::isfinite(d) || std::floor(d) != d || d < 1 || d > 9e15) {
      reader.Fail(absl::InvalidArgumentError(
          absl::StrCat("milestones[", i, "]: expected a whole number from 1 to 9e15")));
      return std::nullopt;
    }
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

absl::Status Corrupt(const Record& r, const absl::Status& why) {
  return absl::DataLossError(absl::StrCat(r.collection, "/", r.id, ": ", why.message()));
}

}  // namespace

const std::vector<std::string_view>& WebhookEventKinds() {
  static const auto* kinds = new std::vector<std::string_view>{
      "campaign.changed", "campaign.deleted", "segment.changed", "segment.deleted",
      "poll.changed",     "poll.deleted",     "poll.closed",     "poll.milestone"};
  return *kinds;
}

std::string_view WebhookDeliveryStateName(WebhookDeliveryState state) {
  switch (state) {
    case WebhookDeliveryState::kPending: return "pending";
    case WebhookDeliveryState::kSucceeded: return "succeeded";
    case WebhookDeliveryState::kFailed: return "failed";
  }
  return "pending";
}

absl::Status ValidateWebhookSubscription(const WebhookSubscription& s) {
  MARQUEE_RETURN_IF_ERROR(CheckSubscriptionId(s.id));
  MARQUEE_RETURN_IF_ERROR(CheckUrl(s.url));
  if (s.events.empty()) {
    return absl::InvalidArgumentError("events: name at least one event kind, or \"*\"");
  }
  for (size_t i = 0; i < s.events.size(); ++i) {
    const auto& kinds = WebhookEventKinds();
    if (s.events[i] != "*" && std::find(kinds.begin(), kinds.end(), s.events[i]) == kinds.end()) {
      std::string known;
      for (std::string_view k : kinds) absl::StrAppend(&known, known.empty() ? "" : ", ", Sv(k));
      return absl::InvalidArgumentError(absl::StrCat(
          "events[", i, "]: unknown event kind; expected \"*\" or one of ", known));
    }
  }
  MARQUEE_RETURN_IF_ERROR(CheckSecret(s.secret));
  if (s.description.size() > kMaxDescriptionBytes) {
    return absl::InvalidArgumentError("description: at most 1000 bytes");
  }
  if (s.paused_reason.size() > kMaxDescriptionBytes) {
    return absl::InvalidArgumentError("pausedReason: at most 1000 bytes");
  }
  if (s.milestones.size() > kMaxMilestones) {
    return absl::InvalidArgumentError("milestones: at most 32");
  }
  for (size_t i = 0; i < s.milestones.size(); ++i) {
    if (s.milestones[i] < 1 || (i > 0 && s.milestones[i] <= s.milestones[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("milestones[", i, "]: expected ascending whole numbers of at least 1"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> WebhookSubscriptionToJson(const WebhookSubscription& s, bool include_secret) {
  std::vector<Value::Member> m = SubscriptionMembers(s);
  if (include_secret) m.emplace_back("secret", Value::String(s.secret));
  return Value::Object(std::move(m)).ToJson();
}

absl::StatusOr<WebhookSubscription> WebhookSubscriptionFromJson(std::string_view id,
                                                                const Json& body) {
  MARQUEE_ASSIGN_OR_RETURN(Value value, Value::FromJson(body));
  FieldReader reader(value, "subscription");
  WebhookSubscription s;
  s.id = std::string(id);
  if (auto url = reader.String("url")) s.url = *url;
  if (auto events = reader.Strings("events")) s.events = *events;
  if (auto secret = reader.String("secret")) s.secret = *secret;
  if (auto description = reader.String("description")) s.description = *description;
  if (auto milestones = ReadMilestones(reader)) s.milestones = *milestones;
  if (auto paused = reader.Bool("paused")) s.paused = *paused;
  if (auto reason = reader.String("pausedReason")) s.paused_reason = *reason;
  // Written by the service: accepted (a GET body can be PUT back) and ignored.
  for (const char* key : {"id", "consecutiveFailures", "createdAt"}) reader.Any(key);
  MARQUEE_RETURN_IF_ERROR(reader.status());
  if (Value extra = reader.Extra(); !extra.is_null()) {
    return absl::InvalidArgumentError(
        absl::StrCat("subscription.", extra.members().front().first, ": unknown member"));
  }
  if (!s.paused) s.paused_reason.clear();
  WebhookSubscription check = s;
  if (check.id.empty()) check.id = "x";
  if (check.secret.empty()) check.secret = "whsec_" + absl::Base64Escape(std::string(32, 'x'));
  MARQUEE_RETURN_IF_ERROR(ValidateWebhookSubscription(check));
  return s;
}

absl::StatusOr<Json> WebhookDeliveryToJson(const WebhookDelivery& d) {
  std::vector<Value::Member> m;
  m.emplace_back("id", Value::String(d.id));
  m.emplace_back("subscription", Value::String(d.subscription));
  m.emplace_back("eventId", Value::String(d.event_id));
  m.emplace_back("type", Value::String(d.kind));
  m.emplace_back("state", Value::String(std::string(WebhookDeliveryStateName(d.state))));
  m.emplace_back("attempts", Value::Number(d.attempts));
  m.emplace_back("createdAt", Value::String(FormatInstant(d.created_at)));
  if (d.state == WebhookDeliveryState::kPending) {
    m.emplace_back("nextAttemptAt", Value::String(FormatInstant(d.next_attempt_at)));
  }
  m.emplace_back("lastAttemptAt",
                 d.last_attempt_at ? Value::String(FormatInstant(*d.last_attempt_at)) : Value());
  m.emplace_back("lastStatus", Value::Number(d.last_status));
  m.emplace_back("lastError", Value::String(d.last_error));
  MARQUEE_ASSIGN_OR_RETURN(Value payload, Value::Parse(d.payload));
  m.emplace_back("payload", std::move(payload));
  return Value::Object(std::move(m)).ToJson();
}

namespace internal {

absl::StatusOr<Json> SubscriptionRecordBody(const WebhookSubscription& s) {
  std::vector<Value::Member> m = SubscriptionMembers(s);
  m.emplace_back("secret", Value::String(s.secret));
  return Value::Object(std::move(m)).ToJson();
}

absl::StatusOr<WebhookSubscription> SubscriptionFromRecord(const Record& record) {
  auto value = Value::FromJson(record.body);
  if (!value.ok()) return Corrupt(record, value.status());
  FieldReader reader(*value, "subscription");
  WebhookSubscription s;
  s.id = record.id;
  s.version = record.version;
  if (auto url = reader.String("url")) s.url = *url;
  if (auto events = reader.Strings("events")) s.events = *events;
  if (auto secret = reader.String("secret")) s.secret = *secret;
  if (auto description = reader.String("description")) s.description = *description;
  if (auto milestones = ReadMilestones(reader)) s.milestones = *milestones;
  if (auto paused = reader.Bool("paused")) s.paused = *paused;
  if (auto reason = reader.String("pausedReason")) s.paused_reason = *reason;
  if (auto failures = reader.Integer("consecutiveFailures")) s.consecutive_failures = *failures;
  if (auto created = reader.String("createdAt")) {
    auto at = ParseInstant(*created);
    if (!at.ok()) return Corrupt(record, at.status());
    s.created_at = *at;
  }
  if (!reader.status().ok()) return Corrupt(record, reader.status());
  return s;
}

absl::StatusOr<Json> DeliveryRecordBody(const WebhookDelivery& d) {
  std::vector<Value::Member> m;
  m.emplace_back("subscription", Value::String(d.subscription));
  m.emplace_back("eventId", Value::String(d.event_id));
  m.emplace_back("type", Value::String(d.kind));
  m.emplace_back("payload", Value::String(d.payload));
  m.emplace_back("state", Value::String(std::string(WebhookDeliveryStateName(d.state))));
  m.emplace_back("attempts", Value::Number(d.attempts));
  m.emplace_back("createdAt", Value::String(FormatInstant(d.created_at)));
  m.emplace_back("nextAttemptAt", Value::String(FormatInstant(d.next_attempt_at)));
  if (d.last_attempt_at) {
    m.emplace_back("lastAttemptAt", Value::String(FormatInstant(*d.last_attempt_at)));
  }
  m.emplace_back("lastStatus", Value::Number(d.last_status));
  m.emplace_back("lastError", Value::String(d.last_error));
  return Value::Object(std::move(m)).ToJson();
}

absl::StatusOr<WebhookDelivery> DeliveryFromRecord(const Record& record) {
  auto value = Value::FromJson(record.body);
  if (!value.ok()) return Corrupt(record, value.status());
  FieldReader reader(*value, "delivery");
  WebhookDelivery d;
  d.id = record.id;
  d.version = record.version;
  auto instant = [&](const char* key) -> std::optional<absl::Time> {
    std::optional<std::string> text = reader.String(key);
    if (!text) return std::nullopt;
    auto at = ParseInstant(*text);
    if (!at.ok()) {
      reader.Fail(absl::InvalidArgumentError(absl::StrCat(key, ": ", at.status().message())));
      return std::nullopt;
    }
    return *at;
  };
  if (auto s = reader.String("subscription")) d.subscription = *s;
  if (auto s = reader.String("eventId")) d.event_id = *s;
  if (auto s = reader.String("type")) d.kind = *s;
  if (auto s = reader.String("payload")) d.payload = *s;
  if (auto s = reader.String("state")) {
    if (*s == "succeeded") {
      d.state = WebhookDeliveryState::kSucceeded;
    } else if (*s == "failed") {
      d.state = WebhookDeliveryState::kFailed;
    } else if (*s != "pending") {
      reader.Fail(absl::InvalidArgumentError("state: unknown"));
    }
  }
  if (auto n = reader.Integer("attempts")) d.attempts = *n;
  if (auto at = instant("createdAt")) d.created_at = *at;
  if (auto at = instant("nextAttemptAt")) d.next_attempt_at = *at;
  d.last_attempt_at = instant("lastAttemptAt");
  if (auto n = reader.Integer("lastStatus")) d.last_status = *n;
  if (auto s = reader.String("lastError")) d.last_error = *s;
  if (!reader.status().ok()) return Corrupt(record, reader.status());
  if (d.subscription.empty() || d.event_id.empty()) {
    return Corrupt(record, absl::InvalidArgumentError("subscription and eventId are required"));
  }
  return d;
}

std::string DeliveryId(std::string_view subscription, std::string_view event_id) {
  return absl::StrCat(Sv(subscription), "/", Sv(event_id));
}

std::string DeliveriesLowerBound(std::string_view subscription) {
  return absl::StrCat(Sv(subscription), "/");
}

// '0' follows '/' in byte order, and subscription ids hold no '/'.
std::string DeliveriesUpperBound(std::string_view subscription) {
  return absl::StrCat(Sv(subscription), "0");
}

bool WantsEvent(const WebhookSubscription& subscription, std::string_view kind) {
  return std::any_of(subscription.events.begin(), subscription.events.end(),
                     [&](const std::string& e) { return e == "*" || e == kind; });
}

absl::Duration WebhookBackoff(const WebhookServiceOptions& options, int attempt,
                              absl::BitGen& random) {
  absl::Duration ceiling = options.initial_backoff;
  for (int i = 1; i < attempt && ceiling < options.max_backoff; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, options.max_backoff);
  const int64_t micros = absl::ToInt64Microseconds(ceiling);
  const absl::Duration wait =
      absl::Microseconds(micros <= 0 ? 0 : absl::Uniform<int64_t>(absl::IntervalClosed, random, 0, micros));
  return std::max(wait, options.min_backoff);
}

}  // namespace internal
}  // namespace marquee::campaign
