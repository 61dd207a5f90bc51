// The in-memory contents of a MemoryStore: records and indexes.
//
// Records live in 64 hash-set shards keyed by (collection, id); a Get locks
// one shard in shared mode. Each collection keeps its indexes (the id order
// "" plus declared ones) as B-trees from the encoded index key
// (internal/index_key.h) to the record; a Scan locks one of 16 shards of the
// collection registry, then its collection, in shared mode. There is no
// global lock on either read path.
//
// Writers: Apply is called by one thread at a time (the store's commit
// leader). It holds every affected collection and shard lock at once while
// it mutates, so a reader sees all of a group of commits or none of it.
#ifndef MARQUEE_SRC_INTERNAL_MEMORY_STATE_H_
#define MARQUEE_SRC_INTERNAL_MEMORY_STATE_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "internal/commit.h"
#include "marquee/index.h"
#include "marquee/record.h"
#include "marquee/store.h"

namespace marquee::internal {

using RecordPtr = std::shared_ptr<const Record>;

// The effect of one change on one index, computed before locks are taken.
struct IndexUpdate {
  std::string collection;
  std::string index;
  std::string old_key;  // empty: the record was not in the index
  std::string new_key;  // empty: the record leaves the index
  RecordPtr record;     // the new record (null when leaving)
};

// A group of commits ready to apply: record puts/erases and index updates.
struct PreparedApply {
  // (shard key, new record or null for an erase), in commit order.
  std::vector<std::pair<std::string, RecordPtr>> records;
  std::vector<IndexUpdate> index_updates;
};

class MemoryState {
 public:
  MemoryState();

  // Current record at (collection, id), or null.
  RecordPtr Find(std::string_view collection, std::string_view id) const;

  // Declares an index and indexes existing records.
  // REQUIRES: no concurrent Apply or DefineIndex (the caller serializes).
  // Errors: InvalidArgument, AlreadyExists (same name, other fields).
  absl::Status DefineIndex(const IndexSpec& spec);
  std::vector<IndexSpec> Indexes(std::string_view collection) const;

  // Adds to `prepared` what `changes` do, given each key's current record
  // (`previous`, null when absent; one per change). Parses bodies to compute
  // index keys; takes no exclusive lock.
  // REQUIRES: no concurrent Apply or DefineIndex.
  void Prepare(const Change& change, const RecordPtr& previous, PreparedApply* prepared) const;

  // Applies a prepared group atomically with respect to readers.
  // REQUIRES: called by one thread at a time, not concurrently with DefineIndex.
  void Apply(PreparedApply prepared);

  // Errors: InvalidArgument (unknown index, request that does not fit it).
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const;

  // Every record (for snapshots). REQUIRES: no concurrent Apply.
  std::vector<RecordPtr> AllRecords() const;
  uint64_t record_count() const;

  static std::string ShardKey(std::string_view collection, std::string_view id);

 private:
  struct IndexData {
    IndexSpec spec;
    std::vector<std::string> pointers;
    // A B-tree: far fewer cache misses per lookup than a red-black tree.
    absl::btree_map<std::string, RecordPtr> rows;
  };
  struct CollectionData {
    mutable std::shared_mutex mu;
    // "" is the id order; declared indexes by name.
    std::map<std::string, IndexData, std::less<>> indexes;
  };
  // Records are found by (collection, id) without building a key: the set
  // holds the records themselves and hashes their collection and id, so a
  // lookup touches the table and the record, and allocates nothing.
  struct RecordKey {
    std::string_view collection;
    std::string_view id;
  };
  struct RecordKeyHash {
    using is_transparent = void;
    size_t operator()(const RecordKey& key) const;
    size_t operator()(const RecordPtr& record) const {
      return (*this)(RecordKey{record->collection, record->id});
    }
  };
  struct RecordKeyEq {
    using is_transparent = void;
    static RecordKey KeyOf(const RecordKey& key) { return key; }
    static RecordKey KeyOf(const RecordPtr& record) { return {record->collection, record->id}; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const RecordKey x = KeyOf(a);
      const RecordKey y = KeyOf(b);
      return x.id == y.id && x.collection == y.collection;
    }
  };
  struct Shard {
    mutable std::shared_mutex mu;
    absl::flat_hash_set<RecordPtr, RecordKeyHash, RecordKeyEq> records;
  };
  static RecordKey SplitShardKey(std::string_view shard_key);
  static constexpr size_t kShards = 64;

  size_t ShardOf(const RecordKey& key) const;
  const CollectionData* FindCollection(std::string_view name) const;
  CollectionData* GetOrCreateCollection(std::string_view name);
  // Index specs of a collection without locking its data (the caller is the
  // single writer).
  std::string KeyFor(const IndexData& index, const Record& record) const;

  std::array<Shard, kShards> shards_;
  // The collections, sharded by name like the records so finding one takes
  // no global lock. Collections are never removed, so a pointer stays valid
  // once found.
  struct CollectionShard {
    mutable std::shared_mutex mu;
    absl::flat_hash_map<std::string, std::unique_ptr<CollectionData>> collections;
  };
  static constexpr size_t kCollectionShards = 16;
  CollectionShard& CollectionShardOf(std::string_view name) const;
  mutable std::array<CollectionShard, kCollectionShards> collection_shards_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_MEMORY_STATE_H_
