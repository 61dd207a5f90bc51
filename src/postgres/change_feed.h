// Watch on PostgreSQL: the changes table read from each watcher's position,
// with LISTEN/NOTIFY only as the wake-up.
//
// Every commit writes its changes to the changes table in the same
// transaction as the records, and (unless disabled) NOTIFYs the schema's
// channel. One listener thread per store holds its own connection, LISTENs,
// and on each notification wakes every watcher. Each watcher has a thread
// that reads "changes after my position" (by (version, seq), in commit
// order: versions are assigned in commit order) through the pool and
// delivers them. It also reads every poll_interval without being woken, and
// the listener wakes everyone after each (re)connection, so a NOTIFY that
// was lost (sent while the listener was disconnected, or never sent) only
// delays a change. A watcher whose position falls behind retention gets
// OutOfRange; a read that fails (the database is down) is retried at the
// next poll, so watchers outlive a restart of PostgreSQL and catch up.
#ifndef MARQUEE_SRC_POSTGRES_CHANGE_FEED_H_
#define MARQUEE_SRC_POSTGRES_CHANGE_FEED_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/store.h"
#include "postgres/connection.h"
#include "postgres/connection_pool.h"
#include "postgres/schema.h"

namespace marquee::postgres::internal {

class ChangeFeed {
 public:
  // `listen` opens the listener's connection; `pool` serves the reads.
  ChangeFeed(const SchemaNames& names, ConnectionPool* pool, ConnectSettings listen,
             absl::Duration poll_interval);
  ~ChangeFeed();  // Shutdown()

  // Starts delivering changes after `after_version`.
  // Errors: InvalidArgument (after the last commit), OutOfRange (no longer
  // retained), Cancelled (shut down), Unavailable.
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(uint64_t after_version,
                                                          WatchHandler handler);

  // Ends every subscription (each handler gets Cancelled once) and stops the
  // listener; waits for their threads.
  void Shutdown();

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

// Deletes changes beyond the retention limits in one transaction and moves
// meta.retained_after up to the newest version deleted; returns the number
// of rows deleted. Whole commits only. `max_age` 0 or `max_rows` 0 disable
// that limit.
// Errors: those of the statements.
absl::StatusOr<uint64_t> DeleteExpiredChanges(Connection& conn, const SchemaNames& names,
                                              absl::Duration max_age, uint64_t max_rows);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_CHANGE_FEED_H_
