// PostgresStore::DefineIndex: a bytea key column, filled for existing
// records, with a unique btree on it (the key ends with the id, so it is
// unique). Runs under the meta row lock like a write, so no write commits
// between the back-fill and the index and every record has its key; and it
// bumps meta.catalog_generation, so writers on other nodes reload the
// collection and write the new column from then on. ALTER TABLE holds the
// collection's table exclusively until COMMIT: reads of that collection
// wait for the back-fill.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/json.h"
#include "marquee/status.h"
#include "postgres/bounded_chunk.h"
#include "postgres/index_keys.h"
#include "postgres/postgres_store_impl.h"
#include "postgres/record_row.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::StdSv;

namespace {
// Records read per back-fill query at most.
constexpr size_t kBackfillChunkRows = 1000;
}  // namespace

absl::Status PostgresStoreImpl::DefineIndex(const IndexSpec& spec) {
  MARQUEE_RETURN_IF_ERROR(ValidateIndexSpec(spec));
  return pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<bool> {
    MARQUEE_RETURN_IF_ERROR(conn.ExecSimple("BEGIN", "starting an index declaration"));
    absl::Status status = DefineIndexOnce(conn, spec);
    if (!status.ok()) {
      if (!conn.broken()) (void)conn.ExecSimple("ROLLBACK", "rolling back");
      return status;
    }
    MARQUEE_RETURN_IF_ERROR(conn.ExecSimple("COMMIT", "committing an index declaration"));
    // What was just committed, cached for this node's readers and writers.
    return catalog_.Load(conn, spec.collection).status().ok();
  }).status();
}

absl::Status PostgresStoreImpl::DefineIndexOnce(Connection& conn, const IndexSpec& spec) {
  MARQUEE_ASSIGN_OR_RETURN(
      PgResult meta,
      conn.Exec(absl::StrCat("SELECT catalog_generation FROM ", names_.meta, " FOR UPDATE"), {},
                "locking the store to declare an index"));
  MARQUEE_ASSIGN_OR_RETURN(int64_t generation, meta.Int(0, 0));
  std::vector<std::shared_ptr<const CollectionInfo>> created;
  MARQUEE_ASSIGN_OR_RETURN(
      std::shared_ptr<const CollectionInfo> info,
      CollectionForWrite(conn, spec.collection, static_cast<uint64_t>(generation),
                         /*create=*/true, &created));
  if (const IndexInfo* existing = info->FindIndex(spec.name); existing != nullptr) {
    if (existing->spec == spec) return absl::OkStatus();
    return absl::AlreadyExistsError(absl::StrCat("index '", spec.name, "' of collection '",
                                                 spec.collection,
                                                 "' is already declared with other fields"));
  }
  const std::string column_name = absl::StrCat("key_", info->indexes.size() + 1);
  const std::string column = QuoteIdent(column_name);
  MARQUEE_RETURN_IF_ERROR(conn.ExecSimple(
      absl::StrCat("ALTER TABLE ", info->table, " ADD COLUMN ", column, " bytea"),
      absl::StrCat("adding the key column of index ", spec.name)));

  // Back-fill: every existing record's key, computed as a write would, a
  // bounded chunk at a time (bounded_chunk.h) so a large collection is
  // never in memory at once.
  const std::string update =
      absl::StrCat("UPDATE ", info->table, " SET ", column, " = $1 WHERE id_key = $2");
  const std::string first_chunk = BoundedChunkSql({.table = info->table,
                                                   .key_column = "id_key",
                                                   .where = "",
                                                   .columns = "id_key, id, body::text",
                                                   .limit_param = "$1",
                                                   .budget_param = "$2"});
  const std::string next_chunk = BoundedChunkSql({.table = info->table,
                                                  .key_column = "id_key",
                                                  .where = " WHERE id_key > $3::bytea",
                                                  .columns = "id_key, id, body::text",
                                                  .limit_param = "$1",
                                                  .budget_param = "$2"});
  const std::string limit_text = std::to_string(kBackfillChunkRows);
  const std::string budget_text = std::to_string(kChunkBodyBytes);
  std::optional<std::string> after;  // the last id_key indexed
  while (true) {
    std::vector<Param> params = {Param::Text(limit_text), Param::Text(budget_text)};
    if (after) params.push_back(Param::Bytes(*after));
    MARQUEE_ASSIGN_OR_RETURN(
        PgResult rows, conn.Exec(after ? next_chunk : first_chunk, params,
                                 absl::StrCat("reading ", spec.collection, " to index it")));
    if (rows.rows() == 0) break;
    for (int row = 0; row < rows.rows(); ++row) {
      absl::StatusOr<Json> body = Json::Parse(rows.Get(row, 2));
      if (!body.ok()) {
        return absl::DataLossError(absl::StrCat("the stored body of ", spec.collection, "/",
                                                Sv(rows.Get(row, 1)), " is not valid JSON"));
      }
      const std::string key = IndexKeyOf(spec, *body, rows.Get(row, 1));
      MARQUEE_ASSIGN_OR_RETURN(std::string id_key, DecodeBytea(rows.Get(row, 0)));
      MARQUEE_RETURN_IF_ERROR(
          conn.Exec(update, {Param::Bytes(key), Param::Bytes(id_key)}, "indexing a record")
              .status());
      after = std::move(id_key);
    }
    MARQUEE_ASSIGN_OR_RETURN(int64_t chunk_rows, rows.Int(0, 3));
    const bool cut_by_bytes = rows.rows() < chunk_rows;
    if (!cut_by_bytes && chunk_rows < static_cast<int64_t>(kBackfillChunkRows)) break;  // the end
  }
  MARQUEE_RETURN_IF_ERROR(conn.ExecSimple(
      absl::StrCat("ALTER TABLE ", info->table, " ALTER COLUMN ", column, " SET NOT NULL; ",
                   "CREATE UNIQUE INDEX ON ", info->table, " (", column, ")"),
      absl::StrCat("creating index ", spec.name)));

  MARQUEE_RETURN_IF_ERROR(
      conn.Exec(absl::StrCat("INSERT INTO ", names_.indexes,
                             " (collection, name, key_column) VALUES ($1, $2, $3)"),
                {Param::Text(spec.collection), Param::Text(spec.name), Param::Text(column_name)},
                "registering an index")
          .status());
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const std::string position = std::to_string(i);
    MARQUEE_RETURN_IF_ERROR(
        conn.Exec(absl::StrCat("INSERT INTO ", names_.index_fields,
                               " (collection, name, position, pointer, descending) "
                               "VALUES ($1, $2, $3::integer, $4, $5::boolean)"),
                  {Param::Text(spec.collection), Param::Text(spec.name), Param::Text(position),
                   Param::Text(spec.fields[i].pointer),
                   Param::Text(spec.fields[i].order == SortOrder::kDescending ? "true" : "false")},
                  "registering an index field")
            .status());
  }
  return conn
      .Exec(absl::StrCat("UPDATE ", names_.meta,
                         " SET catalog_generation = catalog_generation + 1"),
            {}, "recording the new index")
      .status();
}

}  // namespace marquee::postgres::internal
