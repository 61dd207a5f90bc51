// marquee/campaign/webhooks.h — webhooks: signed POSTs to subscribers when
// campaigns, segments and polls change, fed from the store's change feed.
//
// A subscription names a URL, the event kinds it wants and a secret. The
// service watches the store (Store::Watch), derives events from the changes
// (every node sharing the store derives the same ones) and records one
// delivery per event and matching subscription in the store before sending
// it, so a restart or a second node neither loses nor repeats one:
//   - Event ids are deterministic ("campaign.changed/<id>/<version>",
//     "poll.milestone/<poll>/<n>", ...) and a delivery's id is
//     "<subscription>/<event id>", created with expected version 0: whoever
//     creates it first owns it; the others see it exists and move on.
//   - The service keeps its change-feed position in webhook_state/<name> and
//     resumes from it; when the store no longer retains that history it
//     resumes from the current version (the gap is counted in stats()).
// Event kinds (kWebhookEventKinds):
//   campaign.changed, campaign.deleted, segment.changed, segment.deleted,
//   poll.changed, poll.deleted — a put or erase of the record; "data" holds
//     {"id", "version"} and, for puts, the stored "body".
//   poll.closed — a poll's closesAt passed: at once for ClosePoll (or any
//     write that sets closesAt in the past), and by timer for a scheduled
//     close; "data": {"poll", "closesAt", "tally": {"counts", "total"}}.
//   poll.milestone — a poll's vote total reached one of the subscription's
//     milestones (default: 10, 100, 1,000, ...); "data": {"poll",
//     "milestone", "total"}. Sent once per milestone, however many votes
//     arrive together.
// Delivery: a POST of the event's JSON ({"id", "type", "createdAt", "data"})
// with the Standard Webhooks headers — webhook-id (the event id, the
// receiver's idempotency key), webhook-timestamp (Unix seconds of this
// attempt) and webhook-signature ("v1,<base64 HMAC-SHA256>" over
// "<id>.<timestamp>.<body>", keyed by the secret's bytes). A 2xx answer is a
// success; anything else (another status, no answer within the timeout) is a
// failed attempt, retried after an exponential backoff with full jitter
// (initial_backoff doubling up to max_backoff) until max_attempts, then the
// delivery is "failed". After pause_after_failures failed attempts in a row
// a subscription is paused: nothing more is sent to it (new events are still
// recorded, as pending) until it is resumed, which sends what waited.
// Deliveries are at least once and not ordered; the delivery log keeps each
// one's attempts, last status and last error for `retention`.
// Thread-safety: every method may be called concurrently.
//
//   auto sender = marquee::http::MakeWebhookSender();          // http/webhook_sender.h
//   auto hooks = WebhookService::Open(store.get(), {.sender = sender.get()});
//   auto sub = (*hooks)->CreateSubscription(
//       {.url = "https://example.org/hooks", .events = {"poll.closed"}});
//   MARQUEE_RETURN_IF_ERROR((*hooks)->Start());
//   // sub->secret ("whsec_...") goes to the receiver, which checks each POST
//   // with VerifyWebhookSignature.
#ifndef MARQUEE_CAMPAIGN_WEBHOOKS_H_
#define MARQUEE_CAMPAIGN_WEBHOOKS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign {

// Collections: subscriptions by id; deliveries by "<subscription>/<event
// id>"; the service's change-feed position by service name.
inline constexpr std::string_view kWebhooksCollection = "webhooks";
inline constexpr std::string_view kWebhookDeliveriesCollection = "webhook_deliveries";
inline constexpr std::string_view kWebhookStateCollection = "webhook_state";

// Every event kind a subscription may ask for; "*" asks for all of them.
MARQUEE_EXPORT const std::vector<std::string_view>& WebhookEventKinds();

struct WebhookSubscription {
  // 1..128 characters of [A-Za-z0-9._-]; generated ("wh_" + 16 hex digits)
  // when empty on create.
  std::string id{};
  // An absolute http:// or https:// URL without user info or fragment, at
  // most 2,048 bytes.
  std::string url{};
  // Event kinds (WebhookEventKinds()) or "*"; at least one.
  std::vector<std::string> events{};
  // "whsec_" + base64 of 24..64 bytes; generated when empty on create.
  std::string secret{};
  // Free text, at most 1,000 bytes.
  std::string description{};
  // Vote totals that send poll.milestone, ascending, each >= 1; empty: the
  // service's default_milestones. At most 32.
  std::vector<int64_t> milestones{};
  // A paused subscription is sent nothing; its events wait as pending.
  bool paused = false;
  // Why it was paused ("" when it is not): set by the service when it pauses
  // a failing subscriber, or by whoever paused it.
  std::string paused_reason{};
  // Failed attempts in a row (reset by a success or by resuming).
  int consecutive_failures = 0;
  // Set by the service.
  absl::Time created_at = absl::UnixEpoch();
  uint64_t version = 0;

  friend bool operator==(const WebhookSubscription&, const WebhookSubscription&) = default;
};

