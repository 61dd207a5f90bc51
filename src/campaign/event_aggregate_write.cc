// Adding counts to aggregate records by compare-and-set, so that several
// ingestors (threads or processes) sharing one store add up exactly.
#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/event_internal.h"
#include "marquee/campaign/collections.h"

namespace marquee::campaign::internal {
namespace {

using Entry = std::pair<AggregateKey, EventTotals>;

// A randomised, growing pause after a lost compare-and-set, so two writers
// contending for the same records stop colliding in lock step.
void BackOff(int attempt) {
  thread_local std::minstd_rand rng(
      static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id())));
  const int ceiling_us = std::min(50 << std::min(attempt, 8), 10'000);
  std::uniform_int_distribution<int> pause(ceiling_us / 2, ceiling_us);
  std::this_thread::sleep_for(std::chrono::microseconds(pause(rng)));
}

// One attempt at one chunk: read every record, add, write all of it at once
// conditioned on the versions read.
absl::StatusOr<uint64_t> WriteChunkOnce(Store& store, std::span<const Entry> chunk,
                                        const std::vector<std::string>& ids) {
  const std::string collection(kEventAggregatesCollection);
  WriteBatch batch;
  for (size_t i = 0; i < chunk.size(); ++i) {
    const auto& [key, delta] = chunk[i];
    EventTotals sum = delta;
    uint64_t version = 0;  // 0: must not exist yet
    absl::StatusOr<Record> record = store.Get(collection, ids[i]);
    if (record.ok()) {
      absl::StatusOr<AggregateRecord> stored = ParseAggregateBody(ids[i], record->body);
      if (!stored.ok()) return stored.status();
      sum.count += stored->totals.count;
      sum.value_sum += stored->totals.value_sum;
      version = record->version;
    } else if (!absl::IsNotFound(record.status())) {
      return record.status();
    }
    absl::StatusOr<Json> body = AggregateBody(key, sum);
    if (!body.ok()) return body.status();
    batch.Put(collection, ids[i], *std::move(body), {.expected_version = version});
  }
  return store.Write(batch);
}

}  // namespace

AggregateWriteResult AddToAggregates(Store& store, AggregateDeltas* deltas,
                                     size_t max_records_per_write, int max_attempts) {
  AggregateWriteResult result;
  std::vector<Entry> entries(std::make_move_iterator(deltas->begin()),
                             std::make_move_iterator(deltas->end()));
  deltas->clear();
  size_t done = 0;
  while (done < entries.size() && result.status.ok()) {
    const size_t n = std::min(max_records_per_write, entries.size() - done);
    const std::span<const Entry> chunk(entries.data() + done, n);
    std::vector<std::string> ids;
    ids.reserve(n);
    for (const Entry& e : chunk) ids.push_back(AggregateRecordId(e.first));
    for (int attempt = 0;; ++attempt) {
      absl::StatusOr<uint64_t> written = WriteChunkOnce(store, chunk, ids);
      if (written.ok()) {
        result.records_written += n;
        done += n;
        break;
      }
      if (!absl::IsFailedPrecondition(written.status())) {
        result.status = written.status();
        break;
      }
      ++result.conflicts;
      if (attempt + 1 >= max_attempts) {
        result.status = absl::AbortedError(absl::StrCat(
            "event aggregates changed concurrently ", max_attempts,
            " times in a row while adding to them (", written.status().message(), ")"));
        break;
      }
      BackOff(attempt);
    }
  }
  // What was not written goes back, to be retried.
  for (size_t i = done; i < entries.size(); ++i) deltas->insert(std::move(entries[i]));
  return result;
}

}  // namespace marquee::campaign::internal
