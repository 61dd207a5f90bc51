#include "postgres/change_feed.h"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/json.h"
#include "postgres/bounded_chunk.h"
#include "postgres/record_row.h"

namespace marquee::postgres::internal {
namespace {

// Changes read per query; a commit larger than this is read in several.
constexpr int kReadBatch = 500;
// The column of read_sql's result holding the rows before the byte cut.
constexpr int kChunkRowsColumn = 10;
// The longest wait between the listener's reconnection attempts.
constexpr absl::Duration kListenerRetry = absl::Milliseconds(500);
// A position after every change of its version.
constexpr int64_t kAfterCommit = std::numeric_limits<int32_t>::max();

struct Watcher {
  WatchHandler handler;
  // The last change delivered; seq kAfterCommit once the commit is complete.
  uint64_t version = 0;
  int64_t seq = kAfterCommit;
  std::atomic<uint64_t> position{0};  // the last complete commit delivered
  bool stop = false;                  // guarded by Core::mu
  std::thread thread;
  std::mutex join_mu;

  void Join() {
    std::lock_guard lock(join_mu);
    if (!thread.joinable()) return;
    // A handler that ends its own subscription cannot join its own thread.
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();
    } else {
      thread.join();
    }
  }
};

}  // namespace

struct ChangeFeed::Core {
  SchemaNames names;
  ConnectionPool* pool;
  ConnectSettings listen;
  absl::Duration poll_interval;
  std::string read_sql;

  std::mutex mu;
  std::condition_variable wake;
  uint64_t wakes = 0;  // bumped on every notification and reconnection
  bool shutdown = false;
  bool listening = false;  // the listener thread runs
  std::thread listener;
  std::vector<std::weak_ptr<Watcher>> watchers;

  Core(const SchemaNames& n, ConnectionPool* p, ConnectSettings l, absl::Duration poll)
      : names(n), pool(p), listen(std::move(l)), poll_interval(poll) {
    // One statement, one snapshot: retained_after and the rows agree even
    // while a prune commits.
    const std::string budget = std::to_string(kChunkBodyBytes);
    const std::string limit = std::to_string(kReadBatch);
    const std::string chunk = BoundedChunkSql(
        {.table = names.changes,
         .key_column = "version, seq",
         .where = " WHERE (version, seq) > ($1::bigint, $2::integer)",
         .columns = "version, seq, collection, id, op, schema, created, updated, body",
         .limit_param = limit,
         .budget_param = budget});
    read_sql = absl::StrCat(
        "SELECT m.retained_after, c.version, c.seq, c.collection, c.id, c.op, c.schema, ",
        TimestampToMicros("c.created"), ", ", TimestampToMicros("c.updated"),
        ", c.body::text, c.chunk_rows FROM ", names.meta, " m LEFT JOIN LATERAL (", chunk,
        ") c ON true ORDER BY c.version, c.seq");
  }

  void Wake() {
    {
      std::lock_guard lock(mu);
      ++wakes;
    }
    wake.notify_all();
  }

  // Waits up to `timeout` unless shut down; false when shut down.
  bool SleepUnlessShutdown(absl::Duration timeout) {
    std::unique_lock lock(mu);
    wake.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return shutdown; });
    return !shutdown;
  }

  void Listen();
  void Deliver(const std::shared_ptr<Watcher>& watcher);
};

namespace {

class SubscriptionHandle final : public Subscription {
 public:
  SubscriptionHandle(std::shared_ptr<ChangeFeed::Core> core, std::shared_ptr<Watcher> watcher)
      : core_(std::move(core)), watcher_(std::move(watcher)) {}
  ~SubscriptionHandle() override {
    {
      std::lock_guard lock(core_->mu);
      watcher_->stop = true;
    }
    core_->wake.notify_all();
    watcher_->Join();
  }
  uint64_t position() const override { return watcher_->position.load(); }

 private:
  std::shared_ptr<ChangeFeed::Core> core_;
  std::shared_ptr<Watcher> watcher_;
};

// One row of the read query as a Change.
absl::StatusOr<Change> ChangeFromRow(const PgResult& rows, int row) {
  Change change;
  absl::StatusOr<int64_t> version = rows.Int(row, 1);
  if (!version.ok()) return version.status();
  change.version = static_cast<uint64_t>(*version);
  change.collection = std::string(rows.Get(row, 3));
  change.id = std::string(rows.Get(row, 4));
  change.kind = rows.Get(row, 5) == "put" ? Change::Kind::kPut : Change::Kind::kErase;
  change.record.collection = change.collection;
  change.record.id = change.id;
  change.record.version = change.version;
  if (change.kind == Change::Kind::kPut) {
    absl::StatusOr<int64_t> schema = rows.Int(row, 6);
    absl::StatusOr<int64_t> created = rows.Int(row, 7);
    absl::StatusOr<int64_t> updated = rows.Int(row, 8);
    for (const auto* value : {&schema, &created, &updated}) {
      if (!value->ok()) return value->status();
    }
    change.record.schema = static_cast<uint32_t>(*schema);
    change.record.created = absl::FromUnixMicros(*created);
    change.record.updated = absl::FromUnixMicros(*updated);
    absl::StatusOr<Json> body = Json::Parse(rows.Get(row, 9));
    if (!body.ok()) {
      return absl::DataLossError(absl::StrCat("the body of change ", change.version, " of ",
                                              change.collection, "/", change.id,
                                              " is not valid JSON"));
    }
    change.record.body = *std::move(body);
  }
  return change;
}

}  // namespace

