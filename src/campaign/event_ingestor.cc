// EventIngestor: a bounded in-memory queue of pre-aggregated events and the
// background thread that adds them to an AggregateStore (events.h).
//
// Ingest rolls its batch into per-minute counts without any lock, then
// moves that map into the queue under the lock: one lock and one move per
// batch, not per event. The drainer swaps the queue out, rolls the minutes into minute,
// hour and day counts (the sizes the AggregateStore takes) and adds them, at
// most max_records_per_write per atomic Add. Events
// count against the capacity from acceptance until their counts are in the
// store, so a store that is slow or failing turns into back-pressure
// (ResourceExhausted) instead of memory growth.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "campaign/event_internal.h"
#include "marquee/campaign/aggregate_store.h"
#include "marquee/campaign/events.h"

namespace marquee::campaign {

using internal::AggregateDeltas;
using internal::AggregateKey;

struct EventIngestor::Impl {
  // options.aggregates, or the store's records (owned_aggregates).
  AggregateStore* aggregates = nullptr;
  std::unique_ptr<AggregateStore> owned_aggregates;
  EventIngestorOptions options;

  mutable std::mutex mu;
  std::condition_variable wake_drainer;  // work, a flush request or stop
  std::condition_variable round_done;    // Flush waiters
  // Per-minute counts of each accepted batch not yet taken by the drainer:
  // a batch's map is moved in whole, so the lock is held for O(1).
  std::vector<AggregateDeltas> queue;
  uint64_t queued_events = 0;     // in `queue`
  uint64_t in_flight_events = 0;  // taken by the drainer, not yet written
  uint64_t rounds_started = 0;
  uint64_t last_failed_round = 0;  // 0: none
  absl::Status last_round_error;
  bool flush_requested = false;
  bool stop = false;
  EventIngestorStats stats;

  std::thread drainer;

  uint64_t pending() const { return queued_events + in_flight_events; }
  void DrainLoop();
};

namespace {

absl::Status CheckOptions(const EventIngestorOptions& o) {
  if (o.queue_capacity < 1 || o.queue_capacity > 100'000'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "queue_capacity: ", o.queue_capacity, " is outside 1..100,000,000 events"));
  }
  if (o.flush_interval < absl::Milliseconds(1) || o.flush_interval > absl::Hours(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "flush_interval: ", absl::FormatDuration(o.flush_interval), " is outside 1ms..1h"));
  }
  if (o.max_records_per_write < 1 || o.max_records_per_write > 10'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_records_per_write: ", o.max_records_per_write, " is outside 1..10,000"));
  }
  if (o.max_write_attempts < 1 || o.max_write_attempts > 1'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_write_attempts: ", o.max_write_attempts, " is outside 1..1,000"));
  }
  if (o.max_event_age <= absl::ZeroDuration() || o.max_event_age == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("max_event_age: must be positive and finite");
  }
  if (o.max_event_lead <= absl::ZeroDuration() || o.max_event_lead == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("max_event_lead: must be positive and finite");
  }
  return absl::OkStatus();
}

absl::Status CheckHorizon(const Event& e, absl::Time now, const EventIngestorOptions& o) {
  if (e.time > now + o.max_event_lead) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time: ", absl::FormatTime(absl::RFC3339_sec, e.time, absl::UTCTimeZone()),
        " is more than max_event_lead (", absl::FormatDuration(o.max_event_lead),
        ") in the future"));
  }
  if (e.time < now - o.max_event_age) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time: ", absl::FormatTime(absl::RFC3339_sec, e.time, absl::UTCTimeZone()),
        " is older than max_event_age (", absl::FormatDuration(o.max_event_age), ")"));
  }
  return absl::OkStatus();
}

// Adds `delta` of a minute key to the minute, hour and day keys the
// aggregate store takes.
void RollUp(const AggregateStore& aggregates, AggregateKey minute, const EventTotals& delta,
            AggregateDeltas* out) {
  for (Bucket bucket : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) {
    if (!aggregates.TakesBucket(bucket)) continue;
    const int64_t size = BucketSeconds(bucket);
    AggregateKey key = minute;  // copies the names; the last use could move
    key.bucket = bucket;
    key.start = minute.start - minute.start % size - (minute.start % size < 0 ? size : 0);
    EventTotals& sum = (*out)[std::move(key)];
    sum.count += delta.count;
    sum.value_sum += delta.value_sum;
  }
}

