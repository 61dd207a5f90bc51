// The default AggregateStore: "event_aggregates" records of a generic Store,
// added to by compare-and-set read-modify-write (so several ingestors
// sharing one store add up exactly) and read through the by_campaign index.
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
#include "marquee/campaign/aggregate_store.h"
#include "marquee/campaign/collections.h"

namespace marquee::campaign {
namespace {

using internal::AggregateDeltas;

// A randomised, growing pause after a lost compare-and-set, so two writers
// contending for the same records stop colliding in lock step.
void BackOff(int attempt) {
  thread_local std::minstd_rand rng(
      static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id())));
  const int ceiling_us = std::min(50 << std::min(attempt, 8), 10'000);
  std::uniform_int_distribution<int> pause(ceiling_us / 2, ceiling_us);
  std::this_thread::sleep_for(std::chrono::microseconds(pause(rng)));
}

class StoreRecordsAggregateStore final : public AggregateStore {
 public:
  StoreRecordsAggregateStore(Store* store, StoreAggregateStoreOptions options)
      : store_(store), options_(options) {}

  absl::StatusOr<AggregateAddResult> Add(std::span<const AggregateRow> rows) override {
    AggregateAddResult result;
    if (rows.empty()) return result;
    // Rows with one key become one put: a batch may not put a record twice.
    AggregateDeltas merged;
    for (const AggregateRow& row : rows) {
      EventTotals& sum = merged[row.key];
      sum.count += row.totals.count;
      sum.value_sum += row.totals.value_sum;
    }
    std::vector<std::pair<AggregateKey, EventTotals>> entries(merged.begin(), merged.end());
    std::vector<std::string> ids;
    ids.reserve(entries.size());
    for (const auto& entry : entries) ids.push_back(internal::AggregateRecordId(entry.first));
    for (int attempt = 0;; ++attempt) {
      absl::StatusOr<uint64_t> written = WriteOnce(entries, ids);
      if (written.ok()) return result;
      if (!absl::IsFailedPrecondition(written.status())) return written.status();
      ++result.conflicts;
      if (attempt + 1 >= options_.max_write_attempts) {
        return absl::AbortedError(absl::StrCat(
            "event aggregates changed concurrently ", options_.max_write_attempts,
            " times in a row while adding to them (", written.status().message(), ")"));
      }
      BackOff(attempt);
    }
  }

  absl::StatusOr<std::vector<AggregateRow>> Read(std::string_view campaign, Bucket bucket,
                                                 absl::Time from, absl::Time to) const override {
    return internal::ReadStoreAggregates(*store_, campaign, bucket, from, to);
  }

 private:
  // One attempt: read every record, add, write all of it at once
  // conditioned on the versions read.
  absl::StatusOr<uint64_t> WriteOnce(std::span<const std::pair<AggregateKey, EventTotals>> entries,
                                     const std::vector<std::string>& ids) {
    const std::string collection(kEventAggregatesCollection);
    WriteBatch batch;
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& [key, delta] = entries[i];
      EventTotals sum = delta;
      uint64_t version = 0;  // 0: must not exist yet
      absl::StatusOr<Record> record = store_->Get(collection, ids[i]);
      if (record.ok()) {
        absl::StatusOr<internal::AggregateRecord> stored =
            internal::ParseAggregateBody(ids[i], record->body);
        if (!stored.ok()) return stored.status();
        sum.count += stored->totals.count;
        sum.value_sum += stored->totals.value_sum;
        version = record->version;
      } else if (!absl::IsNotFound(record.status())) {
        return record.status();
      }
      absl::StatusOr<Json> body = internal::AggregateBody(key, sum);
      if (!body.ok()) return body.status();
      batch.Put(collection, ids[i], *std::move(body), {.expected_version = version});
    }
    return store_->Write(batch);
  }

  Store* const store_;
  const StoreAggregateStoreOptions options_;
};

absl::Status CheckIndex(const Store& store) {
  for (const IndexSpec& spec : store.Indexes(kEventAggregatesCollection)) {
    if (spec.name == kAggregatesByCampaignIndex) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      "the store has no index event_aggregates.by_campaign: call PrepareCampaignStore first");
}

}  // namespace

namespace internal {

absl::StatusOr<std::vector<AggregateRow>> ReadStoreAggregates(const Store& store,
                                                              std::string_view campaign,
                                                              Bucket bucket, absl::Time from,
                                                              absl::Time to) {
  if (absl::Status s = CheckIndex(store); !s.ok()) return s;
  std::vector<AggregateRow> rows;
  ScanRequest request{
      .collection = std::string(kEventAggregatesCollection),
      .index = std::string(kAggregatesByCampaignIndex),
      .prefix = {IndexValue::String(std::string(campaign)),
                 IndexValue::String(std::string(BucketName(bucket)))},
      .lower = RangeBound{.value = IndexValue::Number(
                              static_cast<double>(absl::ToUnixSeconds(from)))},
      .upper = RangeBound{.value = IndexValue::Number(
                              absl::FDivDuration(to - absl::UnixEpoch(), absl::Seconds(1))),
                          .inclusive = false},
      .limit = 1'000,
  };
  while (true) {
    absl::StatusOr<ScanResult> page = store.Scan(request);
    if (!page.ok()) return page.status();
    for (const Record& record : page->records) {
      absl::StatusOr<AggregateRecord> row = ParseAggregateBody(record.id, record.body);
      if (!row.ok()) return row.status();
      rows.push_back(*std::move(row));
    }
    if (!page->more || !page->end) break;
    request.after = page->end;
  }
  return rows;
}

}  // namespace internal

absl::StatusOr<std::unique_ptr<AggregateStore>> OpenStoreAggregateStore(
    Store* store, StoreAggregateStoreOptions options) {
  if (store == nullptr) return absl::InvalidArgumentError("store: must not be null");
  if (options.max_write_attempts < 1 || options.max_write_attempts > 1'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_write_attempts: ", options.max_write_attempts, " is outside 1..1,000"));
  }
  return std::unique_ptr<AggregateStore>(new StoreRecordsAggregateStore(store, options));
}

}  // namespace marquee::campaign
