// The webhook service's change-feed thread: derives events from store
// changes, records one delivery per event and subscriber, keeps the
// subscription and delivery tables current, fires scheduled poll closes and
// sweeps old deliveries (webhooks.h).
#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/poll_internal.h"
#include "campaign/webhook_internal.h"
#include "campaign/webhook_service_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/value.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

// A write that closes a poll at most this long after its closesAt still
// counts as closing it (the feed may lag); older closes are history.
constexpr absl::Duration kCloseWindow = absl::Minutes(1);
// The position is saved at least this often while changes flow.
constexpr absl::Duration kSaveInterval = absl::Seconds(30);
// Changes taken from the queue in one round, and the most queued before the
// store's watch thread waits (the feed thread writes to the store, so a
// burst of votes must not queue without bound).
constexpr size_t kBatchChanges = 1'000;
constexpr size_t kMaxQueuedChanges = 100'000;
// Erases per write in the retention sweep.
constexpr size_t kSweepBatch = 500;

std::chrono::milliseconds ToChrono(absl::Duration d) {
  return std::chrono::milliseconds(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

// {"position": n, "savedAt": "<instant>"}.
struct SavedState {
  uint64_t position = 0;
  std::optional<absl::Time> saved_at{};
};

absl::StatusOr<std::optional<SavedState>> ReadState(const Store& store, std::string_view name) {
  absl::StatusOr<Record> record = store.Get(kWebhookStateCollection, name);
  if (absl::IsNotFound(record.status())) return std::nullopt;
  MARQUEE_RETURN_IF_ERROR(record.status());
  MARQUEE_ASSIGN_OR_RETURN(Value v, Value::FromJson(record->body));
  SavedState state;
  const Value* position = v.Find("position");
  const Value* saved_at = v.Find("savedAt");
  if (position == nullptr || !position->is_number() || position->as_number() < 0) {
    return absl::DataLossError(
        absl::StrCat(std::string(kWebhookStateCollection), "/", std::string(name), ": no position"));
  }
  state.position = static_cast<uint64_t>(position->as_number());
  if (saved_at != nullptr && saved_at->is_string()) {
    if (auto at = internal::ParseInstant(saved_at->as_string()); at.ok()) state.saved_at = *at;
  }
  return state;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Subscription>> WebhookService::Impl::WatchFrom(
    uint64_t after_version) {
  return store->Watch(after_version, [this](const absl::StatusOr<Change>& change) {
    std::unique_lock lock(mu);
    if (!change.ok()) {
      if (!absl::IsCancelled(change.status())) feed_ended = change.status();
      feed_wake.notify_one();
      return;
    }
    // Back-pressure: wait for the feed thread rather than queue without bound.
    feed_wake.wait(lock, [&] { return stopping || changes.size() < kMaxQueuedChanges; });
    if (stopping) return;
    changes.push_back(*change);
    feed_wake.notify_all();
  });
}

absl::Status WebhookService::Impl::StartFeed() {
  MARQUEE_ASSIGN_OR_RETURN(std::optional<SavedState> state, ReadState(*store, options.name));
  uint64_t from = state ? std::min(state->position, store->CurrentVersion())
                        : store->CurrentVersion();
  absl::StatusOr<std::unique_ptr<Subscription>> w = WatchFrom(from);
  if (absl::IsOutOfRange(w.status())) {
    feed_gaps.fetch_add(1);
    from = store->CurrentVersion();
    w = WatchFrom(from);
  }
  MARQUEE_RETURN_IF_ERROR(w.status());
  watch = std::move(*w);
  position = saved_position = from;
  last_save = clock->Now();

  // The tables as of now; the feed then applies what changes after `from`
  // (versions keep a late change from undoing a newer one).
  ScanRequest subs{.collection = std::string(kWebhooksCollection), .limit = 500};
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store->Scan(subs));
    std::lock_guard lock(mu);
    for (const Record& r : page.records) {
      MARQUEE_ASSIGN_OR_RETURN(WebhookSubscription s, internal::SubscriptionFromRecord(r));
      ApplySubscription(s);
    }
    if (!page.more || !page.end) break;
    subs.after = page.end;
  }
  ScanRequest deliveries{.collection = std::string(kWebhookDeliveriesCollection), .limit = 1000,
                         .max_scanned = 1000};
  std::vector<std::pair<absl::Time, std::string>> done;
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store->Scan(deliveries));
    std::lock_guard lock(mu);
    for (const Record& r : page.records) {
      absl::StatusOr<WebhookDelivery> d = internal::DeliveryFromRecord(r);
      if (!d.ok()) {
        store_errors.fetch_add(1);
        continue;
      }
      if (d->state == WebhookDeliveryState::kPending) {
        Schedule(*d);
      } else {
        done.emplace_back(d->last_attempt_at.value_or(d->created_at), d->id);
      }
    }
    if (!page.more || !page.end) break;
    deliveries.after = page.end;
  }
  std::sort(done.begin(), done.end());
  {
    std::lock_guard lock(mu);
    finished.assign(done.begin(), done.end());
  }
  // Scheduled closes, and closes that passed while no service watched.
  const absl::Time now = clock->Now();
  ScanRequest polls{.collection = std::string(kPollsCollection), .limit = 1000};
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store->Scan(polls));
    for (const Record& r : page.records) {
      poll_totals.try_emplace(r.id, 0);
      absl::StatusOr<Poll> poll = PollFromJson(r.id, r.body);
      if (!poll.ok() || !poll->closes_at) continue;
      if (*poll->closes_at > now || (state && state->saved_at && *poll->closes_at > *state->saved_at)) {
        scheduled_closes[r.id] = *poll->closes_at;
      }
    }
    if (!page.more || !page.end) break;
    polls.after = page.end;
  }
  // Vote totals as of now, so the first votes after the start cross their
  // milestones one by one.
  ScanRequest tallies{.collection = std::string(kPollTalliesCollection), .limit = 1000};
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store->Scan(tallies));
    for (const Record& r : page.records) {
      absl::StatusOr<internal::TallyCounts> counts = internal::TallyFromRecord(r);
      if (counts.ok()) poll_totals[std::string(internal::PollOfTallyId(r.id))] += counts->total;
    }
    if (!page.more || !page.end) break;
    tallies.after = page.end;
  }
  return absl::OkStatus();
}

