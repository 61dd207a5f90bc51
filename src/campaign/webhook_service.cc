// WebhookService: options, start and stop, subscription management, the
// delivery log and the in-memory tables (webhooks.h).
#include <openssl/rand.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "campaign/webhook_internal.h"
#include "campaign/webhook_service_internal.h"
#include "internal/absl_strings.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

absl::Status CheckOptions(const WebhookServiceOptions& o) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("WebhookServiceOptions.", Sv(what)));
  };
  if (o.name.empty() || o.name.size() > 64 || !std::all_of(o.name.begin(), o.name.end(), IsNameChar)) {
    return bad("name: expected 1 to 64 characters of letters, digits, '.', '_' and '-'");
  }
  if (o.max_attempts < 1 || o.max_attempts > 100) return bad("max_attempts: expected 1..100");
  if (o.initial_backoff <= absl::ZeroDuration() || o.max_backoff < o.initial_backoff ||
      o.min_backoff < absl::ZeroDuration() || o.min_backoff > o.max_backoff) {
    return bad("backoff: expected 0 < initial_backoff <= max_backoff and 0 <= min_backoff <= max_backoff");
  }
  if (o.pause_after_failures < 1 || o.pause_after_failures > 10'000) {
    return bad("pause_after_failures: expected 1..10000");
  }
  if (o.delivery_threads < 1 || o.delivery_threads > 64) return bad("delivery_threads: expected 1..64");
  if (o.max_pending < 1 || o.max_pending > 1'000'000) return bad("max_pending: expected 1..1000000");
  if (o.max_subscriptions < 1 || o.max_subscriptions > 10'000) {
    return bad("max_subscriptions: expected 1..10000");
  }
  if (o.retention <= absl::ZeroDuration()) return bad("retention: expected a positive duration");
  if (o.tick < absl::Milliseconds(1) || o.tick > absl::Minutes(1)) {
    return bad("tick: expected 1 ms..1 min");
  }
  for (size_t i = 0; i < o.default_milestones.size(); ++i) {
    if (o.default_milestones[i] < 1 ||
        (i > 0 && o.default_milestones[i] <= o.default_milestones[i - 1])) {
      return bad("default_milestones: expected ascending whole numbers of at least 1");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NewSubscriptionId() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("the random source failed to make a subscription id");
  }
  return absl::StrCat("wh_", absl::BytesToHexString(absl::string_view(
                                 reinterpret_cast<const char*>(bytes), sizeof bytes)));
}

absl::Status CheckId(std::string_view id) {
  if (id.empty() || id.size() > 128 || !std::all_of(id.begin(), id.end(), IsNameChar)) {
    return absl::InvalidArgumentError(
        "subscription id: expected 1 to 128 characters of letters, digits, '.', '_' and '-'");
  }
  return absl::OkStatus();
}

absl::Status ConflictOrError(const absl::Status& s, std::string_view what) {
  if (absl::IsFailedPrecondition(s)) {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(what), " changed since it was read (version mismatch)"));
  }
  return s;
}

}  // namespace

WebhookService::Impl::Impl(Store* s, const WebhookServiceOptions& o)
    : store(s), options(o), clock(o.clock != nullptr ? o.clock : Clock::Real()) {}

WebhookService::WebhookService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookService::~WebhookService() { Stop(); }

absl::StatusOr<std::unique_ptr<WebhookService>> WebhookService::Open(
    Store* store, const WebhookServiceOptions& options) {
  if (store == nullptr) return absl::InvalidArgumentError("WebhookService::Open: null store");
  MARQUEE_RETURN_IF_ERROR(CheckOptions(options));
  return std::unique_ptr<WebhookService>(
      new WebhookService(std::make_unique<Impl>(store, options)));
}

