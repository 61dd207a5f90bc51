// One shard of the L1 cache: its table, version guard and flights.
#include "internal/cache_shard.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "internal/absl_strings.h"

namespace marquee::internal {

void CacheFlight::Finish(absl::StatusOr<std::shared_ptr<const void>> outcome) {
  {
    std::lock_guard lock(mu);
    result = std::move(outcome);
    done = true;
  }
  done_cv.notify_all();
}

absl::StatusOr<std::shared_ptr<const void>> CacheFlight::Wait() {
  std::unique_lock lock(mu);
  done_cv.wait(lock, [this] { return done; });
  return result;
}

// The fixed charge must cover what an entry really costs besides its key and
// value: the entry itself and its table slot (pointer + control byte); the
// rest is the value's shared_ptr control block.
static_assert(sizeof(CacheEntry) + sizeof(CacheEntry*) + 1 <= kCacheEntryOverhead);

CacheEntry* NewCacheEntry(std::string_view key) {
  static_assert(alignof(CacheEntry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  void* memory = ::operator new(sizeof(CacheEntry) + key.size());
  auto* entry = new (memory) CacheEntry();
  char* key_copy = reinterpret_cast<char*>(entry + 1);
  if (!key.empty()) std::memcpy(key_copy, key.data(), key.size());
  entry->key = std::string_view(key_copy, key.size());
  return entry;
}

void DeleteCacheEntry(CacheEntry* entry) {
  entry->~CacheEntry();
  ::operator delete(entry);
}

CacheShard::~CacheShard() {
  for (CacheEntry* entry : table_) DeleteCacheEntry(entry);
}

CacheLookup CacheShard::Find(std::string_view key, uint64_t hash, const LazyNow& now) const {
  CacheEntry* entry = FindEntry(key, hash);
  if (entry == nullptr) return {};
  switch (entry->kind) {
    case CacheEntry::Kind::kMark:
      return {};
    case CacheEntry::Kind::kNegative:
      if (now.get() >= entry->fresh_until) return {};
      return {.kind = CacheLookup::Kind::kNegative};
    case CacheEntry::Kind::kValue:
      if (entry->fresh_until == kNever || now.get() < entry->fresh_until) {
        EvictionPolicy::RecordHit(*entry);
        return {.kind = CacheLookup::Kind::kFresh, .value = entry->value};
      }
      if (now.get() < entry->stale_until) {
        EvictionPolicy::RecordHit(*entry);
        return {.kind = CacheLookup::Kind::kStale, .value = entry->value};
      }
      return {};
  }
  return {};
}

void CacheShard::Drop(CacheEntry* entry) {
  policy_.Remove(entry);
  table_.erase(entry);
  DeleteCacheEntry(entry);
}

uint64_t CacheShard::InsertAndEvict(CacheEntry* entry) {
  table_.insert(entry);
  policy_.Insert(entry);
  uint64_t evicted = 0;
  while (policy_.OverCapacity()) {
    auto* victim = static_cast<CacheEntry*>(policy_.PopVictim());
    if (victim == nullptr) break;
    table_.erase(victim);
    DeleteCacheEntry(victim);
    ++evicted;
  }
  return evicted;
}

StoreOutcome CacheShard::Store(std::string_view key, uint64_t hash, Write write, int64_t now) {
  StoreOutcome outcome;
  CacheEntry* existing = FindEntry(key, hash);
  // The version guard: never replace a newer value or a newer invalidation.
  if (existing != nullptr && write.version < existing->version) return outcome;

  const size_t charge = write.value_bytes + key.size() + kCacheEntryOverhead;
  if (charge > policy_.capacity()) {
    // Too large to keep. The entry it would have replaced is older, so it
    // must not stay served: leave a mark at the new version instead.
    if (existing != nullptr) Drop(existing);
    outcome.evicted = InsertMark(key, hash, write.version);
    return outcome;
  }

  if (existing != nullptr) {
    if (existing->kind != CacheEntry::Kind::kMark && now >= existing->stale_until) {
      ++outcome.expired;
    }
    Drop(existing);
  }
  CacheEntry* entry = NewCacheEntry(key);
  entry->kind = write.kind;
  entry->value = std::move(write.value);
  entry->version = write.version;
  entry->fresh_until = write.fresh_until;
  entry->stale_until = write.stale_until;
  entry->hash = hash;
  entry->charge = charge;
  outcome.evicted = InsertAndEvict(entry);
  outcome.stored = true;
  return outcome;
}

uint64_t CacheShard::Invalidate(std::string_view key, uint64_t hash, uint64_t version) {
  if (auto flight = flights_.find(Sv(key)); flight != flights_.end()) {
    flight->second->detached = true;
    flight->second->floor = std::max(flight->second->floor, version);
    flights_.erase(flight);
  }
  if (CacheEntry* existing = FindEntry(key, hash); existing != nullptr) {
    if (existing->version >= version) {
      // Already as new as the change (a load that ran after the commit), or
      // a mark at least as high: nothing to drop.
      return 0;
    }
    Drop(existing);
  }
  return InsertMark(key, hash, version);
}

uint64_t CacheShard::InsertMark(std::string_view key, uint64_t hash, uint64_t version) {
  CacheEntry* mark = NewCacheEntry(key);
  mark->kind = CacheEntry::Kind::kMark;
  mark->version = version;
  mark->hash = hash;
  mark->charge = key.size() + kCacheEntryOverhead;
  return InsertAndEvict(mark);
}

void CacheShard::Clear() {
  for (auto& [key, flight] : flights_) {
    flight->detached = true;
    flight->floor = std::numeric_limits<uint64_t>::max();
  }
  flights_.clear();
  policy_.Clear();
  for (CacheEntry* entry : table_) DeleteCacheEntry(entry);
  table_.clear();
}

std::shared_ptr<CacheFlight> CacheShard::FindFlight(std::string_view key) const {
  auto it = flights_.find(Sv(key));
  return it == flights_.end() ? nullptr : it->second;
}

std::shared_ptr<CacheFlight> CacheShard::StartFlight(std::string_view key) {
  auto flight = std::make_shared<CacheFlight>();
  flights_[Sv(key)] = flight;
  return flight;
}

void CacheShard::EndFlight(std::string_view key, const std::shared_ptr<CacheFlight>& flight) {
  auto it = flights_.find(Sv(key));
  if (it != flights_.end() && it->second == flight) flights_.erase(it);
}

}  // namespace marquee::internal
