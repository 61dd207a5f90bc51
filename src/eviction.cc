// The L1 cache's eviction policy: S3-FIFO (Yang et al., SOSP 2023).
//
// Three structures: a small FIFO that every new entry enters, a main FIFO for
// entries that proved themselves, and a ghost history of hashes recently
// evicted from the small queue. A hit only bumps the node's frequency counter
// (see RecordHit in the header), so hits never reorder a list.
//
//  - Insert: a hash found in the ghost history goes straight to main (it was
//    evicted too early once); anything else enters small.
//  - Evicting from small (while small is over its share): the oldest entry
//    moves to main if it was hit since insertion, otherwise it is the victim
//    and its hash enters the ghost history.
//  - Evicting from main: the oldest entry with frequency > 0 is reinserted at
//    the head with frequency - 1 (a CLOCK-like second chance); the first one
//    with frequency 0 is the victim.
#include "internal/eviction.h"

#include <algorithm>
#include <cstdint>
#include <deque>

#include "absl/container/flat_hash_map.h"
#include <cstdlib>  // EXPLORE
#include <cstdio>
static long Knob(const char* name, long fallback) {  // EXPLORE
  const char* v = std::getenv(name);
  return v ? std::atol(v) : fallback;
}

namespace marquee::internal {
namespace {

enum QueueId : uint8_t { kNone = 0, kSmall = 1, kMain = 2 };

// Share of the capacity the small queue may hold before it is drained first,
// as in the S3-FIFO paper (10%).
constexpr size_t kSmallSharePercent = 10;

// Fewest hashes the ghost history keeps, so a tiny cache still learns.
constexpr size_t kMinGhostEntries = 16;

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
    if (node->prev != nullptr) node->prev->next = node->next; else head = node->next;
    if (node->next != nullptr) node->next->prev = node->prev; else tail = node->prev;
    node->prev = nullptr;
    node->next = nullptr;
    charge -= node->charge;
    --count;
  }

  bool empty() const { return tail == nullptr; }
};

// Hashes of recently evicted entries, oldest forgotten first. Bounded by
// limit: a FIFO of (hash, sequence) plus a map from hash to its newest
// sequence, so a hash re-added later is not forgotten by its older copy.
class GhostHistory {
 public:
  void Add(uint64_t hash, size_t limit, uint8_t origin = kSmall, uint64_t position = 0) {
    uint64_t seq = next_seq_++;
    order_.push_back({hash, seq});
    newest_[hash] = Ghost{seq, position, origin};
    while (newest_.size() > limit || order_.size() > 2 * limit) PopOldest();
  }

  // True (and forgets it) when hash is remembered.
  uint8_t Take(uint64_t hash, uint64_t* position) {
    auto it = newest_.find(hash);
    if (it == newest_.end()) return kNone;
    uint8_t origin = it->second.origin;
    *position = it->second.position;
    newest_.erase(it);  // its stale FIFO slot is skipped when it reaches the front
    return origin;
  }

  void Clear() {
    order_.clear();
    newest_.clear();
  }

  size_t size() const { return newest_.size(); }

 private:
  struct Slot {
    uint64_t hash;
    uint64_t seq;
  };

  void PopOldest() {
    Slot slot = order_.front();
    order_.pop_front();
    auto it = newest_.find(slot.hash);
    if (it != newest_.end() && it->second.seq == slot.seq) newest_.erase(it);
  }

  std::deque<Slot> order_;
  struct Ghost { uint64_t seq; uint64_t position; uint8_t origin; };
  absl::flat_hash_map<uint64_t, Ghost> newest_;
  uint64_t next_seq_ = 0;
};

}  // namespace

struct EvictionPolicy::State {
  Fifo small;
  Fifo main;
  GhostHistory ghost;
  GhostHistory ghost_main;
  size_t MainGhostLimit() const { size_t n = main.count + small.count; size_t c = main.charge + small.charge; return std::max<size_t>(kMinGhostEntries, c ? window * Knob("MQ_MGL", 100) / 100 * n / c : 0); }
  size_t small_target = 0;  // charge units

  Fifo& QueueOf(const EvictionNode* node) { return node->queue == kSmall ? small : main; }