void WebhookService::Impl::FeedLoop() {
  absl::Time next_housekeeping = absl::InfinitePast();
  while (true) {
    std::deque<Change> batch;
    std::optional<absl::Status> ended;
    {
      std::unique_lock lock(mu);
      feed_wake.wait_for(lock, ToChrono(options.tick),
                         [&] { return stopping || !changes.empty() || feed_ended; });
      if (stopping) return;
      const size_t n = std::min(changes.size(), kBatchChanges);
      batch.assign(std::make_move_iterator(changes.begin()),
                   std::make_move_iterator(changes.begin() + static_cast<ptrdiff_t>(n)));
      changes.erase(changes.begin(), changes.begin() + static_cast<ptrdiff_t>(n));
      ended.swap(feed_ended);
    }
    feed_wake.notify_all();  // a watch handler may wait for room
    if (!batch.empty()) HandleChanges(std::move(batch));
    if (ended) {
      // The store no longer holds the history this watch needed: resume
      // from now (the gap is counted), after the changes already queued.
      watch.reset();
      feed_gaps.fetch_add(1);
      absl::StatusOr<std::unique_ptr<Subscription>> w = WatchFrom(store->CurrentVersion());
      if (w.ok()) {
        watch = std::move(*w);
      } else {
        store_errors.fetch_add(1);
        std::lock_guard lock(mu);
        feed_ended = w.status();  // try again next round
      }
    }
    const absl::Time now = clock->Now();
    if (now >= next_housekeeping) {
      next_housekeeping = now + options.tick;
      bool created = false;
      CheckScheduledCloses(created);
      if (created) position_dirty = true;
      SweepRetention();
      SavePosition(false);
    }
  }
}