struct AddResult {
  uint64_t records_written = 0;
  uint64_t conflicts = 0;
  absl::Status status;  // of the first Add that failed
};

// Adds `*deltas` at most `max_per_add` at a time, stopping at the first
// failure; what was added is removed from `*deltas`, what is left may be
// retried.
AddResult AddInChunks(AggregateStore& aggregates, AggregateDeltas* deltas, size_t max_per_add) {
  AddResult result;
  std::vector<AggregateRow> rows;
  rows.reserve(deltas->size());
  for (auto& [key, totals] : *deltas) rows.push_back({.key = key, .totals = totals});
  deltas->clear();
  size_t done = 0;
  while (done < rows.size()) {
    const size_t n = std::min(max_per_add, rows.size() - done);
    absl::StatusOr<AggregateAddResult> added =
        aggregates.Add(std::span<const AggregateRow>(rows.data() + done, n));
    if (!added.ok()) {
      result.status = added.status();
      break;
    }
    result.conflicts += added->conflicts;
    result.records_written += n;
    done += n;
  }
  // What was not added goes back, to be retried.
  for (size_t i = done; i < rows.size(); ++i) {
    deltas->emplace(std::move(rows[i].key), rows[i].totals);
  }
  return result;
}

}  // namespace

void EventIngestor::Impl::DrainLoop() {
  AggregateDeltas unwritten;  // counts of earlier rounds that failed, and this round's
  std::unique_lock lock(mu);
  auto next_round = std::chrono::steady_clock::now();
  const auto interval = absl::ToChronoMilliseconds(options.flush_interval);
  while (true) {
    const bool have_work = queued_events > 0 || !unwritten.empty();
    const bool urgent = flush_requested || stop || queued_events * 2 >= options.queue_capacity;
    if (!urgent) {
      if (!have_work) {
        wake_drainer.wait(lock);
        next_round = std::chrono::steady_clock::now() + interval;
        continue;
      }
      if (std::chrono::steady_clock::now() < next_round) {
        wake_drainer.wait_until(lock, next_round);
        continue;
      }
    }
    if (stop && !have_work) return;
    // One round: take the queue, write it with what earlier rounds left.
    std::vector<AggregateDeltas> taken;
    taken.swap(queue);
    in_flight_events += queued_events;
    queued_events = 0;
    flush_requested = false;
    const uint64_t round = ++rounds_started;
    const bool final_round = stop;
    lock.unlock();

    // Merge the batches' minutes first (the same minutes recur batch after
    // batch), then roll each distinct minute up once: three map updates per
    // distinct minute instead of three per minute of every batch.
    AggregateDeltas minutes;
    for (AggregateDeltas& batch : taken) {
      if (minutes.empty()) {
        minutes = std::move(batch);
        continue;
      }
      for (const auto& [minute, delta] : batch) {
        EventTotals& sum = minutes[minute];  // copies the key only when new
        sum.count += delta.count;
        sum.value_sum += delta.value_sum;
      }
    }
    taken.clear();
    for (const auto& [minute, delta] : minutes) RollUp(*aggregates, minute, delta, &unwritten);
    const AddResult result = AddInChunks(*aggregates, &unwritten, options.max_records_per_write);

    lock.lock();
    stats.records_written += result.records_written;
    stats.write_conflicts += result.conflicts;
    if (unwritten.empty()) {
      stats.written_events += in_flight_events;
      in_flight_events = 0;
    } else {
      ++stats.write_failures;
      stats.last_error = result.status;
      last_failed_round = round;
      last_round_error = result.status;
    }
    next_round = std::chrono::steady_clock::now() + interval;
    round_done.notify_all();
    // At shutdown one attempt is all there is: a failing store must not
    // hold the destructor forever.
    if (final_round && queued_events == 0) return;
  }
}

