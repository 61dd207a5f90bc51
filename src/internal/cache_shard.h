// src/internal/cache_shard.h — one independently locked part of the L1 cache.
//
// A shard owns its entries (a hash table of CacheEntry, each embedding its
// eviction state), its eviction policy and its in-flight loads. Lookups take
// the shared lock and touch only an entry's atomic frequency; everything
// that changes the table takes the exclusive lock. The version guard lives
// here: Store refuses a value older than the entry or invalidation mark it
// would replace.
#ifndef MARQUEE_SRC_INTERNAL_CACHE_SHARD_H_
#define MARQUEE_SRC_INTERNAL_CACHE_SHARD_H_

#include <condition_variable>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "internal/eviction.h"
#include "marquee/cache.h"
#include "marquee/clock.h"

namespace marquee::internal {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Reads the clock at most once, and only when asked: an entry that never
// expires (the default for records, which invalidation keeps coherent) is
// served without reading the time at all.
class LazyNow {
 public:
  explicit LazyNow(const Clock* clock) : clock_(clock) {}
  int64_t get() const {
    if (!read_) {
      value_ = absl::ToUnixNanos(clock_->Now());
      read_ = true;
    }
    return value_;
  }

 private:
  const Clock* clock_;
  mutable int64_t value_ = 0;
  mutable bool read_ = false;
};

// An entry and its key in one allocation (NewCacheEntry), so a lookup's key
// comparison reads no second cache line.
struct CacheEntry : EvictionNode {
  enum class Kind : uint8_t {
    kValue,     // a value, fresh until fresh_until, servable stale until stale_until
    kNegative,  // "does not exist", until fresh_until
    kMark,      // an invalidation mark: refuses values older than `version`
  };
  Kind kind = Kind::kValue;
  std::string_view key;  // points just past the entry
  std::shared_ptr<const void> value;
  uint64_t version = 0;
  int64_t fresh_until = kNever;  // Unix nanoseconds
  int64_t stale_until = kNever;
};

// Allocates an entry followed by a copy of `key`; free with DeleteCacheEntry.
CacheEntry* NewCacheEntry(std::string_view key);
void DeleteCacheEntry(CacheEntry* entry);

// One load in progress, shared by the caller running it and those waiting.
struct CacheFlight {
  // Under the shard's exclusive lock: a detached flight is no longer found
  // by new callers, and stores its result only at or above `floor`.
  bool detached = false;
  uint64_t floor = 0;

  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  absl::StatusOr<std::shared_ptr<const void>> result{nullptr};

  void Finish(absl::StatusOr<std::shared_ptr<const void>> outcome);
  absl::StatusOr<std::shared_ptr<const void>> Wait();
};

// What a lookup found.
struct CacheLookup {
  enum class Kind : uint8_t { kMiss, kFresh, kStale, kNegative };
  Kind kind = Kind::kMiss;
  std::shared_ptr<const void> value{};
};

// What happened to a Store.
struct StoreOutcome {
  bool stored = false;
  uint64_t evicted = 0;
  uint64_t expired = 0;
};

class CacheShard {
 public:
  explicit CacheShard(size_t capacity) : policy_(capacity) {}
  ~CacheShard();

  // REQUIRES: mu() held, shared or exclusive; hash is the key's hash.
  // Counts a hit on fresh values.
  CacheLookup Find(std::string_view key, uint64_t hash, const LazyNow& now) const;

  // The entry to write, with its times already computed by the caller.
  struct Write {
    CacheEntry::Kind kind = CacheEntry::Kind::kValue;
    std::shared_ptr<const void> value;
    uint64_t version = 0;
    size_t value_bytes = 0;
    int64_t fresh_until = kNever;
    int64_t stale_until = kNever;
  };
  // REQUIRES: mu() held exclusively. Stores unless refused by the version
  // guard or too large for the shard (which then drops an older entry and
  // marks the key, so the older value cannot stay served).
  StoreOutcome Store(std::string_view key, uint64_t hash, Write write, int64_t now);

  // REQUIRES: mu() held exclusively. Drops an entry older than `version`,
  // marks the key, detaches its flight. Returns the entries evicted for room.
  uint64_t Invalidate(std::string_view key, uint64_t hash, uint64_t version);

  // REQUIRES: mu() held exclusively. Drops all entries and detaches all
  // flights so none stores its result.
  void Clear();

  // REQUIRES: mu() held. The flight loading `key`, or null.
  std::shared_ptr<CacheFlight> FindFlight(std::string_view key) const;
  // REQUIRES: mu() held exclusively. Registers a new flight for `key`.
  std::shared_ptr<CacheFlight> StartFlight(std::string_view key);
  // REQUIRES: mu() held exclusively. Unregisters `flight` if still registered.
  void EndFlight(std::string_view key, const std::shared_ptr<CacheFlight>& flight);

  size_t entries() const { return policy_.size(); }
  size_t charge() const { return policy_.charge(); }
  size_t capacity() const { return policy_.capacity(); }

  std::shared_mutex& mu() const { return mu_; }

 private:
  // Unlinks and frees an entry (it must be in the table and the policy).
  void Drop(CacheEntry* entry);
  // Inserts a new entry (from NewCacheEntry) and evicts until within capacity.
  uint64_t InsertAndEvict(CacheEntry* entry);
  // Inserts an invalidation mark for `key` at `version`.
  uint64_t InsertMark(std::string_view key, uint64_t hash, uint64_t version);

  mutable std::shared_mutex mu_;
  // The table is a set of entries hashed by their stored hash, looked up by
  // (key, hash): the key is hashed once per call, not again by the table.
  struct KeyAndHash {
    absl::string_view key;
    uint64_t hash;
  };
  struct EntryHash {
    using is_transparent = void;
    size_t operator()(const CacheEntry* entry) const { return entry->hash; }
    size_t operator()(const KeyAndHash& probe) const { return probe.hash; }
  };
  struct EntryEq {
    using is_transparent = void;
    static absl::string_view KeyOf(const CacheEntry* entry) {
      return absl::string_view(entry->key.data(), entry->key.size());
    }
    static absl::string_view KeyOf(const KeyAndHash& probe) { return probe.key; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return KeyOf(a) == KeyOf(b);
    }
  };
  CacheEntry* FindEntry(std::string_view key, uint64_t hash) const {
    auto it = table_.find(KeyAndHash{absl::string_view(key.data(), key.size()), hash});
    return it == table_.end() ? nullptr : *it;
  }
  absl::flat_hash_set<CacheEntry*, EntryHash, EntryEq> table_;
  absl::flat_hash_map<std::string, std::shared_ptr<CacheFlight>> flights_;
  EvictionPolicy policy_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_CACHE_SHARD_H_