  // About as many hashes as the main queue holds entries.
  size_t GhostLimit() const { return std::max((main.count + small.count) * Knob("MQ_GHOST", 100) / 100, kMinGhostEntries); }
  uint8_t threshold = static_cast<uint8_t>(Knob("MQ_THRESH", 1));
  long adapt = Knob("MQ_ADAPT", 0);
  long mghost_to_small = Knob("MQ_MG_SMALL", 0);
  long step = Knob("MQ_STEP", 1);
  long keepf = Knob("MQ_KEEPF", 0);
  size_t min_small = 0, max_small = 0;
  size_t sg = 0, mg = 0, promoted = 0;
  uint64_t evicted_small = 0, evicted_main = 0;  // cumulative charge
  size_t window = 0;
};

EvictionPolicy::EvictionPolicy(size_t capacity)
    : capacity_(capacity), state_(std::make_unique<State>()) {
  state_->small_target = std::max<size_t>(1, capacity * Knob("MQ_SMALL", 10) / 100);
  state_->window = std::max<size_t>(1, capacity * Knob("MQ_WIN", 5) / 100);
  state_->min_small = std::max<size_t>(1, capacity * Knob("MQ_MIN", 1) / 100);
  state_->max_small = std::max<size_t>(1, capacity * Knob("MQ_MAX", 90) / 100);
}

EvictionPolicy::~EvictionPolicy() {
  if (Knob("MQ_DEBUG", 0)) fprintf(stderr, "cap=%zu small_target=%zu sg=%zu mg=%zu promoted=%zu\n", capacity_, state_->small_target, state_->sg, state_->mg, state_->promoted);
}

void EvictionPolicy::Insert(EvictionNode* node) {
  node->frequency.store(0, std::memory_order_relaxed);
  State& s = *state_;
  uint64_t position = 0;
  uint8_t origin = s.ghost.Take(node->hash, &position);
  if (origin == kNone) origin = s.ghost_main.Take(node->hash, &position);
  bool near = origin == kSmall ? s.evicted_small - position <= s.window
                               : s.evicted_main - position <= s.window;
  if (origin == kSmall && near) ++s.sg;
  if (origin == kMain && near) ++s.mg;
  if (s.adapt && origin == kSmall && near) {
    s.small_target = std::min(s.max_small, s.small_target + s.step * node->charge);
  } else if (s.adapt && origin == kMain && near) {
    size_t d = s.step * node->charge;
    s.small_target = s.small_target > s.min_small + d ? s.small_target - d : s.min_small;
  }
  if (origin == kSmall || (origin == kMain && !s.mghost_to_small)) {
    node->queue = kMain;
    state_->main.PushHead(node);
  } else {
    node->queue = kSmall;
    state_->small.PushHead(node);
  }
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
  // Each pass either returns a victim, moves a node from small to main (at
  // most size_ times) or lowers a main node's frequency (at most
  // kMaxFrequency per node), so the loop ends.
  while (!s.small.empty() || !s.main.empty()) {
    if (!s.small.empty() && (s.small.charge > s.small_target || s.main.empty())) {
      EvictionNode* node = s.small.tail;
      s.small.Unlink(node);
      if (node->frequency.load(std::memory_order_relaxed) >= s.threshold) {
        if (!s.keepf) node->frequency.store(0, std::memory_order_relaxed);
        node->queue = kMain;
        ++s.promoted;
        s.main.PushHead(node);
        continue;
      }
      s.evicted_small += node->charge;
      s.ghost.Add(node->hash, s.GhostLimit(), kSmall, s.evicted_small);
      node->queue = kNone;
      charge_ -= node->charge;
      --size_;
      return node;
    }
    EvictionNode* node = s.main.tail;
    s.main.Unlink(node);
    uint8_t frequency = node->frequency.load(std::memory_order_relaxed);
    if (frequency > 0) {
      node->frequency.store(frequency - 1, std::memory_order_relaxed);
      s.main.PushHead(node);
      continue;
    }
    s.evicted_main += node->charge;
    if (s.adapt) s.ghost_main.Add(node->hash, s.MainGhostLimit(), kMain, s.evicted_main);
    node->queue = kNone;
    charge_ -= node->charge;
    --size_;
    return node;
  }
  return nullptr;
}

void EvictionPolicy::Clear() {
  state_->small = Fifo{};
  state_->main = Fifo{};
  state_->ghost.Clear();
  state_->ghost_main.Clear();
  charge_ = 0;
  size_ = 0;
}

}  // namespace marquee::internal
