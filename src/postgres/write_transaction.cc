// PostgresStore::Write: one transaction per batch.
//
// Ordering. Every writer first locks the one row of the meta table
// (SELECT ... FOR UPDATE) and keeps the lock until COMMIT; only then does
// it draw its version from the sequence, check expected versions and write.
// So writers of a store are serialized, versions are drawn in commit order,
// and a commit is visible before the next writer can draw a version (row
// locks are released after the commit is visible). A watcher reading
// "changes after version v" can therefore never see version v+2 commit
// before v+1 and skip v+1 when it commits later, which concurrent nextval()
// calls without the lock would allow. The sequence may have gaps (a batch
// that fails after nextval rolls back but keeps its number consumed): that
// is allowed, versions only have to increase. Serializing writers costs
// write throughput on one database, which is bounded by its commit rate
// anyway; it also makes the expected-version checks exact (a row that does
// not exist yet cannot be locked, but no one else can create it meanwhile).
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/status.h"
#include "postgres/index_keys.h"
#include "internal/write_batch_rules.h"
#include "postgres/postgres_store_impl.h"
#include "postgres/record_row.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::KeyName;
using marquee::internal::StdSv;
namespace {

// The upsert of one record plus its change row, as one statement.
// $1 id_key, $2 id, $3 version, $4 schema, $5 micros, $6 body, $7 seq,
// $8 collection, $9... the index keys in `info->indexes` order.
std::string PutSql(const CollectionInfo& info, const std::string& changes_table) {
  std::string columns = "id_key, id, version, schema, created, updated, body";
  std::string values = absl::StrCat("$1, $2, $3::bigint, $4::integer, ", MicrosToTimestamp("$5"),
                                    ", ", MicrosToTimestamp("$5"), ", $6::json");
  std::string updates =
      "version = EXCLUDED.version, schema = EXCLUDED.schema, updated = EXCLUDED.updated, "
      "body = EXCLUDED.body";
  for (size_t i = 0; i < info.indexes.size(); ++i) {
    const std::string& column = info.indexes[i].column;
    absl::StrAppend(&columns, ", ", column);
    absl::StrAppend(&values, ", $", 9 + i, "::bytea");
    absl::StrAppend(&updates, ", ", column, " = EXCLUDED.", column);
  }
  return absl::StrCat("WITH w AS (INSERT INTO ", info.table, " (", columns, ") VALUES (", values,
                      ") ON CONFLICT (id_key) DO UPDATE SET ", updates,
                      " RETURNING created, updated) "
                      "INSERT INTO ", changes_table,
                      " (version, seq, collection, id, op, schema, created, updated, body) "
                      "SELECT $3::bigint, $7::integer, $8, $2, 'put', $4::integer, w.created, "
                      "w.updated, $6::json FROM w");
}

// Under the meta row lock: draws the batch's version, records it as the
// last and, with `notify`, queues the NOTIFY ($1: the channel) sent at
// COMMIT. Returns the version.
std::string VersionSql(const SchemaNames& names, bool notify) {
  return absl::StrCat("UPDATE ", names.meta, " SET last_version = nextval('", names.versions,
                      "') RETURNING last_version",
                      notify ? ", pg_notify($1, last_version::text)" : "");
}

// Whether a failed batch's error is its own (its data, say an indexed value
// too long for a btree entry), so the rest of its group may commit without
// it; not when the database is unreachable, timed out or aborted the
// transaction for a lock, which every batch of the group would meet again.
bool IsBatchsOwnFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
      return false;
    default:
      return true;
  }
}

}  // namespace

absl::Status PostgresStoreImpl::ValidateBatch(const WriteBatch& batch) const {
  return marquee::internal::ValidateWriteBatch(batch, options_.max_batch_bytes);
}