void ChangeFeed::Core::Listen() {
  std::unique_ptr<Connection> conn;
  while (true) {
    {
      std::lock_guard lock(mu);
      if (shutdown) return;
    }
    if (conn == nullptr || conn->broken()) {
      conn.reset();
      absl::StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(listen);
      if (!opened.ok() ||
          !(*opened)->ExecSimple(absl::StrCat("LISTEN ", QuoteIdent(names.channel)), "listening")
               .ok()) {
        // Retry soon even when watchers poll rarely: until it listens
        // again, notified changes wait for their poll.
        if (!SleepUnlessShutdown(std::min(poll_interval, kListenerRetry))) return;
        continue;
      }
      conn = *std::move(opened);
      // Whatever was notified while no one listened: everyone reads now.
      Wake();
    }
    pollfd fd{.fd = PQsocket(conn->raw()), .events = POLLIN, .revents = 0};
    // A short wait, so shutdown is noticed without a wake-up pipe.
    const int ready = ::poll(&fd, 1, 100);
    if (ready <= 0) continue;
    if (PQconsumeInput(conn->raw()) == 0) {
      conn.reset();  // lost; reconnect (and wake everyone) on the next turn
      continue;
    }
    bool notified = false;
    while (PGnotify* note = PQnotifies(conn->raw())) {
      notified = true;
      PQfreemem(note);
    }
    if (notified) Wake();
  }
}

void ChangeFeed::Core::Deliver(const std::shared_ptr<Watcher>& watcher) {
  while (true) {
    uint64_t seen_wakes;
    {
      std::lock_guard lock(mu);
      if (watcher->stop) return;
      if (shutdown) break;
      seen_wakes = wakes;
    }
    const std::string version_text = std::to_string(watcher->version);
    const std::string seq_text = std::to_string(watcher->seq);
    absl::StatusOr<PgResult> rows = pool->Run([&](Connection& conn, bool*) {
      return conn.Exec(read_sql, {Param::Text(version_text), Param::Text(seq_text)},
                       "reading the changes table");
    });
    bool full = false;
    if (rows.ok()) {
      absl::StatusOr<int64_t> retained_after = rows->Int(0, 0);
      const bool mid_commit = watcher->seq != kAfterCommit;
      if (retained_after.ok() &&
          (watcher->version < static_cast<uint64_t>(*retained_after) ||
           (mid_commit && watcher->version == static_cast<uint64_t>(*retained_after)))) {
        watcher->handler(absl::OutOfRangeError(absl::StrCat(
            "watcher at version ", watcher->version,
            " fell behind the retained changes (they start after version ", *retained_after,
            "); reload, then watch from the current version")));
        return;
      }
      const int count = rows->IsNull(0, 1) ? 0 : rows->rows();
      // A read the row limit or the byte budget cut short: read on at once.
      if (count > 0) {
        absl::StatusOr<int64_t> chunk_rows = rows->Int(0, kChunkRowsColumn);
        if (!chunk_rows.ok()) {
          watcher->handler(chunk_rows.status());
          return;
        }
        full = *chunk_rows == kReadBatch || count < *chunk_rows;
      }
      for (int row = 0; row < count; ++row) {
        {
          std::lock_guard lock(mu);
          if (watcher->stop) return;
        }
        absl::StatusOr<Change> change = ChangeFromRow(*rows, row);
        absl::StatusOr<int64_t> seq = rows->Int(row, 2);
        if (!change.ok() || !seq.ok()) {
          watcher->handler(change.ok() ? seq.status() : change.status());
          return;
        }
        const uint64_t version = change->version;
        watcher->handler(*std::move(change));
        watcher->version = version;
        watcher->seq = *seq;
        // The commit is complete when the next row is of a later version,
        // or when this read returned everything there was.
        const bool last_row = row + 1 == count;
        const bool complete = last_row ? !full : rows->Get(row + 1, 1) != rows->Get(row, 1);
        if (complete) {
          watcher->seq = kAfterCommit;
          watcher->position.store(version);
        }
      }
    }
    // (A failed read is retried at the next poll: the database may be down.)
    if (full) continue;
    std::unique_lock lock(mu);
    wake.wait_for(lock, absl::ToChronoNanoseconds(poll_interval),
                  [&] { return watcher->stop || shutdown || wakes != seen_wakes; });
    if (watcher->stop) return;
    if (shutdown) break;
  }
  watcher->handler(absl::CancelledError("the store is shutting down"));
}

