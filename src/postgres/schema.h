// The tables of a PostgresStore and the SQL that creates them.
//
// Everything lives in one PostgreSQL schema (options.schema):
//   meta          one row: format, last_version (of the last commit),
//                 retained_after (changes at or below it are deleted),
//                 catalog_generation (bumped by every index declaration,
//                 so other nodes reload the indexes they cached; a new
//                 collection needs no bump: a collection another node has
//                 not seen is never cached there, it is read on its miss)
//   versions      the sequence commit versions are drawn from
//   collections   collection name -> its table
//   indexes, index_fields   declared indexes -> their key column, fields
//   changes       (version, seq) -> one change of a commit, with the record
//   records_<collection>   one per collection: id_key (the id's index-key
//                 bytes: byte order is id order), id, version, schema,
//                 created, updated, body (json: the exact text written;
//                 jsonb would reorder keys and drop duplicates, so Get would
//                 not return what was put) and key_<n> (bytea) per index.
// Collection names may be longer than PostgreSQL's 63-byte identifiers:
// those tables are named records#<n>_<first 40 bytes> ('#' cannot appear
// in a collection name, so the two forms never collide).
#ifndef MARQUEE_SRC_POSTGRES_SCHEMA_H_
#define MARQUEE_SRC_POSTGRES_SCHEMA_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "postgres/connection.h"

namespace marquee::postgres::internal {

// The format of the tables this code writes, kept in meta.format.
inline constexpr int kSchemaFormat = 1;

// "name" with embedded quotes doubled: a safe SQL identifier.
std::string QuoteIdent(std::string_view name);

// The qualified names of one store's tables.
struct SchemaNames {
  explicit SchemaNames(std::string_view schema);
  std::string schema;       // unquoted
  std::string meta;         // "schema"."meta"
  std::string versions;     // the sequence
  std::string collections;
  std::string indexes;
  std::string index_fields;
  std::string changes;
  std::string channel;      // NOTIFY channel (unquoted)
  // "schema"."table"
  std::string Table(std::string_view table) const;
};

// Checks a schema name: [a-z_][a-z0-9_]*, 1..48 bytes.
absl::Status ValidateSchemaName(std::string_view schema);

// Creates the schema and its fixed tables if absent (under an advisory
// lock, so nodes opening together do not race) and checks meta.format.
// Errors: FailedPrecondition (another format), Unavailable, Internal.
absl::Status CreateStoreTables(Connection& conn, const SchemaNames& names);

// The unquoted table name for a new collection; `number` makes long names unique.
std::string CollectionTableName(std::string_view collection, uint64_t number);

// CREATE TABLE for a collection's records.
std::string CreateCollectionTableSql(const SchemaNames& names, std::string_view table);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_SCHEMA_H_
