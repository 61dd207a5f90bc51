// src/internal/eviction.h — the L1 cache's eviction policy, one per shard.
//
// The policy decides which entry leaves when a shard is over its capacity.
// It is intrusive: every cached entry embeds an EvictionNode, so the policy
// allocates nothing per entry except its ghost history (hashes only).
//
// Concurrency contract, which is why the policy is FIFO-queue based
// (S3-FIFO family) and not an LRU list: a cache hit calls only RecordHit,
// which touches nothing but the node's own atomic frequency counter and may
// run under the shard's *shared* lock, concurrently with other hits. Every
// other member runs under the shard's exclusive lock.
//
// Capacity and charges are in abstract units: bytes in the L1 cache, 1 per
// entry in marquee-cachesim.
//
//   EvictionPolicy policy(capacity);
//   policy.Insert(&entry);                        // entry.hash, entry.charge set
//   while (policy.OverCapacity()) Drop(policy.PopVictim());
//   EvictionPolicy::RecordHit(entry);            // on a hit, any thread
#ifndef MARQUEE_SRC_INTERNAL_EVICTION_H_
#define MARQUEE_SRC_INTERNAL_EVICTION_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace marquee::internal {

// Per-entry policy state. Entries derive from it (struct Entry : EvictionNode).
struct EvictionNode {
  EvictionNode* prev = nullptr;
  EvictionNode* next = nullptr;
  // Hash of the entry's key: the identity the ghost history remembers.
  uint64_t hash = 0;
  // What the entry costs against the capacity; set before Insert.
  size_t charge = 0;
  // Accesses since insertion or the last queue move, saturating (policy-defined cap).
  std::atomic<uint8_t> frequency{0};
  // Which queue holds the node; policy-private.
  uint8_t queue = 0;
};

class EvictionPolicy {
 public:
  // capacity: the total charge the owner wants to stay at or below (> 0).
  explicit EvictionPolicy(size_t capacity);
  ~EvictionPolicy();
  EvictionPolicy(const EvictionPolicy&) = delete;
  EvictionPolicy& operator=(const EvictionPolicy&) = delete;

  // A hit on a resident node. Lock-free; safe under a shared lock.
  static void RecordHit(EvictionNode& node) noexcept {
    // Load first, so a hot entry already at the cap costs no store (and no
    // cache-line transfer between cores).
    uint8_t seen = node.frequency.load(std::memory_order_relaxed);
    if (seen < kMaxFrequency) node.frequency.store(seen + 1, std::memory_order_relaxed);
  }

  // Adds a node that is not in the policy. Its hash and charge must be set.
  // It may be chosen as a victim by a later PopVictim (even at once, when the
  // policy judges the newcomer worth less than the residents).
  void Insert(EvictionNode* node);

  // Removes a resident node the owner drops for its own reasons (expiry,
  // invalidation, replacement). It is not remembered in the ghost history.
  void Remove(EvictionNode* node);

  // True while the total charge of resident nodes exceeds the capacity.
  bool OverCapacity() const { return charge_ > capacity_; }

  // Chooses, unlinks and returns the next victim; nullptr only when empty.
  // The owner then frees the entry.
  EvictionNode* PopVictim();

  // Drops every node (the owner frees them) and the ghost history.
  void Clear();

  size_t charge() const { return charge_; }
  size_t capacity() const { return capacity_; }
  size_t size() const { return size_; }

  static constexpr uint8_t kMaxFrequency = 3;

 private:
  struct State;  // queues, ghost history, adaptation state
  size_t capacity_;
  size_t charge_ = 0;
  size_t size_ = 0;
  std::unique_ptr<State> state_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_EVICTION_H_