EventIngestor::EventIngestor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<EventIngestor>> EventIngestor::Open(Store* store,
                                                                   EventIngestorOptions options) {
  if (store == nullptr && options.aggregates == nullptr) {
    return absl::InvalidArgumentError("store: must not be null (or set options.aggregates)");
  }
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  if (options.clock == nullptr) options.clock = Clock::Real();
  auto impl = std::make_unique<Impl>();
  impl->aggregates = options.aggregates;
  if (impl->aggregates == nullptr) {
    absl::StatusOr<std::unique_ptr<AggregateStore>> records =
        OpenStoreAggregateStore(store, {.max_write_attempts = options.max_write_attempts});
    if (!records.ok()) return records.status();
    impl->owned_aggregates = *std::move(records);
    impl->aggregates = impl->owned_aggregates.get();
  }
  impl->options = options;
  impl->drainer = std::thread([raw = impl.get()] { raw->DrainLoop(); });
  return std::unique_ptr<EventIngestor>(new EventIngestor(std::move(impl)));
}

EventIngestor::~EventIngestor() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->wake_drainer.notify_all();
  impl_->drainer.join();
}

absl::Status EventIngestor::Ingest(std::span<const Event> batch) {
  if (batch.empty()) return absl::OkStatus();
  const absl::Time now = impl_->options.clock->Now();
  // Validate and pre-aggregate outside the lock.
  AggregateDeltas minutes;
  // Sized once: growing it step by step rehashes and faults fresh pages in.
  minutes.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    absl::Status valid = ValidateEvent(e);
    if (valid.ok()) valid = CheckHorizon(e, now, impl_->options);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "].", valid.message()));
    }
    AggregateKey key{.campaign = e.campaign,
                     .variant = e.variant,
                     .type = e.type,
                     .bucket = Bucket::kMinute,
                     .start = absl::ToUnixSeconds(BucketStart(e.time, Bucket::kMinute))};
    EventTotals& sum = minutes[std::move(key)];
    sum.count += 1;
    sum.value_sum += e.value;
  }
  bool wake = false;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stop) return absl::FailedPreconditionError("the event ingestor is shutting down");
    const uint64_t capacity = impl_->options.queue_capacity;
    if (impl_->pending() + batch.size() > capacity) {
      ++impl_->stats.rejected_full_batches;
      impl_->stats.rejected_full_events += batch.size();
      return absl::ResourceExhaustedError(absl::StrCat(
          "event queue full: ", impl_->pending(), " pending, capacity ", capacity,
          "; a batch of ", batch.size(), " does not fit, retry later"));
    }
    const bool was_below_half = impl_->queued_events * 2 < capacity;
    // An idle drainer waits without a deadline: the first batch must wake
    // it, or that batch would wait for a Flush or a half-full queue instead
    // of flush_interval.
    const bool was_empty = impl_->queued_events == 0;
    impl_->queue.push_back(std::move(minutes));
    impl_->queued_events += batch.size();
    impl_->stats.accepted_events += batch.size();
    wake = was_empty || (was_below_half && impl_->queued_events * 2 >= capacity);
  }
  if (wake) impl_->wake_drainer.notify_one();
  return absl::OkStatus();
}

absl::Status EventIngestor::Flush() {
  std::unique_lock lock(impl_->mu);
  const uint64_t target = impl_->stats.accepted_events;
  // Any round that starts from now on includes everything accepted so far.
  const uint64_t first_round = impl_->rounds_started + 1;
  if (impl_->stats.written_events >= target) return absl::OkStatus();
  impl_->flush_requested = true;
  impl_->wake_drainer.notify_one();
  impl_->round_done.wait(lock, [&] {
    return impl_->stats.written_events >= target || impl_->last_failed_round >= first_round;
  });
  if (impl_->stats.written_events >= target) return absl::OkStatus();
  return impl_->last_round_error;
}

EventIngestorStats EventIngestor::stats() const {
  std::lock_guard lock(impl_->mu);
  EventIngestorStats s = impl_->stats;
  s.pending_events = impl_->pending();
  return s;
}

}  // namespace marquee::campaign
