#include "marquee/postgres/postgres_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/status.h"
#include "postgres/index_keys.h"
#include "postgres/postgres_store_impl.h"
#include "postgres/record_row.h"

namespace marquee::postgres {

absl::StatusOr<std::unique_ptr<PostgresStore>> OpenPostgresStore(
    const PostgresStoreOptions& options) {
  auto store = std::make_unique<internal::PostgresStoreImpl>(options);
  MARQUEE_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<PostgresStore>(std::move(store));
}

}  // namespace marquee::postgres

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::StdSv;
namespace {

ConnectSettings SettingsOf(const PostgresStoreOptions& options, std::string application_name) {
  return ConnectSettings{.conninfo = options.conninfo,
                         .connect_timeout = options.connect_timeout,
                         .statement_timeout = options.statement_timeout,
                         .application_name = std::move(application_name)};
}

absl::Status ValidateOptions(const PostgresStoreOptions& options) {
  MARQUEE_RETURN_IF_ERROR(ValidateConninfo(options.conninfo));
  MARQUEE_RETURN_IF_ERROR(ValidateSchemaName(options.schema));
  if (options.pool_size < 1 || options.pool_size > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool_size must be 1..256, not ", options.pool_size));
  }
  if (options.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("poll_interval must be positive");
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.acquire_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("connect_timeout and acquire_timeout must be positive");
  }
  if (options.statement_timeout < absl::ZeroDuration() ||
      options.changes_max_age < absl::ZeroDuration() ||
      options.prune_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "statement_timeout, changes_max_age and prune_interval must not be negative");
  }
  return absl::OkStatus();
}

}  // namespace

PostgresStoreImpl::PostgresStoreImpl(const PostgresStoreOptions& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : Clock::Real()),
      names_(options.schema),
      pool_(SettingsOf(options, absl::StrCat("marquee ", options.schema)), options.pool_size,
            options.acquire_timeout),
      catalog_(names_) {}

PostgresStoreImpl::~PostgresStoreImpl() {
  {
    std::lock_guard lock(prune_mu_);
    stopping_ = true;
  }
  prune_cv_.notify_all();
  if (prune_thread_.joinable()) prune_thread_.join();
  if (feed_) feed_->Shutdown();
}

absl::Status PostgresStoreImpl::Open() {
  MARQUEE_RETURN_IF_ERROR(ValidateOptions(options_));
  absl::Status created = pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<bool> {
    const int server = PQserverVersion(conn.raw());
    if (server < 150000) {
      return absl::FailedPreconditionError(absl::StrCat(
          "PostgresStore needs PostgreSQL 15 or later; the server is version ", server / 10000));
    }
    absl::StatusOr<PgResult> encoding =
        conn.Exec("SELECT current_setting('server_encoding')", {}, "reading the encoding");
    if (!encoding.ok()) return encoding.status();
    if (encoding->Get(0, 0) != "UTF8") {
      return absl::FailedPreconditionError(absl::StrCat(
          "PostgresStore needs a UTF8 database; this one is ", Sv(encoding->Get(0, 0))));
    }
    MARQUEE_RETURN_IF_ERROR(CreateStoreTables(conn, names_));
    return true;
  }).status();
  MARQUEE_RETURN_IF_ERROR(created);
  for (const IndexSpec& spec : options_.indexes) MARQUEE_RETURN_IF_ERROR(DefineIndex(spec));
  feed_ = std::make_unique<ChangeFeed>(names_, &pool_, SettingsOf(options_, absl::StrCat("marquee/listen ", options_.schema)),
                                       options_.poll_interval);
  (void)CurrentVersion();
  if (options_.prune_interval > absl::ZeroDuration()) {
    prune_thread_ = std::thread([this] { PruneLoop(); });
  }
  return absl::OkStatus();
}

void PostgresStoreImpl::NoteVersion(uint64_t version) const {
  uint64_t known = known_version_.load();
  while (known < version && !known_version_.compare_exchange_weak(known, version)) {
  }
}

uint64_t PostgresStoreImpl::CurrentVersion() const {
  absl::StatusOr<PgResult> meta = pool_.Run([&](Connection& conn, bool*) {
    return conn.Exec(absl::StrCat("SELECT last_version FROM ", names_.meta), {},
                     "reading the store's version");
  });
  if (meta.ok()) {
    if (absl::StatusOr<int64_t> version = meta->Int(0, 0); version.ok()) {
      NoteVersion(static_cast<uint64_t>(*version));
    }
  }
  // When the database cannot be asked: the last version this node saw.
  return known_version_.load();
}

std::vector<IndexSpec> PostgresStoreImpl::Indexes(std::string_view collection) const {
  std::vector<IndexSpec> specs;
  // Read through (not from the cache): another node may have declared one.
  absl::StatusOr<std::shared_ptr<const CollectionInfo>> info =
      pool_.Run([&](Connection& conn, bool*) { return catalog_.Load(conn, collection); });
  if (!info.ok() || *info == nullptr) return specs;
  for (const IndexInfo& index : (*info)->indexes) specs.push_back(index.spec);
  return specs;
}

absl::StatusOr<Record> PostgresStoreImpl::Get(std::string_view collection,
                                              std::string_view id) const {
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(collection));
  MARQUEE_RETURN_IF_ERROR(ValidateRecordId(id));
  const std::string key = IdKey(id);
  return pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<Record> {
    MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const CollectionInfo> info,
                             catalog_.Find(conn, collection));
    if (info == nullptr) {
      return absl::NotFoundError(absl::StrCat("'", Sv(collection), "/", Sv(id), "' not found"));
    }
    MARQUEE_ASSIGN_OR_RETURN(
        PgResult rows,
        conn.Exec(absl::StrCat("SELECT ", RecordColumns(), " FROM ", info->table,
                               " WHERE id_key = $1"),
                  {Param::Bytes(key)}, absl::StrCat("reading ", Sv(collection), "/", Sv(id))));
    if (rows.rows() == 0) {
      return absl::NotFoundError(absl::StrCat("'", Sv(collection), "/", Sv(id), "' not found"));
    }
    return RecordFromRow(rows, 0, 0, collection);
  });
}

absl::StatusOr<std::unique_ptr<Subscription>> PostgresStoreImpl::Watch(uint64_t after_version,
                                                                       WatchHandler handler) {
  if (!handler) return absl::InvalidArgumentError("Watch needs a handler");
  return feed_->Subscribe(after_version, std::move(handler));
}

absl::StatusOr<uint64_t> PostgresStoreImpl::PruneChanges() {
  return pool_.Run([&](Connection& conn, bool*) {
    return DeleteExpiredChanges(conn, names_, options_.changes_max_age, options_.changes_max_rows);
  });
}

void PostgresStoreImpl::PruneLoop() {
  std::unique_lock lock(prune_mu_);
  while (!prune_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.prune_interval),
                             [&] { return stopping_; })) {
    lock.unlock();
    // A failure (the database is down) is retried at the next interval.
    (void)PruneChanges();
    lock.lock();
  }
}

}  // namespace marquee::postgres::internal