void WebhookService::Impl::HandleChanges(std::deque<Change> batch) {
  bool created = false;
  for (const Change& change : batch) {
    position = std::max(position, change.version);
    if (change.collection == kWebhookStateCollection) continue;
    if (change.collection == kWebhooksCollection) {
      std::lock_guard lock(mu);
      if (change.kind == Change::Kind::kErase) {
        ApplySubscriptionErased(change.id, change.version);
      } else if (auto s = internal::SubscriptionFromRecord(change.record); s.ok()) {
        ApplySubscription(*s);
      } else {
        store_errors.fetch_add(1);
      }
      continue;
    }
    if (change.collection == kWebhookDeliveriesCollection) {
      std::lock_guard lock(mu);
      if (change.kind == Change::Kind::kErase) {
        Unschedule(change.id);
      } else if (auto d = internal::DeliveryFromRecord(change.record); d.ok()) {
        ApplyDelivery(*d);
      } else {
        store_errors.fetch_add(1);
      }
      continue;
    }
    position_dirty = true;
    HandleRecordChange(change, created);
  }
  sender_wake.notify_all();
  SavePosition(created);
}

std::vector<std::string> WebhookService::Impl::SubscribersOf(std::string_view kind) {
  std::vector<std::string> ids;
  std::lock_guard lock(mu);
  for (const auto& [id, s] : subscriptions) {
    if (internal::WantsEvent(s, kind)) ids.push_back(id);
  }
  return ids;
}

void WebhookService::Impl::HandleRecordChange(const Change& change, bool& created) {
  const absl::Time now = clock->Now();
  if (change.collection == kPollTalliesCollection) {
    const std::string poll(internal::PollOfTallyId(change.id));
    std::vector<std::pair<std::string, std::vector<int64_t>>> wanting;
    {
      std::lock_guard lock(mu);
      for (const auto& [id, s] : subscriptions) {
        if (internal::WantsEvent(s, "poll.milestone")) {
          wanting.emplace_back(id, s.milestones.empty() ? options.default_milestones : s.milestones);
        }
      }
    }
    if (wanting.empty()) {
      poll_totals.erase(poll);  // not followed: unknown from now on
      return;
    }
    absl::StatusOr<int64_t> total = internal::PollVoteTotal(*store, poll);
    if (!total.ok()) {
      store_errors.fetch_add(1);
      return;
    }
    std::optional<int64_t> previous;
    if (auto it = poll_totals.find(poll); it != poll_totals.end()) previous = it->second;
    poll_totals[poll] = *total;
    for (const auto& [id, milestones] : wanting) {
      for (int64_t m : internal::MilestonesCrossed(milestones, previous, *total)) {
        absl::StatusOr<internal::WebhookEvent> event =
            internal::PollMilestoneEvent(poll, m, *total, now);
        if (!event.ok()) {
          store_errors.fetch_add(1);
          continue;
        }
        events.fetch_add(1);
        created |= CreateDeliveries(*event, {id});
      }
    }
    return;
  }

  absl::StatusOr<std::optional<internal::WebhookEvent>> event =
      internal::RecordChangeEvent(change, now);
  if (!event.ok()) {
    store_errors.fetch_add(1);
  } else if (*event) {
    events.fetch_add(1);
    created |= CreateDeliveries(**event, SubscribersOf((*event)->kind));
  }

  if (change.collection != kPollsCollection) return;
  if (change.kind == Change::Kind::kErase) {
    scheduled_closes.erase(change.id);
    poll_totals.erase(change.id);
    return;
  }
  // A new poll starts from no votes.
  if (change.record.created == change.record.updated) poll_totals.try_emplace(change.id, 0);
  absl::StatusOr<Poll> poll = PollFromJson(change.id, change.record.body);
  if (!poll.ok() || !poll->closes_at) {
    scheduled_closes.erase(change.id);
    return;
  }
  const absl::Time closes_at = *poll->closes_at;
  if (closes_at > now) {
    scheduled_closes[change.id] = closes_at;
  } else if (closes_at >= change.record.updated - kCloseWindow) {
    // This write closed it (ClosePoll, or closesAt moved into the past).
    scheduled_closes[change.id] = closes_at;
    CheckScheduledCloses(created);
  } else {
    scheduled_closes.erase(change.id);
  }
}