absl::StatusOr<std::shared_ptr<const CollectionInfo>> PostgresStoreImpl::CollectionForWrite(
    Connection& conn, std::string_view collection, uint64_t generation, bool create,
    std::vector<std::shared_ptr<const CollectionInfo>>* created) {
  for (const auto& info : *created) {
    if (info->name == collection) return info;
  }
  MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const CollectionInfo> info,
                           catalog_.Find(conn, collection, generation));
  if (info != nullptr || !create) return info;
  // A new collection: its table, created inside this transaction (and gone
  // with it if the batch fails).
  MARQUEE_ASSIGN_OR_RETURN(
      PgResult count,
      conn.Exec(absl::StrCat("SELECT count(*) FROM ", names_.collections), {},
                "counting collections"));
  MARQUEE_ASSIGN_OR_RETURN(int64_t number, count.Int(0, 0));
  const std::string table = CollectionTableName(collection, static_cast<uint64_t>(number) + 1);
  MARQUEE_RETURN_IF_ERROR(conn.ExecSimple(CreateCollectionTableSql(names_, table),
                                          absl::StrCat("creating the table of ", Sv(collection))));
  MARQUEE_RETURN_IF_ERROR(
      conn.Exec(absl::StrCat("INSERT INTO ", names_.collections, " (name, table_name) VALUES ($1, $2)"),
                {Param::Text(collection), Param::Text(table)},
                absl::StrCat("registering collection ", Sv(collection)))
          .status());
  auto fresh = std::make_shared<CollectionInfo>();
  fresh->name = std::string(collection);
  fresh->table = names_.Table(table);
  fresh->generation = generation;
  created->push_back(fresh);
  return std::shared_ptr<const CollectionInfo>(std::move(fresh));
}

absl::StatusOr<uint64_t> PostgresStoreImpl::WriteBatchInTransaction(
    Connection& conn, const WriteBatch& batch, uint64_t generation,
    std::vector<std::shared_ptr<const CollectionInfo>>* created_collections, bool* refused) {
  std::vector<std::shared_ptr<const CollectionInfo>>& created = *created_collections;
  *refused = false;
  // Expected versions hold against the state before the batch.
  for (const auto& op : batch.ops()) {
    if (!op.expected_version) continue;
    MARQUEE_ASSIGN_OR_RETURN(
        std::shared_ptr<const CollectionInfo> info,
        CollectionForWrite(conn, op.collection, generation, /*create=*/false, &created));
    uint64_t actual = 0;
    if (info != nullptr) {
      const std::string key = IdKey(op.id);
      MARQUEE_ASSIGN_OR_RETURN(
          PgResult row,
          conn.Exec(absl::StrCat("SELECT version FROM ", info->table,
                                 " WHERE id_key = $1 FOR UPDATE"),
                    {Param::Bytes(key)}, absl::StrCat("checking ", KeyName(op.collection, op.id))));
      if (row.rows() > 0) {
        MARQUEE_ASSIGN_OR_RETURN(int64_t stored, row.Int(0, 0));
        actual = static_cast<uint64_t>(stored);
      }
    }
    if (actual != *op.expected_version) {
      *refused = true;
      return absl::FailedPreconditionError(absl::StrCat(
          KeyName(op.collection, op.id), " is at version ", actual, ", expected ",
          *op.expected_version, *op.expected_version == 0 ? " (must not exist)" : ""));
    }
  }

  // The batch's version, drawn under the writer lock, recorded as the
  // last, and the wake-up of watchers, which NOTIFY sends only if the
  // transaction commits. A group that rolls back leaves a gap in the
  // sequence.
  std::vector<Param> version_params;
  if (options_.notify) version_params.push_back(Param::Text(names_.channel));
  MARQUEE_ASSIGN_OR_RETURN(PgResult drawn, conn.Exec(VersionSql(names_, options_.notify),
                                                     version_params, "drawing a version"));
  MARQUEE_ASSIGN_OR_RETURN(int64_t version_value, drawn.Int(0, 0));
  const std::string version = std::to_string(version_value);

  const std::string now = std::to_string(absl::ToUnixMicros(clock_->Now()));

  int seq = 0;
  for (const auto& op : batch.ops()) {
    const std::string seq_text = std::to_string(seq++);
    const std::string key = IdKey(op.id);
    const bool put = op.kind == WriteBatch::OpKind::kPut;
    MARQUEE_ASSIGN_OR_RETURN(
        std::shared_ptr<const CollectionInfo> info,
        CollectionForWrite(conn, op.collection, generation, /*create=*/put, &created));
    const std::string what = absl::StrCat("writing ", KeyName(op.collection, op.id));
    if (put) {
      const std::string schema = std::to_string(op.schema);
      std::vector<std::string> keys;
      keys.reserve(info->indexes.size());
      for (const IndexInfo& index : info->indexes) {
        keys.push_back(IndexKeyOf(index.spec, op.body, op.id));
      }
      std::vector<Param> params = {Param::Bytes(key),         Param::Text(op.id),
                                   Param::Text(version),      Param::Text(schema),
                                   Param::Text(now),          Param::Text(op.body.text()),
                                   Param::Text(seq_text),     Param::Text(op.collection)};
      for (const std::string& index_key : keys) params.push_back(Param::Bytes(index_key));
      MARQUEE_RETURN_IF_ERROR(conn.Exec(PutSql(*info, names_.changes), params, what).status());
    } else {
      std::string sql = absl::StrCat(
          "INSERT INTO ", names_.changes,
          " (version, seq, collection, id, op) VALUES ($2::bigint, $3::integer, $4, $5, 'erase')");
      if (info != nullptr) {
        sql = absl::StrCat("WITH d AS (DELETE FROM ", info->table, " WHERE id_key = $1) ", sql);
      } else {
        sql = absl::StrCat("WITH d AS (SELECT $1::bytea) ", sql);
      }
      MARQUEE_RETURN_IF_ERROR(conn.Exec(sql,
                                        {Param::Bytes(key), Param::Text(version),
                                         Param::Text(seq_text), Param::Text(op.collection),
                                         Param::Text(op.id)},
                                        what)
                                  .status());
    }
  }
  return static_cast<uint64_t>(version_value);
}

