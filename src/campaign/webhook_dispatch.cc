// The webhook service's sending threads: take a due delivery, claim it in
// the store, sign and POST it, record the outcome, and pause a subscriber
// that keeps failing (webhooks.h).
#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "campaign/webhook_internal.h"
#include "campaign/webhook_service_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

// A claimed delivery is due again this long after its claim if its sender
// never records an outcome (the process died mid-POST): another node, or
// this one after a restart, sends it then.
constexpr absl::Duration kClaimLease = absl::Minutes(1);
// Compare-and-set attempts on a subscription's failure count.
constexpr int kOutcomeRetries = 8;
// Longest error text kept in the delivery log.
constexpr size_t kMaxErrorBytes = 300;

std::chrono::milliseconds ToChrono(absl::Duration d) {
  return std::chrono::milliseconds(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, 60'000));
}

std::string Truncated(std::string_view text) {
  return std::string(text.substr(0, kMaxErrorBytes));
}

}  // namespace

void WebhookService::Impl::SenderLoop() {
  while (true) {
    std::string picked;
    {
      std::unique_lock lock(mu);
      while (picked.empty()) {
        if (stopping) return;
        const absl::Time now = clock->Now();
        absl::Duration wait = options.tick;
        for (auto it = due.begin(); it != due.end();) {
          if (it->first > now) {
            wait = std::min(wait, it->first - now);
            break;
          }
          const std::string id = it->second;
          if (in_flight.contains(id)) {
            ++it;
            continue;
          }
          auto found = scheduled.find(id);
          if (found == scheduled.end()) {  // not expected; drop the stray entry
            it = due.erase(it);
            continue;
          }
          Scheduled& entry = found->second;
          auto sub = subscriptions.find(entry.subscription);
          if (sub == subscriptions.end()) {
            // Its subscription is gone (or not loaded yet): the delivery
            // waits, parked, for the subscription to show up.
            it = due.erase(it);
            entry.parked = true;
            parked[entry.subscription].insert(id);
            continue;
          }
          if (sub->second.paused) {
            it = due.erase(it);
            entry.parked = true;
            parked[entry.subscription].insert(id);
            continue;
          }
          picked = id;
          due.erase(it);
          scheduled.erase(id);
          in_flight.insert(id);
          break;
        }
        if (picked.empty()) sender_wake.wait_for(lock, ToChrono(wait));
      }
    }
    Attempt(picked);
    {
      std::lock_guard lock(mu);
      in_flight.erase(picked);
    }
  }
}

