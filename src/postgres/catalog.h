// What this node knows of the store's collections and their indexes.
//
// The truth is in the collections, indexes and index_fields tables; this is
// a cache of it, filled on a miss. Every entry remembers the
// meta.catalog_generation it was read under. Readers use any entry (and
// reload when it lacks the index they ask for: another node may have
// declared it); a writer, which holds the meta row lock and so knows the
// current generation, uses an entry only if it is of that generation, and
// otherwise reloads it inside its transaction. So a write never misses the
// key column of an index another node declared a moment ago.
// Thread-safety: every method may be called concurrently.
#ifndef MARQUEE_SRC_POSTGRES_CATALOG_H_
#define MARQUEE_SRC_POSTGRES_CATALOG_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "marquee/index.h"
#include "postgres/connection.h"
#include "postgres/schema.h"

namespace marquee::postgres::internal {

struct IndexInfo {
  IndexSpec spec;
  std::string column;  // quoted key column, e.g. "key_1"
};

struct CollectionInfo {
  std::string name;
  std::string table;  // qualified and quoted
  std::vector<IndexInfo> indexes;
  uint64_t generation = 0;  // meta.catalog_generation when read

  const IndexInfo* FindIndex(std::string_view index) const;
};

class Catalog {
 public:
  explicit Catalog(const SchemaNames& names) : names_(names) {}

  // The collection as cached, or read with `conn` on a miss (or when
  // `min_generation` is newer than the cached entry). Null when the
  // collection does not exist. Errors: those of the query.
  absl::StatusOr<std::shared_ptr<const CollectionInfo>> Find(Connection& conn,
                                                             std::string_view collection,
                                                             uint64_t min_generation = 0);
  // Reads the collection with `conn` now, bypassing the cache (and caching
  // what it reads unless `cache` is false: inside a transaction that may
  // roll back).
  absl::StatusOr<std::shared_ptr<const CollectionInfo>> Load(Connection& conn,
                                                             std::string_view collection,
                                                             bool cache = true);
  void Remember(std::shared_ptr<const CollectionInfo> info);

 private:
  const SchemaNames& names_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const CollectionInfo>> collections_;
};

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_CATALOG_H_
