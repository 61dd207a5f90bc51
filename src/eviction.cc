// The L1 cache's eviction policy: S3-FIFO (Yang et al., SOSP 2023) with an
// adaptive small-queue share and a frequency sketch for promotion.
//
// Structures (all touched only under the shard's exclusive lock; a hit only
// bumps the node's frequency counter, see RecordHit in the header):
//  - small: a FIFO every new entry enters; it filters one-hit wonders.
//  - main: a FIFO with reinsertion (CLOCK-like) for entries that proved
//    themselves.
//  - small ghost: hashes recently evicted from small. A miss on one goes
//    straight to main: it was evicted too early once (plain S3-FIFO).
//  - main ghost: hashes recently evicted from main, only to steer the split.
//  - sketch: a count-min sketch of recent *misses* per hash (TinyLFU-style,
//    halved periodically). It is updated on Insert only, so hits stay
//    lock-free and write nothing but the node's own counter.
//
// Eviction:
//  - From small while it holds more than its target share (or main is
//    empty): the oldest entry moves to main if it was hit twice, or hit once
//    and the sketch says its key keeps coming back; otherwise it is the
//    victim and its hash enters the small ghost.
//  - From main: the oldest entry with frequency > 0 is reinserted at the head
//    with frequency - 1; the first one with frequency 0 is the victim.
//
// Adaptation (in the spirit of ARC's p, but on marginal evidence only): a
// miss on a hash that left small within the last `window` charge units of
// small evictions means "small a little larger would have hit": the small
// target grows by the entry's charge. The same within the last `window` of
// main evictions means the opposite: it shrinks. Only ghosts that near the
// boundary count, so the two signals measure the same thing (the gain of
// `window` more units on either side) and are comparable.
//
// All parameters below are relative to the capacity or to the resident entry
// count; none depends on a particular workload.
#include "internal/eviction.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace marquee::internal {
namespace {

enum QueueId : uint8_t { kNone = 0, kSmall = 1, kMain = 2 };

// The small queue's initial share of the capacity (S3-FIFO's 10%) and the
// range the adaptation may move it in.
constexpr size_t kInitialSmallPercent = 10;
constexpr size_t kMinSmallPercent = 1;
constexpr size_t kMaxSmallPercent = 90;

// Ghost hits within this share of the capacity from the queue boundary steer
// the split. Small, so it measures the marginal gain of moving the boundary.
constexpr size_t kAdaptWindowPercent = 2;

// Hits in small that earn promotion on their own (S3-FIFO's default of 2:
// one hit is common for entries that are never used again).
constexpr uint8_t kPromoteHits = 2;

// Sketch count (recent misses of the same key) at which a single hit in
// small earns promotion: a key that keeps being missed is worth keeping.
constexpr uint8_t kSketchPromoteMisses = 7;

// The sketch halves every (kSketchAgePerEntry * resident entries) misses, so
// it remembers a few dozen cache turnovers of history.
constexpr size_t kSketchAgePerEntry = 50;

// Sketch columns per resident entry (rounded up to a power of two).
constexpr size_t kSketchColumnsPerEntry = 8;

// Fewest hashes a ghost history keeps and fewest sketch columns, so a tiny
// cache still learns.
constexpr size_t kMinGhostEntries = 16;
constexpr size_t kMinSketchColumns = 1024;

// c * percent / 100 without overflow for any capacity.
size_t PercentOf(size_t c, size_t percent) { return c / 100 * percent + c % 100 * percent / 100; }

// An intrusive FIFO: push at the head, pop at the tail, O(1) unlink.
struct Fifo {
  EvictionNode* head = nullptr;  // newest
  EvictionNode* tail = nullptr;  // oldest
  size_t charge = 0;
  size_t count = 0;

  void PushHead(EvictionNode* node) {
    node->prev = nullptr;
    node->next = head;
    if (head != nullptr) head->prev = node;
    head = node;
    if (tail == nullptr) tail = node;
    charge += node->charge;
    ++count;
  }

  void Unlink(EvictionNode* node) {
    if (node->prev != nullptr) {
      node->prev->next = node->next;
    } else {
      head = node->next;
    }
    if (node->next != nullptr) {
      node->next->prev = node->prev;
    } else {
      tail = node->prev;
    }
    node->prev = nullptr;
    node->next = nullptr;
    charge -= node->charge;
    --count;
  }