absl::Status WebhookService::Start() {
  if (impl_->options.sender == nullptr) {
    return absl::FailedPreconditionError("WebhookService::Start: no sender in the options");
  }
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->started) return absl::OkStatus();
    impl_->started = true;
    impl_->stopping = false;
  }
  absl::Status s = impl_->StartFeed();
  if (!s.ok()) {
    impl_->watch.reset();
    std::lock_guard lock(impl_->mu);
    impl_->started = false;
    return s;
  }
  impl_->feed_thread = std::thread([impl = impl_.get()] { impl->FeedLoop(); });
  for (int i = 0; i < impl_->options.delivery_threads; ++i) {
    impl_->senders.emplace_back([impl = impl_.get()] { impl->SenderLoop(); });
  }
  return absl::OkStatus();
}

void WebhookService::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->started) return;
    impl_->stopping = true;
  }
  impl_->feed_wake.notify_all();
  impl_->sender_wake.notify_all();
  if (impl_->feed_thread.joinable()) impl_->feed_thread.join();
  for (std::thread& t : impl_->senders) t.join();
  impl_->senders.clear();
  // The watch goes last, outside the lock: destroying it waits for a handler
  // call in progress, which takes the lock (and returns at once once
  // stopping is set). Only the feed thread replaces it, and it has ended.
  impl_->watch.reset();
  std::lock_guard lock(impl_->mu);
  impl_->started = false;
  impl_->changes.clear();
}

absl::StatusOr<WebhookSubscription> WebhookService::CreateSubscription(
    WebhookSubscription subscription) {
  if (subscription.id.empty()) {
    MARQUEE_ASSIGN_OR_RETURN(subscription.id, NewSubscriptionId());
  }
  if (subscription.secret.empty()) {
    MARQUEE_ASSIGN_OR_RETURN(subscription.secret, GenerateWebhookSecret());
  }
  subscription.consecutive_failures = 0;
  if (!subscription.paused) subscription.paused_reason.clear();
  subscription.created_at = impl_->clock->Now();
  MARQUEE_RETURN_IF_ERROR(ValidateWebhookSubscription(subscription));
  ScanRequest count{.collection = std::string(kWebhooksCollection),
                    .limit = impl_->options.max_subscriptions,
                    .max_scanned = impl_->options.max_subscriptions};
  MARQUEE_ASSIGN_OR_RETURN(ScanResult existing, impl_->store->Scan(count));
  if (existing.records.size() >= impl_->options.max_subscriptions) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "there are ", impl_->options.max_subscriptions, " webhook subscriptions, the most allowed"));
  }
  MARQUEE_ASSIGN_OR_RETURN(Json body, internal::SubscriptionRecordBody(subscription));
  WriteBatch batch;
  batch.Put(std::string(kWebhooksCollection), subscription.id, std::move(body),
            {.expected_version = 0});
  absl::StatusOr<uint64_t> version = impl_->store->Write(batch);
  if (absl::IsFailedPrecondition(version.status())) {
    return absl::AlreadyExistsError(
        absl::StrCat("webhook subscription '", subscription.id, "' already exists"));
  }
  MARQUEE_RETURN_IF_ERROR(version.status());
  subscription.version = *version;
  std::lock_guard lock(impl_->mu);
  impl_->ApplySubscription(subscription);
  return subscription;
}

absl::StatusOr<WebhookSubscription> WebhookService::GetSubscription(std::string_view id) const {
  MARQUEE_RETURN_IF_ERROR(CheckId(id));
  absl::StatusOr<Record> record = impl_->store->Get(kWebhooksCollection, id);
  if (absl::IsNotFound(record.status())) {
    return absl::NotFoundError(absl::StrCat("no webhook subscription '", Sv(id), "'"));
  }
  MARQUEE_RETURN_IF_ERROR(record.status());
  return internal::SubscriptionFromRecord(*record);
}

absl::StatusOr<std::vector<WebhookSubscription>> WebhookService::ListSubscriptions() const {
  std::vector<WebhookSubscription> out;
  ScanRequest request{.collection = std::string(kWebhooksCollection), .limit = 500};
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, impl_->store->Scan(request));
    for (const Record& r : page.records) {
      MARQUEE_ASSIGN_OR_RETURN(WebhookSubscription s, internal::SubscriptionFromRecord(r));
      out.push_back(std::move(s));
    }
    if (!page.more || !page.end) break;
    request.after = page.end;
  }
  return out;
}

