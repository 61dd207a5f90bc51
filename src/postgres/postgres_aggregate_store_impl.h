// The PostgresAggregateStore implementation, one file per concern:
//   postgres_aggregate_store.cc   opening, Add, Read, RefreshRollups, timers
//   aggregate_partitions.cc       partitions on demand, Maintain (ahead,
//                                 retention)
//   aggregate_queries.cc          the statements and their rows
//   aggregate_schema.cc           the tables, the view, partition names
#ifndef MARQUEE_SRC_POSTGRES_POSTGRES_AGGREGATE_STORE_IMPL_H_
#define MARQUEE_SRC_POSTGRES_POSTGRES_AGGREGATE_STORE_IMPL_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "marquee/postgres/postgres_aggregate_store.h"
#include "postgres/aggregate_schema.h"
#include "postgres/connection_pool.h"

namespace marquee::postgres::internal {

class PostgresAggregateStoreImpl final : public PostgresAggregateStore {
 public:
  explicit PostgresAggregateStoreImpl(const PostgresAggregateStoreOptions& options);
  ~PostgresAggregateStoreImpl() override;

  // Validates the options, creates the tables and this month's partitions
  // (and those ahead), starts the timers.
  absl::Status Open();

  absl::StatusOr<campaign::AggregateAddResult> Add(
      std::span<const campaign::AggregateRow> rows) override;
  absl::StatusOr<std::vector<campaign::AggregateRow>> Read(std::string_view campaign,
                                                           campaign::Bucket bucket,
                                                           absl::Time from,
                                                           absl::Time to) const override;
  bool TakesBucket(campaign::Bucket bucket) const override;
  absl::StatusOr<AggregateMaintenance> Maintain() override;
  absl::StatusOr<bool> RefreshRollups() override;

 private:
  // Creates the partitions of `months` (month indexes) this node has not
  // seen yet, in one transaction under the DDL lock.
  absl::Status EnsurePartitions(std::span<const int64_t> months);
  // Forgets which partitions exist (another node may have dropped some).
  void ForgetPartitions();
  // RefreshRollups, unless some node refreshed less than `min_age` ago
  // (then false): the timers of N nodes refresh once per interval, not N
  // times.
  absl::StatusOr<bool> RefreshRollupsUnlessFresh(absl::Duration min_age);
  void TimerLoop();

  const PostgresAggregateStoreOptions options_;
  Clock* const clock_;
  const AggregateNames names_;
  mutable ConnectionPool pool_;
  const std::string add_sql_;
  const std::string read_rows_sql_;
  const std::string read_rollups_sql_;

  std::mutex partitions_mu_;
  // Months whose partition this node created or saw: Add needs no DDL for them.
  absl::flat_hash_set<int64_t> known_months_;

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_thread_;
};

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_POSTGRES_AGGREGATE_STORE_IMPL_H_