void WebhookService::Impl::CheckScheduledCloses(bool& created) {
  const absl::Time now = clock->Now();
  for (auto it = scheduled_closes.begin(); it != scheduled_closes.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    const std::string poll = it->first;
    const absl::Time closes_at = it->second;
    it = scheduled_closes.erase(it);
    if (!closes_sent.emplace(poll, absl::ToUnixMicros(closes_at)).second) continue;
    absl::StatusOr<internal::WebhookEvent> event =
        internal::PollClosedEvent(*store, poll, closes_at, now);
    if (!event.ok()) {
      store_errors.fetch_add(1);
      continue;
    }
    events.fetch_add(1);
    created |= CreateDeliveries(*event, SubscribersOf("poll.closed"));
  }
}

bool WebhookService::Impl::CreateDeliveries(const internal::WebhookEvent& event,
                                            const std::vector<std::string>& subscription_ids) {
  if (subscription_ids.empty()) return false;
  const absl::Time now = clock->Now();
  size_t pending_now;
  {
    std::lock_guard lock(mu);
    pending_now = scheduled.size();
  }
  WriteBatch batch;
  for (const std::string& sub : subscription_ids) {
    WebhookDelivery d{.id = internal::DeliveryId(sub, event.id),
                      .subscription = sub,
                      .event_id = event.id,
                      .kind = event.kind,
                      .payload = event.body,
                      .created_at = now,
                      .next_attempt_at = now};
    if (pending_now >= options.max_pending) {
      d.state = WebhookDeliveryState::kFailed;
      d.last_error = "queue full: too many deliveries were pending";
    } else {
      ++pending_now;
    }
    absl::StatusOr<Json> body = internal::DeliveryRecordBody(d);
    if (!body.ok()) {
      store_errors.fetch_add(1);
      continue;
    }
    batch.Put(std::string(kWebhookDeliveriesCollection), d.id, std::move(*body),
              {.expected_version = 0});
  }
  if (batch.empty()) return false;
  absl::StatusOr<uint64_t> written = store->Write(batch);
  if (written.ok()) {
    deliveries_created.fetch_add(batch.size());
    return true;
  }
  if (!absl::IsFailedPrecondition(written.status())) {
    store_errors.fetch_add(1);
    return false;
  }
  // Some already exist (a replay after a restart, another node): create the
  // others one by one.
  bool any = false;
  for (const WriteBatch::Op& op : batch.ops()) {
    WriteBatch one;
    one.Put(op.collection, op.id, op.body, {.expected_version = 0});
    absl::StatusOr<uint64_t> v = store->Write(one);
    if (v.ok()) {
      deliveries_created.fetch_add(1);
      any = true;
    } else if (!absl::IsFailedPrecondition(v.status())) {
      store_errors.fetch_add(1);
    }
  }
  return any;
}

void WebhookService::Impl::SweepRetention() {
  const absl::Time cutoff = clock->Now() - options.retention;
  while (true) {
    WriteBatch erase;
    {
      std::lock_guard lock(mu);
      while (!finished.empty() && finished.front().first < cutoff && erase.size() < kSweepBatch) {
        erase.Erase(std::string(kWebhookDeliveriesCollection), finished.front().second);
        finished.pop_front();
      }
    }
    if (erase.empty()) return;
    if (!store->Write(erase).ok()) {
      store_errors.fetch_add(1);
      return;
    }
  }
}

void WebhookService::Impl::SavePosition(bool force) {
  const absl::Time now = clock->Now();
  if (!position_dirty || position <= saved_position) return;
  if (!force && now - last_save < kSaveInterval) return;
  Value body = Value::Object({{"position", Value::Number(static_cast<double>(position))},
                              {"savedAt", Value::String(internal::FormatInstant(now))}});
  absl::StatusOr<Json> json = body.ToJson();
  if (!json.ok()) return;
  WriteBatch batch;
  batch.Put(std::string(kWebhookStateCollection), options.name, std::move(*json));
  if (store->Write(batch).ok()) {
    saved_position = position;
    last_save = now;
    position_dirty = false;
  } else {
    store_errors.fetch_add(1);
  }
}

}  // namespace marquee::campaign