enum class WebhookDeliveryState : uint8_t { kPending, kSucceeded, kFailed };

// "pending", "succeeded", "failed".
MARQUEE_EXPORT std::string_view WebhookDeliveryStateName(WebhookDeliveryState state);

// One event for one subscription, with its attempts: the delivery log.
struct WebhookDelivery {
  std::string id{};            // "<subscription>/<event id>"
  std::string subscription{};
  std::string event_id{};
  std::string kind{};
  std::string payload{};       // the exact body sent (JSON text)
  WebhookDeliveryState state = WebhookDeliveryState::kPending;
  int attempts = 0;
  absl::Time created_at = absl::UnixEpoch();
  // When the next attempt is due (pending only).
  absl::Time next_attempt_at = absl::UnixEpoch();
  // Of the last attempt: its time, the HTTP status (0: no answer) and, for
  // a failure, what went wrong.
  std::optional<absl::Time> last_attempt_at{};
  int last_status = 0;
  std::string last_error{};
  uint64_t version = 0;
};

// Subscription JSON, as the HTTP API shows it: {"id", "url", "events",
// "description", "milestones", "paused", "pausedReason",
// "consecutiveFailures", "createdAt", and "secret" only when
// include_secret}.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> WebhookSubscriptionToJson(
    const WebhookSubscription& subscription, bool include_secret);
// Reads the members a client may set: "url", "events", "secret",
// "description", "milestones", "paused", "pausedReason"; other members
// written by WebhookSubscriptionToJson are ignored, unknown ones are
// InvalidArgument. Validates the result (ValidateWebhookSubscription) except
// for an empty secret or id.
// Errors: InvalidArgument naming the member.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<WebhookSubscription> WebhookSubscriptionFromJson(
    std::string_view id, const Json& body);
// Errors: InvalidArgument naming the member.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateWebhookSubscription(
    const WebhookSubscription& subscription);

// {"id", "subscription", "eventId", "type", "state", "attempts",
// "createdAt", "nextAttemptAt" (pending only), "lastAttemptAt",
// "lastStatus", "lastError", "payload" (the body sent, as JSON)}.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> WebhookDeliveryToJson(
    const WebhookDelivery& delivery);

// ---- signatures (Standard Webhooks) ----------------------------------------

// A new random secret: "whsec_" + base64 of 32 random bytes.
// Errors: Internal (the random source failed).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::string> GenerateWebhookSecret();

// The webhook-signature value for one POST: "v1,<base64 of HMAC-SHA256 over
// '<message_id>.<unix seconds>.<body>'>", keyed by the secret's bytes.
// Errors: InvalidArgument (a secret that is not "whsec_<base64>").
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::string> SignWebhook(
    std::string_view secret, std::string_view message_id, int64_t unix_seconds,
    std::string_view body);

// What a receiver does with a POST: checks that `signature_header` (one or
// more space-separated "v1,<base64>") holds a valid signature of the body,
// and that the timestamp is within `tolerance` of `now` (replays of old
// POSTs fail). Comparison is in constant time.
// Errors: InvalidArgument (malformed timestamp or secret),
// PermissionDenied (no valid signature), DeadlineExceeded (timestamp out of
// tolerance).
[[nodiscard]] MARQUEE_EXPORT absl::Status VerifyWebhookSignature(
    std::string_view secret, std::string_view message_id, std::string_view timestamp,
    std::string_view signature_header, std::string_view body, absl::Time now,
    absl::Duration tolerance = absl::Minutes(5));

// ---- sending -----------------------------------------------------------------

struct WebhookRequest {
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
};

// Sends one POST. The HTTP adapter provides one (marquee/http/
// webhook_sender.h); a host may bring its own HTTP client.
// Thread-safety: Post is called concurrently from the delivery threads.
class MARQUEE_EXPORT WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // The answer's status code (any code is a value, not an error), or an
  // error when no answer came: Unavailable (connection failed),
  // DeadlineExceeded (timeout), InvalidArgument (the URL).
  [[nodiscard]] virtual absl::StatusOr<int> Post(const WebhookRequest& request) = 0;
};

// ---- the service ---------------------------------------------------------------

