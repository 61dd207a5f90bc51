// Webhook internals shared by the service's files (webhooks.h): record
// layouts, event derivation and backoff.
#ifndef MARQUEE_SRC_CAMPAIGN_WEBHOOK_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_WEBHOOK_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/json.h"
#include "marquee/record.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

// ---- records (webhook_json.cc) ----------------------------------------------

// The stored subscription: the API's JSON plus the secret.
absl::StatusOr<Json> SubscriptionRecordBody(const WebhookSubscription& subscription);
// Errors: DataLoss naming the record.
absl::StatusOr<WebhookSubscription> SubscriptionFromRecord(const Record& record);

// The stored delivery; payload kept as a JSON string, so retries send the
// same bytes.
absl::StatusOr<Json> DeliveryRecordBody(const WebhookDelivery& delivery);
// Errors: DataLoss naming the record.
absl::StatusOr<WebhookDelivery> DeliveryFromRecord(const Record& record);

// "<subscription>/<event id>".
std::string DeliveryId(std::string_view subscription, std::string_view event_id);

// The id range [lower, upper) of one subscription's deliveries.
std::string DeliveriesLowerBound(std::string_view subscription);
std::string DeliveriesUpperBound(std::string_view subscription);

// Whether `subscription` asked for `kind` (or "*").
bool WantsEvent(const WebhookSubscription& subscription, std::string_view kind);

// ---- events (webhook_events.cc) ----------------------------------------------

struct WebhookEvent {
  std::string id{};    // also the webhook-id header
  std::string kind{};
  std::string body{};  // {"id","type","createdAt","data"}
};

// The record id as it goes into an event id: itself when short, otherwise
// "h" + a SHA-256 prefix, so every delivery id fits kMaxIdBytes.
std::string EventSubject(std::string_view record_id);

// The <collection>.changed / .deleted event of a campaign, segment or poll
// change; nullopt for other collections.
absl::StatusOr<std::optional<WebhookEvent>> RecordChangeEvent(const Change& change,
                                                              absl::Time now);

// The poll.closed event of `poll_id`, closed at `closes_at`, with its tally
// read from `store`.
absl::StatusOr<WebhookEvent> PollClosedEvent(const Store& store, std::string_view poll_id,
                                             absl::Time closes_at, absl::Time now);

// The poll.milestone event of `poll_id` reaching `milestone` with `total`.
absl::StatusOr<WebhookEvent> PollMilestoneEvent(std::string_view poll_id, int64_t milestone,
                                                int64_t total, absl::Time now);

// Every vote counted for `poll_id`: the sum of its tally records.
absl::StatusOr<int64_t> PollVoteTotal(const Store& store, std::string_view poll_id);

// The milestones of `milestones` crossed going from `previous` to `total`
// votes (previous < m <= total); when previous is unknown, the highest one
// reached only.
std::vector<int64_t> MilestonesCrossed(const std::vector<int64_t>& milestones,
                                       std::optional<int64_t> previous, int64_t total);

// ---- backoff (webhook_json.cc) ------------------------------------------------

// The wait after failed attempt number `attempt` (1-based): uniform in
// [0, min(max, initial * 2^(attempt-1))], at least min.
absl::Duration WebhookBackoff(const WebhookServiceOptions& options, int attempt,
                              absl::BitGen& random);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_WEBHOOK_INTERNAL_H_