void WebhookService::Impl::Attempt(const std::string& delivery_id) {
  absl::StatusOr<Record> record = store->Get(kWebhookDeliveriesCollection, delivery_id);
  if (absl::IsNotFound(record.status())) return;
  auto retry_later = [&](absl::Time at, uint64_t version, const std::string& subscription) {
    std::lock_guard lock(mu);
    Schedule(WebhookDelivery{.id = delivery_id, .subscription = subscription,
                             .next_attempt_at = at, .version = version});
  };
  if (!record.ok()) {
    store_errors.fetch_add(1);
    return;  // the feed or a restart brings it back
  }
  absl::StatusOr<WebhookDelivery> stored = internal::DeliveryFromRecord(*record);
  if (!stored.ok()) {
    store_errors.fetch_add(1);
    return;
  }
  WebhookDelivery d = std::move(*stored);
  if (d.state != WebhookDeliveryState::kPending) return;
  WebhookSubscription sub;
  {
    std::lock_guard lock(mu);
    auto it = subscriptions.find(d.subscription);
    if (it == subscriptions.end()) return;
    sub = it->second;
  }
  const absl::Time now = clock->Now();
  if (d.next_attempt_at > now) {
    retry_later(d.next_attempt_at, d.version, d.subscription);
    return;
  }

  // Claim it: one sender per attempt, across threads and nodes.
  d.attempts += 1;
  d.last_attempt_at = now;
  d.next_attempt_at = now + kClaimLease;
  absl::StatusOr<Json> claim_body = internal::DeliveryRecordBody(d);
  if (!claim_body.ok()) {
    store_errors.fetch_add(1);
    return;
  }
  WriteBatch claim;
  claim.Put(std::string(kWebhookDeliveriesCollection), d.id, std::move(*claim_body),
            {.expected_version = d.version});
  absl::StatusOr<uint64_t> claimed = store->Write(claim);
  if (absl::IsFailedPrecondition(claimed.status())) return;  // taken or changed: the feed reschedules
  if (!claimed.ok()) {
    store_errors.fetch_add(1);
    retry_later(now + options.tick, d.version, d.subscription);
    return;
  }

  const int64_t timestamp = absl::ToUnixSeconds(now);
  absl::StatusOr<std::string> signature = SignWebhook(sub.secret, d.event_id, timestamp, d.payload);
  absl::StatusOr<int> status =
      signature.ok() ? options.sender->Post(WebhookRequest{
                           .url = sub.url,
                           .headers = {{"content-type", "application/json"},
                                       {"user-agent", "Marquee-Webhooks/1"},
                                       {"webhook-id", d.event_id},
                                       {"webhook-timestamp", absl::StrCat(timestamp)},
                                       {"webhook-signature", *signature}},
                           .body = d.payload})
                     : absl::StatusOr<int>(signature.status());
  attempts.fetch_add(1);
  const bool success = status.ok() && *status >= 200 && *status < 300;
  d.last_status = status.ok() ? *status : 0;
  d.last_error = success ? "" : status.ok() ? absl::StrCat("HTTP ", *status)
                                            : Truncated(std::string(status.status().message()));
  if (success) {
    d.state = WebhookDeliveryState::kSucceeded;
    succeeded.fetch_add(1);
  } else if (d.attempts >= options.max_attempts) {
    d.state = WebhookDeliveryState::kFailed;
    failed.fetch_add(1);
  } else {
    std::lock_guard lock(mu);
    d.next_attempt_at = clock->Now() + internal::WebhookBackoff(options, d.attempts, random);
  }
  absl::StatusOr<Json> outcome_body = internal::DeliveryRecordBody(d);
  if (outcome_body.ok()) {
    WriteBatch outcome;
    outcome.Put(std::string(kWebhookDeliveriesCollection), d.id, std::move(*outcome_body),
                {.expected_version = *claimed});
    absl::StatusOr<uint64_t> written = store->Write(outcome);
    if (written.ok()) {
      // Apply it now rather than when the feed brings it, so the next
      // attempt is scheduled even if the feed lags.
      d.version = *written;
      std::lock_guard lock(mu);
      ApplyDelivery(d);
    } else if (!absl::IsFailedPrecondition(written.status())) {
      store_errors.fetch_add(1);  // the claim's lease brings it back
    }
  }
  RecordOutcome(d.subscription, success, d.last_error);
}

void WebhookService::Impl::RecordOutcome(const std::string& subscription_id, bool success,
                                         const std::string& error) {
  for (int i = 0; i < kOutcomeRetries; ++i) {
    bool pausing = false;
    absl::StatusOr<Record> record = store->Get(kWebhooksCollection, subscription_id);
    if (!record.ok()) return;  // deleted meanwhile
    absl::StatusOr<WebhookSubscription> s = internal::SubscriptionFromRecord(*record);
    if (!s.ok()) return;
    if (success) {
      if (s->consecutive_failures == 0) return;
      s->consecutive_failures = 0;
    } else {
      s->consecutive_failures += 1;
      if (!s->paused && s->consecutive_failures >= options.pause_after_failures) {
        s->paused = true;
        s->paused_reason = absl::StrCat("paused after ", s->consecutive_failures,
                                        " failed attempts in a row; the last: ", error);
        pausing = true;
      }
    }
    absl::StatusOr<Json> body = internal::SubscriptionRecordBody(*s);
    if (!body.ok()) return;
    WriteBatch batch;
    batch.Put(std::string(kWebhooksCollection), s->id, std::move(*body),
              {.expected_version = s->version});
    absl::StatusOr<uint64_t> v = store->Write(batch);
    if (v.ok()) {
      if (pausing) paused.fetch_add(1);
      s->version = *v;
      std::lock_guard lock(mu);
      ApplySubscription(*s);
      return;
    }
    if (!absl::IsFailedPrecondition(v.status())) {
      store_errors.fetch_add(1);
      return;
    }
  }
}

}  // namespace marquee::campaign