struct WebhookServiceOptions {
  // Source of "now" for timestamps, backoff and scheduled closes. Not owned.
  // Default: nullptr, Clock::Real().
  Clock* clock = nullptr;
  // Sends the POSTs. Not owned; must outlive the service; required by
  // Start. Default: nullptr.
  WebhookSender* sender = nullptr;
  // Names this service's change-feed position (webhook_state/<name>); two
  // services on one store with the same name share it. [A-Za-z0-9._-],
  // 1..64. Default: "default".
  std::string name = "default";
  // Attempts of one delivery before it is "failed"; 1..100. Default: 8.
  int max_attempts = 8;
  // Backoff before attempt n+1: a random duration in [0, min(max_backoff,
  // initial_backoff * 2^(n-1))] ("full jitter"), at least min_backoff.
  // Default: 1 s, 10 min; min_backoff 0.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(10);
  absl::Duration min_backoff = absl::ZeroDuration();
  // Failed attempts in a row that pause a subscription; 1..10,000.
  // Default: 20.
  int pause_after_failures = 20;
  // Threads that send; 1..64. Default: 2.
  int delivery_threads = 2;
  // Pending deliveries held at most (all subscriptions). An event beyond it
  // is recorded as "failed" with lastError "queue full" instead of waiting.
  // 1..1,000,000. Default: 100,000.
  size_t max_pending = 100'000;
  // Subscriptions at most; CreateSubscription answers ResourceExhausted
  // beyond it. 1..10,000. Default: 1,000.
  size_t max_subscriptions = 1'000;
  // Finished deliveries (succeeded or failed) older than this are erased.
  // Default: 7 days.
  absl::Duration retention = absl::Hours(24 * 7);
  // poll.milestone totals for subscriptions that name none.
  // Default: 10, 100, ..., 10,000,000.
  std::vector<int64_t> default_milestones = {10, 100, 1'000, 10'000, 100'000, 1'000'000,
                                             10'000'000};
  // How often due retries and scheduled closes are checked when nothing
  // wakes the service sooner. 1 ms..1 min. Default: 1 s.
  absl::Duration tick = absl::Seconds(1);
};

struct WebhookServiceStats {
  uint64_t events = 0;               // events derived from changes
  uint64_t deliveries_created = 0;   // by this service
  uint64_t attempts = 0;
  uint64_t succeeded = 0;
  uint64_t failed = 0;               // deliveries that ran out of attempts
  uint64_t paused = 0;               // subscriptions paused by this service
  uint64_t feed_gaps = 0;            // resumed from the current version
  uint64_t store_errors = 0;         // store calls that failed (retried later)
  size_t pending = 0;                // deliveries waiting now
};

struct WebhookDeliveryPage {
  std::vector<WebhookDelivery> deliveries{};
  // The id to pass as `after` for the next page; empty when there is none.
  std::string next_after{};
};

class MARQUEE_EXPORT WebhookService {
 public:
  // Opens the service on `store` (subscriptions can be managed at once;
  // nothing is watched or sent before Start).
  // Errors: InvalidArgument (null store, an option out of range).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WebhookService>> Open(
      Store* store, const WebhookServiceOptions& options = {});

  // Stops (see Stop).
  ~WebhookService();
  WebhookService(const WebhookService&) = delete;
  WebhookService& operator=(const WebhookService&) = delete;

  // Loads the subscriptions and pending deliveries, watches the store from
  // the saved position and starts sending. Calling it again is a no-op.
  // Errors: FailedPrecondition (no sender), those of Store::Get, Scan and
  // Watch.
  [[nodiscard]] absl::Status Start();

  // Stops watching and sending; waits for the POSTs in flight (each bounded
  // by the sender's timeout). Deliveries not sent stay pending in the store.
  void Stop();

  // Stores a new subscription (id and secret generated when empty).
  // Returns it with its secret.
  // Errors: InvalidArgument, AlreadyExists, ResourceExhausted
  // (max_subscriptions), those of Store::Write.
  [[nodiscard]] absl::StatusOr<WebhookSubscription> CreateSubscription(
      WebhookSubscription subscription);

  // Errors: NotFound, InvalidArgument (bad id), DataLoss (a stored body that
  // does not read), Unavailable.
  [[nodiscard]] absl::StatusOr<WebhookSubscription> GetSubscription(std::string_view id) const;

  // Every subscription, in id order.
  [[nodiscard]] absl::StatusOr<std::vector<WebhookSubscription>> ListSubscriptions() const;

  // Replaces the client-settable members (WebhookSubscriptionFromJson's) of
  // subscription.id when its version is `expected_version` (nullopt: any).
  // An empty secret keeps the stored one. Resuming (paused true -> false)
  // resets consecutive_failures and makes the waiting deliveries due now.
  // Errors: NotFound, FailedPrecondition (version mismatch), InvalidArgument,
  // those of Store::Write.
  [[nodiscard]] absl::StatusOr<WebhookSubscription> UpdateSubscription(
      const WebhookSubscription& subscription, std::optional<uint64_t> expected_version);

  // Erases the subscription and its delivery log.
  // Errors: NotFound, FailedPrecondition (version mismatch), those of
  // Store::Write.
  [[nodiscard]] absl::Status DeleteSubscription(std::string_view id,
                                                std::optional<uint64_t> expected_version);

  // The subscription's deliveries in id order, after `after` (a delivery id
  // of a previous page; "" for the first page), at most `limit` (1..1000).
  // Errors: NotFound (no such subscription), InvalidArgument (bad limit or
  // after), DataLoss, Unavailable.
  [[nodiscard]] absl::StatusOr<WebhookDeliveryPage> ListDeliveries(
      std::string_view subscription_id, size_t limit, std::string_view after) const;

  WebhookServiceStats stats() const;

 private:
  struct Impl;
  explicit WebhookService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_WEBHOOKS_H_