absl::StatusOr<WebhookSubscription> WebhookService::UpdateSubscription(
    const WebhookSubscription& subscription, std::optional<uint64_t> expected_version) {
  MARQUEE_ASSIGN_OR_RETURN(WebhookSubscription current, GetSubscription(subscription.id));
  if (expected_version && *expected_version != current.version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "webhook subscription '", current.id, "' is at version ", current.version, ", not ",
        *expected_version));
  }
  WebhookSubscription next = current;
  next.url = subscription.url;
  next.events = subscription.events;
  next.description = subscription.description;
  next.milestones = subscription.milestones;
  if (!subscription.secret.empty()) next.secret = subscription.secret;
  next.paused = subscription.paused;
  next.paused_reason = subscription.paused ? subscription.paused_reason : "";
  if (current.paused && !next.paused) next.consecutive_failures = 0;  // resumed
  MARQUEE_RETURN_IF_ERROR(ValidateWebhookSubscription(next));
  MARQUEE_ASSIGN_OR_RETURN(Json body, internal::SubscriptionRecordBody(next));
  WriteBatch batch;
  batch.Put(std::string(kWebhooksCollection), next.id, std::move(body),
            {.expected_version = current.version});
  absl::StatusOr<uint64_t> version = impl_->store->Write(batch);
  MARQUEE_RETURN_IF_ERROR(ConflictOrError(version.status(), "the webhook subscription"));
  next.version = *version;
  {
    std::lock_guard lock(impl_->mu);
    impl_->ApplySubscription(next);
  }
  impl_->sender_wake.notify_all();
  return next;
}

absl::Status WebhookService::DeleteSubscription(std::string_view id,
                                                std::optional<uint64_t> expected_version) {
  MARQUEE_ASSIGN_OR_RETURN(WebhookSubscription current, GetSubscription(id));
  if (expected_version && *expected_version != current.version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "webhook subscription '", current.id, "' is at version ", current.version, ", not ",
        *expected_version));
  }
  WriteBatch batch;
  batch.Erase(std::string(kWebhooksCollection), current.id,
              {.expected_version = current.version});
  absl::StatusOr<uint64_t> version = impl_->store->Write(batch);
  MARQUEE_RETURN_IF_ERROR(ConflictOrError(version.status(), "the webhook subscription"));
  {
    std::lock_guard lock(impl_->mu);
    impl_->ApplySubscriptionErased(current.id, *version);
  }
  // The delivery log goes with it, a page at a time.
  ScanRequest request{
      .collection = std::string(kWebhookDeliveriesCollection),
      .lower = RangeBound{.value = IndexValue::String(internal::DeliveriesLowerBound(current.id))},
      .upper = RangeBound{.value = IndexValue::String(internal::DeliveriesUpperBound(current.id)),
                          .inclusive = false},
      .limit = 500};
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, impl_->store->Scan(request));
    WriteBatch erase;
    for (const Record& r : page.records) erase.Erase(r.collection, r.id);
    if (!erase.empty()) MARQUEE_RETURN_IF_ERROR(impl_->store->Write(erase).status());
    if (!page.more || !page.end) break;
    request.after = page.end;
  }
  return absl::OkStatus();
}

