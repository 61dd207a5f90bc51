#include "postgres/schema.h"

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "absl/strings/str_replace.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::StdSv;

std::string QuoteIdent(std::string_view name) {
  return absl::StrCat("\"", absl::StrReplaceAll(Sv(name), {{"\"", "\"\""}}), "\"");
}

SchemaNames::SchemaNames(std::string_view schema_name)
    : schema(schema_name),
      meta(Table("meta")),
      versions(Table("versions")),
      collections(Table("collections")),
      indexes(Table("indexes")),
      index_fields(Table("index_fields")),
      changes(Table("changes")),
      channel(absl::StrCat("marquee_", Sv(schema_name))) {}

std::string SchemaNames::Table(std::string_view table) const {
  return absl::StrCat(QuoteIdent(schema), ".", QuoteIdent(table));
}

absl::Status ValidateSchemaName(std::string_view schema) {
  bool ok = !schema.empty() && schema.size() <= 48 &&
            (schema[0] == '_' || (schema[0] >= 'a' && schema[0] <= 'z'));
  for (char c : schema) {
    ok = ok && (c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "schema '", Sv(schema),
      "' is not valid: use 1..48 lowercase letters, digits and '_', starting with a letter or '_'"));
}

absl::Status CreateStoreTables(Connection& conn, const SchemaNames& n) {
  // One transaction, serialized across nodes by an advisory lock on the
  // schema's name: CREATE ... IF NOT EXISTS alone still races on the
  // catalogs when two nodes open an empty schema at once.
  const std::string sql = absl::StrCat(
      "BEGIN;",
      "SELECT pg_advisory_xact_lock(hashtext('marquee schema ' || ", "'", n.schema, "'));",
      "CREATE SCHEMA IF NOT EXISTS ", QuoteIdent(n.schema), ";",
      "CREATE TABLE IF NOT EXISTS ", n.meta, " (",
      "  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),",
      "  format integer NOT NULL,",
      "  last_version bigint NOT NULL DEFAULT 0,",
      "  retained_after bigint NOT NULL DEFAULT 0,",
      "  catalog_generation bigint NOT NULL DEFAULT 0);",
      "INSERT INTO ", n.meta, " (format) VALUES (", kSchemaFormat, ") ON CONFLICT DO NOTHING;",
      "CREATE SEQUENCE IF NOT EXISTS ", n.versions, " AS bigint MINVALUE 1;",
      "CREATE TABLE IF NOT EXISTS ", n.collections, " (",
      "  name text COLLATE \"C\" PRIMARY KEY,",
      "  table_name text NOT NULL UNIQUE);",
      "CREATE TABLE IF NOT EXISTS ", n.indexes, " (",
      "  collection text COLLATE \"C\" NOT NULL REFERENCES ", n.collections, " (name),",
      "  name text COLLATE \"C\" NOT NULL,",
      "  key_column text NOT NULL,",
      "  PRIMARY KEY (collection, name));",
      "CREATE TABLE IF NOT EXISTS ", n.index_fields, " (",
      "  collection text COLLATE \"C\" NOT NULL,",
      "  name text COLLATE \"C\" NOT NULL,",
      "  position integer NOT NULL,",
      "  pointer text NOT NULL,",
      "  descending boolean NOT NULL,",
      "  PRIMARY KEY (collection, name, position),",
      "  FOREIGN KEY (collection, name) REFERENCES ", n.indexes, " (collection, name));",
      "CREATE TABLE IF NOT EXISTS ", n.changes, " (",
      "  version bigint NOT NULL,",
      "  seq integer NOT NULL,",
      "  collection text COLLATE \"C\" NOT NULL,",
      "  id text COLLATE \"C\" NOT NULL,",
      "  op text NOT NULL CHECK (op IN ('put', 'erase')),",
      "  schema integer,",
      "  created timestamptz,",
      "  updated timestamptz,",
      "  body json,",
      "  committed_at timestamptz NOT NULL DEFAULT now(),",
      "  PRIMARY KEY (version, seq));",
      "COMMIT;");
  if (absl::Status s = conn.ExecSimple(sql, "creating the store's tables"); !s.ok()) {
    (void)conn.ExecSimple("ROLLBACK", "rolling back");
    return s;
  }
  absl::StatusOr<PgResult> format =
      conn.Exec(absl::StrCat("SELECT format FROM ", n.meta), {}, "reading the store's format");
  if (!format.ok()) return format.status();
  absl::StatusOr<int64_t> value = format->Int(0, 0);
  if (!value.ok()) return value.status();
  if (*value != kSchemaFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schema '", n.schema, "' holds a store of format ", *value, "; this version reads format ",
        kSchemaFormat));
  }
  return absl::OkStatus();
}

std::string CollectionTableName(std::string_view collection, uint64_t number) {
  constexpr std::string_view kPrefix = "records_";
  if (kPrefix.size() + collection.size() <= 63) return absl::StrCat(Sv(kPrefix), Sv(collection));
  return absl::StrCat("records#", number, "_", Sv(collection.substr(0, 40)));
}

std::string CreateCollectionTableSql(const SchemaNames& names, std::string_view table) {
  return absl::StrCat("CREATE TABLE ", names.Table(table), " (",
                      "id_key bytea PRIMARY KEY,",
                      "id text COLLATE \"C\" NOT NULL,",
                      "version bigint NOT NULL,",
                      "schema integer NOT NULL,",
                      "created timestamptz NOT NULL,",
                      "updated timestamptz NOT NULL,",
                      "body json NOT NULL)");
}

}  // namespace marquee::postgres::internal