  bool empty() const { return tail == nullptr; }
};

// Hashes of recently evicted entries, each with the queue's cumulative
// evicted charge at its eviction (its "position"), oldest forgotten first.
// Bounded by the limit passed to Add: a FIFO of (hash, sequence) plus a map
// from hash to its newest copy, so a hash re-added later is not forgotten by
// its older copy. The FIFO holds at most twice the limit (stale copies).
class GhostHistory {
 public:
  void Add(uint64_t hash, uint64_t position, size_t limit) {
    uint64_t seq = next_seq_++;
    order_.push_back({hash, seq});
    newest_[hash] = Ghost{seq, position};
    while (newest_.size() > limit || order_.size() > 2 * limit) PopOldest();
  }

  // When hash is remembered: forgets it, sets *position and returns true.
  bool Take(uint64_t hash, uint64_t* position) {
    auto it = newest_.find(hash);
    if (it == newest_.end()) return false;
    *position = it->second.position;
    newest_.erase(it);  // its stale FIFO slot is skipped when it reaches the front
    return true;
  }

  void Clear() {
    order_ = {};
    newest_ = {};
  }

 private:
  struct Slot {
    uint64_t hash;
    uint64_t seq;
  };
  struct Ghost {
    uint64_t seq;
    uint64_t position;
  };

  void PopOldest() {
    Slot slot = order_.front();
    order_.pop_front();
    auto it = newest_.find(slot.hash);
    if (it != newest_.end() && it->second.seq == slot.seq) newest_.erase(it);
  }

  std::deque<Slot> order_;
  absl::flat_hash_map<uint64_t, Ghost> newest_;
  uint64_t next_seq_ = 0;
};

// A count-min sketch of recent misses per hash: 4 rows of saturating 4-bit
// counts (kept in bytes), halved periodically so old history fades. It
// grows with the resident entry count (and starts over when it does);
// it never shrinks, so its size is bounded by the most entries ever held.
class MissSketch {
 public:
  static constexpr uint8_t kMaxCount = 15;

  uint8_t Estimate(uint64_t hash) const {
    if (counts_.empty()) return 0;
    uint8_t estimate = kMaxCount;
    for (size_t row = 0; row < kRows; ++row) estimate = std::min(estimate, counts_[Index(hash, row)]);
    return estimate;
  }

  // Counts one miss of hash; resident_entries sizes the sketch and its age.
  void Add(uint64_t hash, size_t resident_entries) {
    size_t wanted = std::max(kMinSketchColumns, resident_entries * kSketchColumnsPerEntry);
    if (wanted > columns_) Resize(wanted);
    // Conservative update: raise only the counters at the minimum, which
    // keeps collisions from inflating estimates.
    uint8_t estimate = Estimate(hash);
    if (estimate < kMaxCount) {
      for (size_t row = 0; row < kRows; ++row) {
        uint8_t& count = counts_[Index(hash, row)];
        if (count == estimate) ++count;
      }
    }
    if (++additions_ >= kSketchAgePerEntry * std::max(resident_entries, kMinGhostEntries)) Age();
  }

  void Clear() {
    counts_ = {};
    columns_ = 0;
    additions_ = 0;
  }

 private:
  static constexpr size_t kRows = 4;

  size_t Index(uint64_t hash, size_t row) const {
    // Each row takes 16 different bits of the (well mixed) hash, remixed so
    // tables wider than 2^16 columns still spread.
    uint64_t h = (hash >> (16 * row)) * 0x9e3779b97f4a7c15ULL + row;
    return row * columns_ + static_cast<size_t>((h ^ (h >> 29)) & (columns_ - 1));
  }

  void Resize(size_t wanted) {
    size_t columns = kMinSketchColumns;
    while (columns < wanted) columns *= 2;
    columns_ = columns;
    counts_.assign(kRows * columns_, 0);
    additions_ = 0;
  }

  void Age() {
    for (uint8_t& count : counts_) count = static_cast<uint8_t>(count >> 1);
    additions_ = 0;
  }

  std::vector<uint8_t> counts_;
  size_t columns_ = 0;  // per row, a power of two
  size_t additions_ = 0;
};

}  // namespace

struct EvictionPolicy::State {
  Fifo small;
  Fifo main;
  GhostHistory small_ghost;
  GhostHistory main_ghost;
  MissSketch sketch;
  size_t small_target = 0;  // charge units; adapts within [min_small, max_small]
  size_t min_small = 0;
  size_t max_small = 0;
  size_t window = 0;  // charge units from a queue's boundary that count as marginal
  // Cumulative charge evicted from each queue: ghost positions are measured on it.
  uint64_t evicted_from_small = 0;
  uint64_t evicted_from_main = 0;

  Fifo& QueueOf(const EvictionNode* node) { return node->queue == kSmall ? small : main; }

  size_t entries() const { return small.count + main.count; }