absl::Status PostgresStoreImpl::WriteGroupOnce(Connection& conn,
                                               std::span<PendingWrite* const> group,
                                               bool* retry_safe, int* failed_batch) {
  *failed_batch = -1;
  for (PendingWrite* write : group) write->result = absl::UnknownError("not written");
  MARQUEE_RETURN_IF_ERROR(conn.ExecSimple("BEGIN", "starting a write"));
  std::vector<std::shared_ptr<const CollectionInfo>> created;
  uint64_t first_version = 0;
  uint64_t last_version = 0;
  auto body = [&]() -> absl::Status {
    // The store's writer lock (see the top of this file), held to COMMIT.
    MARQUEE_ASSIGN_OR_RETURN(
        PgResult meta,
        conn.Exec(absl::StrCat("SELECT catalog_generation FROM ", names_.meta, " FOR UPDATE"), {},
                  "locking the store for a write"));
    MARQUEE_ASSIGN_OR_RETURN(int64_t generation_value, meta.Int(0, 0));
    const auto generation = static_cast<uint64_t>(generation_value);
    for (size_t i = 0; i < group.size(); ++i) {
      bool refused = false;
      absl::StatusOr<uint64_t> version =
          WriteBatchInTransaction(conn, *group[i]->batch, generation, &created, &refused);
      if (!version.ok() && !refused) {  // the transaction is aborted
        if (!conn.broken() && IsBatchsOwnFailure(version.status())) {
          *failed_batch = static_cast<int>(i);
        }
        return version.status();
      }
      if (version.ok()) {
        if (first_version == 0) first_version = *version;
        last_version = *version;
      }
      group[i]->result = std::move(version);
    }
    return absl::OkStatus();
  };
  absl::Status status = body();
  if (!status.ok()) {
    if (!conn.broken()) (void)conn.ExecSimple("ROLLBACK", "rolling back a write");
    return status;
  }
  if (last_version == 0) {  // every batch refused: nothing to commit
    return conn.ExecSimple("ROLLBACK", "ending a refused write");
  }
  // From here a lost connection leaves the outcome unknown: no retry.
  *retry_safe = false;
  absl::Status committed = conn.ExecSimple("COMMIT", "committing a write");
  if (!committed.ok()) {
    if (conn.broken()) {
      return absl::UnavailableError(absl::StrCat(
          "the connection was lost while committing ",
          first_version == last_version ? absl::StrCat("version ", last_version)
                                        : absl::StrCat("versions ", first_version, "..",
                                                       last_version),
          "; the write may or may not have committed: ", committed.message()));
    }
    return committed;
  }
  for (auto& info : created) catalog_.Remember(std::move(info));
  return absl::OkStatus();
}

}  // namespace marquee::postgres::internal