ChangeFeed::ChangeFeed(const SchemaNames& names, ConnectionPool* pool, ConnectSettings listen,
                       absl::Duration poll_interval)
    : core_(std::make_shared<Core>(names, pool, std::move(listen), poll_interval)) {}

ChangeFeed::~ChangeFeed() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Subscription>> ChangeFeed::Subscribe(uint64_t after_version,
                                                                    WatchHandler handler) {
  Core& c = *core_;
  absl::StatusOr<PgResult> meta = c.pool->Run([&](Connection& conn, bool*) {
    return conn.Exec(absl::StrCat("SELECT last_version, retained_after FROM ", c.names.meta), {},
                     "reading the store's version");
  });
  if (!meta.ok()) return meta.status();
  absl::StatusOr<int64_t> last = meta->Int(0, 0);
  absl::StatusOr<int64_t> retained_after = meta->Int(0, 1);
  if (!last.ok()) return last.status();
  if (!retained_after.ok()) return retained_after.status();
  if (after_version > static_cast<uint64_t>(*last)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot watch after version ", after_version,
                                                   ": the store is at version ", *last));
  }
  if (after_version < static_cast<uint64_t>(*retained_after)) {
    return absl::OutOfRangeError(absl::StrCat(
        "changes after version ", after_version, " are no longer retained (they start after ",
        *retained_after, "); reload, then watch from the current version"));
  }
  auto watcher = std::make_shared<Watcher>();
  watcher->handler = std::move(handler);
  watcher->version = after_version;
  watcher->seq = kAfterCommit;
  watcher->position = after_version;
  {
    std::lock_guard lock(c.mu);
    if (c.shutdown) return absl::CancelledError("the store is shutting down");
    if (!c.listening) {
      c.listening = true;
      c.listener = std::thread([core = core_] { core->Listen(); });
    }
    std::erase_if(c.watchers, [](const std::weak_ptr<Watcher>& w) { return w.expired(); });
    c.watchers.push_back(watcher);
    std::lock_guard join_lock(watcher->join_mu);
    watcher->thread = std::thread([core = core_, watcher] { core->Deliver(watcher); });
  }
  return std::unique_ptr<Subscription>(new SubscriptionHandle(core_, std::move(watcher)));
}

void ChangeFeed::Shutdown() {
  Core& c = *core_;
  std::vector<std::shared_ptr<Watcher>> live;
  {
    std::lock_guard lock(c.mu);
    c.shutdown = true;
    for (auto& weak : c.watchers) {
      if (auto w = weak.lock()) live.push_back(std::move(w));
    }
    c.watchers.clear();
  }
  c.wake.notify_all();
  for (auto& w : live) w->Join();
  if (c.listener.joinable()) c.listener.join();
}

absl::StatusOr<uint64_t> DeleteExpiredChanges(Connection& conn, const SchemaNames& names,
                                              absl::Duration max_age, uint64_t max_rows) {
  // The newest version to delete: by age, the newest commit older than
  // max_age; by count, the commit of the row max_rows places from the
  // newest (deleting it and everything before leaves at most max_rows).
  const std::string age_seconds = std::to_string(absl::ToInt64Seconds(max_age));
  const std::string rows_text = std::to_string(max_rows);
  const std::string sql = absl::StrCat(
      "WITH cutoff AS (SELECT GREATEST(",
      "  CASE WHEN $1::bigint > 0 THEN (SELECT max(version) FROM ", names.changes,
      "    WHERE committed_at < now() - $1::bigint * interval '1 second') END,",
      "  CASE WHEN $2::bigint > 0 THEN (SELECT version FROM ", names.changes,
      "    ORDER BY version DESC, seq DESC OFFSET $2::bigint LIMIT 1) END) AS v),",
      " gone AS (DELETE FROM ", names.changes,
      "  WHERE version <= (SELECT v FROM cutoff) RETURNING 1),",
      " moved AS (UPDATE ", names.meta,
      "  SET retained_after = GREATEST(retained_after, (SELECT v FROM cutoff))",
      "  WHERE (SELECT v FROM cutoff) IS NOT NULL RETURNING 1)",
      " SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM moved)");
  absl::StatusOr<PgResult> result =
      conn.Exec(sql, {Param::Text(age_seconds), Param::Text(rows_text)}, "deleting old changes");
  if (!result.ok()) return result.status();
  absl::StatusOr<int64_t> deleted = result->Int(0, 0);
  if (!deleted.ok()) return deleted.status();
  return static_cast<uint64_t>(*deleted);
}

}  // namespace marquee::postgres::internal