absl::StatusOr<WebhookDeliveryPage> WebhookService::ListDeliveries(
    std::string_view subscription_id, size_t limit, std::string_view after) const {
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError("limit: expected 1 to 1000");
  }
  MARQUEE_RETURN_IF_ERROR(GetSubscription(subscription_id).status());
  const std::string lower = internal::DeliveriesLowerBound(subscription_id);
  ScanRequest request{
      .collection = std::string(kWebhookDeliveriesCollection),
      .lower = RangeBound{.value = IndexValue::String(lower)},
      .upper = RangeBound{.value = IndexValue::String(internal::DeliveriesUpperBound(subscription_id)),
                          .inclusive = false},
      .limit = limit};
  if (!after.empty()) {
    if (after.size() > kMaxIdBytes || !after.starts_with(lower)) {
      return absl::InvalidArgumentError("after: not a delivery id of this subscription");
    }
    request.after = ScanPosition{.id = std::string(after)};
  }
  MARQUEE_ASSIGN_OR_RETURN(ScanResult page, impl_->store->Scan(request));
  WebhookDeliveryPage out;
  for (const Record& r : page.records) {
    MARQUEE_ASSIGN_OR_RETURN(WebhookDelivery d, internal::DeliveryFromRecord(r));
    out.deliveries.push_back(std::move(d));
  }
  if (page.more && !out.deliveries.empty()) out.next_after = out.deliveries.back().id;
  return out;
}

WebhookServiceStats WebhookService::stats() const {
  WebhookServiceStats s;
  s.events = impl_->events.load();
  s.deliveries_created = impl_->deliveries_created.load();
  s.attempts = impl_->attempts.load();
  s.succeeded = impl_->succeeded.load();
  s.failed = impl_->failed.load();
  s.paused = impl_->paused.load();
  s.feed_gaps = impl_->feed_gaps.load();
  s.store_errors = impl_->store_errors.load();
  std::lock_guard lock(impl_->mu);
  s.pending = impl_->scheduled.size();
  return s;
}

// ---- tables ------------------------------------------------------------------

void WebhookService::Impl::ApplySubscription(const WebhookSubscription& s) {
  if (auto erased = erased_subscriptions.find(s.id);
      erased != erased_subscriptions.end() && erased->second > s.version) {
    return;
  }
  auto it = subscriptions.find(s.id);
  if (it != subscriptions.end() && it->second.version >= s.version) return;
  subscriptions[s.id] = s;
  if (!s.paused) {
    // Resumed: what waited is due now.
    auto waiting = parked.find(s.id);
    if (waiting != parked.end()) {
      const absl::Time now = clock->Now();
      for (const std::string& id : waiting->second) {
        Scheduled& entry = scheduled[id];
        entry.parked = false;
        entry.at = std::min(entry.at, now);
        due.emplace(entry.at, id);
      }
      parked.erase(waiting);
    }
  }
}

void WebhookService::Impl::ApplySubscriptionErased(const std::string& id, uint64_t version) {
  auto it = subscriptions.find(id);
  if (it != subscriptions.end() && it->second.version > version) return;
  subscriptions.erase(id);
  erased_subscriptions[id] = std::max(erased_subscriptions[id], version);
  if (auto waiting = parked.find(id); waiting != parked.end()) {
    for (const std::string& delivery : waiting->second) scheduled.erase(delivery);
    parked.erase(waiting);
  }
}

void WebhookService::Impl::Unschedule(const std::string& id) {
  auto it = scheduled.find(id);
  if (it == scheduled.end()) return;
  if (it->second.parked) {
    auto waiting = parked.find(it->second.subscription);
    if (waiting != parked.end()) {
      waiting->second.erase(id);
      if (waiting->second.empty()) parked.erase(waiting);
    }
  } else {
    due.erase({it->second.at, id});
  }
  scheduled.erase(it);
}

void WebhookService::Impl::Schedule(const WebhookDelivery& d) {
  if (auto it = scheduled.find(d.id); it != scheduled.end() && it->second.version >= d.version) {
    return;
  }
  Unschedule(d.id);
  scheduled[d.id] = Scheduled{.subscription = d.subscription, .at = d.next_attempt_at,
                              .version = d.version};
  due.emplace(d.next_attempt_at, d.id);
}

void WebhookService::Impl::ApplyDelivery(const WebhookDelivery& d) {
  if (d.state == WebhookDeliveryState::kPending) {
    Schedule(d);
    return;
  }
  if (auto it = scheduled.find(d.id); it != scheduled.end() && it->second.version > d.version) {
    return;
  }
  Unschedule(d.id);
  finished.emplace_back(d.last_attempt_at.value_or(d.created_at), d.id);
}

}  // namespace marquee::campaign