  // The small ghost remembers about as many hashes as the cache holds entries.
  size_t SmallGhostLimit() const { return std::max(entries(), kMinGhostEntries); }

  // The main ghost only needs the entries of one window.
  size_t MainGhostLimit() const {
    size_t charge = small.charge + main.charge;
    size_t in_window = charge == 0 ? 0 : window / std::max<size_t>(1, charge / entries());
    return std::max(in_window, kMinGhostEntries);
  }

  void GrowSmall(size_t by) { small_target = std::min(max_small, small_target + by); }
  void ShrinkSmall(size_t by) {
    small_target = small_target > min_small + by ? small_target - by : min_small;
  }

  bool Promotes(const EvictionNode& node) const {
    uint8_t hits = node.frequency.load(std::memory_order_relaxed);
    if (hits >= kPromoteHits) return true;
    return hits == 1 && sketch.Estimate(node.hash) >= kSketchPromoteMisses;
  }
};

EvictionPolicy::EvictionPolicy(size_t capacity)
    : capacity_(capacity), state_(std::make_unique<State>()) {
  State& s = *state_;
  s.min_small = std::max<size_t>(1, PercentOf(capacity, kMinSmallPercent));
  s.max_small = std::max<size_t>(1, PercentOf(capacity, kMaxSmallPercent));
  s.small_target = std::max<size_t>(1, PercentOf(capacity, kInitialSmallPercent));
  s.window = std::max<size_t>(1, PercentOf(capacity, kAdaptWindowPercent));
}

EvictionPolicy::~EvictionPolicy() = default;

void EvictionPolicy::Insert(EvictionNode* node) {
  State& s = *state_;
  node->frequency.store(0, std::memory_order_relaxed);
  s.sketch.Add(node->hash, s.entries() + 1);

  uint64_t position = 0;
  bool to_main = false;
  if (s.small_ghost.Take(node->hash, &position)) {
    if (s.evicted_from_small - position <= s.window) s.GrowSmall(node->charge);
    to_main = true;  // evicted from small too early once
  } else if (s.main_ghost.Take(node->hash, &position)) {
    if (s.evicted_from_main - position <= s.window) s.ShrinkSmall(node->charge);
    to_main = true;  // it had earned main before
  }
  node->queue = to_main ? kMain : kSmall;
  (to_main ? s.main : s.small).PushHead(node);
  charge_ += node->charge;
  ++size_;
}

void EvictionPolicy::Remove(EvictionNode* node) {
  state_->QueueOf(node).Unlink(node);
  node->queue = kNone;
  charge_ -= node->charge;
  --size_;
}

EvictionNode* EvictionPolicy::PopVictim() {
  State& s = *state_;
  // Each pass returns a victim, moves a node from small to main (nodes never
  // go back, so at most size_ times) or lowers a main node's frequency (at
  // most kMaxFrequency times per node), so the loop ends; it returns nullptr
  // only when both queues are empty.
  while (!s.small.empty() || !s.main.empty()) {
    if (!s.small.empty() && (s.small.charge > s.small_target || s.main.empty())) {
      EvictionNode* node = s.small.tail;
      s.small.Unlink(node);
      if (s.Promotes(*node)) {
        node->frequency.store(0, std::memory_order_relaxed);
        node->queue = kMain;
        s.main.PushHead(node);
        continue;
      }
      s.evicted_from_small += node->charge;
      s.small_ghost.Add(node->hash, s.evicted_from_small, s.SmallGhostLimit());
      node->queue = kNone;
      charge_ -= node->charge;
      --size_;
      return node;
    }
    EvictionNode* node = s.main.tail;
    s.main.Unlink(node);
    uint8_t frequency = node->frequency.load(std::memory_order_relaxed);
    if (frequency > 0) {
      node->frequency.store(static_cast<uint8_t>(frequency - 1), std::memory_order_relaxed);
      s.main.PushHead(node);
      continue;
    }
    s.evicted_from_main += node->charge;
    s.main_ghost.Add(node->hash, s.evicted_from_main, s.MainGhostLimit());
    node->queue = kNone;
    charge_ -= node->charge;
    --size_;
    return node;
  }
  return nullptr;
}

void EvictionPolicy::Clear() {
  State& s = *state_;
  s.small = Fifo{};
  s.main = Fifo{};
  s.small_ghost.Clear();
  s.main_ghost.Clear();
  s.sketch.Clear();
  s.small_target = std::max<size_t>(1, PercentOf(capacity_, kInitialSmallPercent));
  s.evicted_from_small = 0;
  s.evicted_from_main = 0;
  charge_ = 0;
  size_ = 0;
}

}  // namespace marquee::internal
