// Tests for the L1 cache's eviction policy (src/internal/eviction.h):
// accounting, victims with byte charges, scan resistance, ghost readmission,
// Remove and Clear, bounded ghost history, termination of PopVictim.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <unordered_map>
#include <vector>

#include "internal/eviction.h"

// Live heap bytes of this test binary, to check that the ghost history stays
// bounded without a test hook in the policy. Each block carries its size in a
// header; the aligned forms of new are not replaced (nothing here uses them).
namespace {
std::atomic<int64_t> live_heap_bytes{0};
constexpr size_t kHeader = alignof(std::max_align_t);

void* CountedAlloc(size_t size) {
  void* block = std::malloc(size + kHeader);
  if (block == nullptr) throw std::bad_alloc();
  *static_cast<size_t*>(block) = size;
  live_heap_bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  return static_cast<char*>(block) + kHeader;
}

void CountedFree(void* pointer) noexcept {
  if (pointer == nullptr) return;
  void* block = static_cast<char*>(pointer) - kHeader;
  live_heap_bytes.fetch_sub(static_cast<int64_t>(*static_cast<size_t*>(block)),
                            std::memory_order_relaxed);
  std::free(block);
}
}  // namespace

void* operator new(size_t size) { return CountedAlloc(size); }
void* operator new[](size_t size) { return CountedAlloc(size); }
void operator delete(void* pointer) noexcept { CountedFree(pointer); }
void operator delete[](void* pointer) noexcept { CountedFree(pointer); }
void operator delete(void* pointer, size_t) noexcept { CountedFree(pointer); }
void operator delete[](void* pointer, size_t) noexcept { CountedFree(pointer); }

namespace marquee::internal {
namespace {

struct TestNode : EvictionNode {
  int key = 0;
};

uint64_t HashOf(int key) {
  uint64_t x = static_cast<uint64_t>(static_cast<uint32_t>(key)) + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Drives the policy exactly as the L1 cache does: a hit only calls RecordHit;
// a miss inserts and pops victims while over capacity.
class Cache {
 public:
  explicit Cache(size_t capacity) : policy_(capacity) {}

  // One request; true on a hit.
  bool Access(int key, size_t charge = 1) {
    auto it = resident_.find(key);
    if (it != resident_.end()) {
      EvictionPolicy::RecordHit(*it->second);
      return true;
    }
    auto node = std::make_unique<TestNode>();
    node->key = key;
    node->hash = HashOf(key);
    node->charge = charge;
    policy_.Insert(node.get());
    resident_.emplace(key, std::move(node));
    while (policy_.OverCapacity()) {
      auto* victim = static_cast<TestNode*>(policy_.PopVictim());
      REQUIRE(victim != nullptr);
      evictions_.push_back(victim->key);
      resident_.erase(victim->key);
    }
    return false;
  }

  bool Resident(int key) const { return resident_.count(key) != 0; }

  void Drop(int key) {
    auto it = resident_.find(key);
    REQUIRE(it != resident_.end());
    policy_.Remove(it->second.get());
    resident_.erase(it);
  }

  EvictionPolicy& policy() { return policy_; }
  const std::vector<int>& evictions() const { return evictions_; }
  size_t resident_count() const { return resident_.size(); }

 private:
  EvictionPolicy policy_;
  std::unordered_map<int, std::unique_ptr<TestNode>> resident_;
  std::vector<int> evictions_;
};

TEST_SUITE("EvictionPolicy") {

TEST_CASE("charge and size follow Insert, Remove and PopVictim") {
  EvictionPolicy policy(1000);
  std::vector<TestNode> nodes(4);
  size_t charges[] = {100, 250, 1, 400};
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].hash = HashOf(static_cast<int>(i));
    nodes[i].charge = charges[i];
    policy.Insert(&nodes[i]);
  }
  CHECK(policy.capacity() == 1000);
  CHECK(policy.size() == 4);
  CHECK(policy.charge() == 751);
  CHECK_FALSE(policy.OverCapacity());

  policy.Remove(&nodes[1]);
  CHECK(policy.size() == 3);
  CHECK(policy.charge() == 501);

  EvictionNode* victim = policy.PopVictim();
  REQUIRE(victim != nullptr);
  CHECK(victim != &nodes[1]);
  CHECK(policy.size() == 2);
  CHECK(policy.charge() == 501 - victim->charge);
}

TEST_CASE("OverCapacity holds exactly while the charge exceeds the capacity") {
  EvictionPolicy policy(100);
  TestNode a, b;
  a.hash = HashOf(1);
  a.charge = 100;
  b.hash = HashOf(2);
  b.charge = 1;
  policy.Insert(&a);
  CHECK_FALSE(policy.OverCapacity());  // at capacity is not over it
  policy.Insert(&b);
  CHECK(policy.OverCapacity());
  EvictionNode* victim = policy.PopVictim();
  REQUIRE(victim != nullptr);
  CHECK_FALSE(policy.OverCapacity());
  CHECK(policy.size() == 1);
}

TEST_CASE("byte charges: the charge stays within the capacity and every victim was resident") {
  constexpr size_t kCapacity = 64 * 1024;
  Cache cache(kCapacity);
  std::mt19937 random(7);
  std::uniform_int_distribution<int> key_of(0, 2000);
  std::uniform_int_distribution<size_t> charge_of(1, 8 * 1024);  // up to 1/8 of the capacity
  std::unordered_map<int, size_t> charge_by_key;
  for (int i = 0; i < 50000; ++i) {
    int key = key_of(random);
    auto [it, fresh] = charge_by_key.try_emplace(key, charge_of(random));
    (void)fresh;
    cache.Access(key, it->second);
    REQUIRE(cache.policy().charge() <= kCapacity);
    REQUIRE(cache.policy().size() == cache.resident_count());
  }
  CHECK(cache.evictions().size() > 1000);
  CHECK(cache.policy().charge() > kCapacity / 2);  // the budget is used, not hoarded
}

TEST_CASE("an entry as large as the capacity evicts the rest, then leaves in turn") {
  Cache cache(1000);
  for (int key = 0; key < 10; ++key) cache.Access(key, 100);  // exactly full
  CHECK(cache.policy().charge() == 1000);
  for (int key = 0; key < 10; key += 2) cache.Access(key, 100);  // some hot ones
  cache.Access(99, 1000);  // larger than any queue's share
  CHECK(cache.policy().charge() <= 1000);
  CHECK(cache.policy().size() == cache.resident_count());
  cache.Access(100, 1);
  CHECK(cache.policy().charge() <= 1000);
  CHECK(cache.Resident(100));
}

TEST_CASE("a once-seen scan does not flush frequently hit entries") {
  constexpr int kHot = 50;
  Cache cache(100);
  for (int round = 0; round < 3; ++round) {
    for (int key = 0; key < kHot; ++key) cache.Access(key);
  }
  // 10,000 keys seen once each, the hot set still in use between them.
  for (int scan = 0; scan < 10000; ++scan) {
    cache.Access(1000000 + scan);
    if (scan % 100 == 99) {
      for (int key = 0; key < kHot; ++key) cache.Access(key);
    }
  }
  int hot_resident = 0;
  for (int key = 0; key < kHot; ++key) hot_resident += cache.Resident(key) ? 1 : 0;
  CHECK(hot_resident == kHot);
}

TEST_CASE("a key evicted recently is readmitted to the protected queue") {
  Cache cache(20);
  cache.Access(1);
  for (int key = 100; key < 126; ++key) cache.Access(key);  // evicts 1, unhit
  REQUIRE_FALSE(cache.Resident(1));
  cache.Access(1);  // remembered: goes to main
  cache.Access(2);  // never seen: goes to the small queue
  // Enough newcomers to push everything unhit out of the small queue.
  for (int key = 200; key < 240; ++key) cache.Access(key);
  CHECK(cache.Resident(1));
  CHECK_FALSE(cache.Resident(2));
}

TEST_CASE("Remove unlinks nodes from either queue") {
  Cache cache(20);
  cache.Access(1);
  for (int key = 100; key < 126; ++key) cache.Access(key);
  cache.Access(1);  // ghost hit: in main
  cache.Access(2);  // in small
  cache.Access(3);
  cache.Access(3);  // hit in small
  for (int key = 200; key < 205; ++key) cache.Access(key);  // 3 moves to main
  REQUIRE(cache.Resident(1));
  REQUIRE(cache.Resident(3));

  size_t size_before = cache.policy().size();
  cache.Drop(1);
  cache.Drop(3);
  if (cache.Resident(2)) cache.Drop(2);
  CHECK(cache.policy().size() == cache.resident_count());
  CHECK(cache.policy().size() < size_before);
  CHECK(cache.policy().charge() == cache.resident_count());

  // Drain: every remaining node comes back exactly once, removed ones never.
  size_t drained = 0;
  while (EvictionNode* victim = cache.policy().PopVictim()) {
    int key = static_cast<TestNode*>(victim)->key;
    CHECK(key != 1);
    CHECK(key != 3);
    CHECK(cache.Resident(key));
    ++drained;
  }
  CHECK(drained == cache.resident_count());
  CHECK(cache.policy().size() == 0);
  CHECK(cache.policy().charge() == 0);
}

TEST_CASE("Remove of the only node in a queue, then reuse") {
  EvictionPolicy policy(10);
  TestNode node;
  node.hash = HashOf(9);
  node.charge = 3;
  policy.Insert(&node);
  policy.Remove(&node);
  CHECK(policy.size() == 0);
  CHECK(policy.PopVictim() == nullptr);
  policy.Insert(&node);  // a removed node may come back
  CHECK(policy.PopVictim() == &node);
  CHECK(policy.PopVictim() == nullptr);
}

TEST_CASE("Clear forgets every node and the ghost history") {
  EvictionPolicy policy(10);
  std::vector<TestNode> nodes(30);
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].hash = HashOf(static_cast<int>(i));
    nodes[i].charge = 1;
    policy.Insert(&nodes[i]);
    while (policy.OverCapacity()) REQUIRE(policy.PopVictim() != nullptr);
  }
  policy.Clear();
  CHECK(policy.size() == 0);
  CHECK(policy.charge() == 0);
  CHECK_FALSE(policy.OverCapacity());
  CHECK(policy.PopVictim() == nullptr);

  // Usable again, with nothing left over from before.
  std::vector<TestNode> fresh(12);
  for (size_t i = 0; i < fresh.size(); ++i) {
    fresh[i].hash = HashOf(static_cast<int>(i));  // same hashes as evicted nodes
    fresh[i].charge = 1;
    policy.Insert(&fresh[i]);
  }
  CHECK(policy.size() == 12);
  size_t popped = 0;
  while (policy.OverCapacity()) {
    EvictionNode* victim = policy.PopVictim();
    REQUIRE(victim != nullptr);
    CHECK(victim >= &fresh.front());
    CHECK(victim <= &fresh.back());
    ++popped;
  }
  CHECK(popped == 2);
}

TEST_CASE("PopVictim returns nullptr only when empty, even when every node is hot") {
  EvictionPolicy policy(1000);
  std::vector<TestNode> nodes(200);
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].hash = HashOf(static_cast<int>(i));
    nodes[i].charge = 1 + i * 7 % 13;
    policy.Insert(&nodes[i]);
  }
  // Half of them reach main, then every node is at the frequency cap.
  for (size_t i = 0; i < nodes.size(); i += 2) EvictionPolicy::RecordHit(nodes[i]);
  for (int i = 0; i < 20; ++i) REQUIRE(policy.PopVictim() != nullptr);
  for (TestNode& node : nodes) {
    for (int hit = 0; hit < 10; ++hit) EvictionPolicy::RecordHit(node);
  }
  size_t remaining = policy.size();
  for (size_t i = 0; i < remaining; ++i) {
    EvictionNode* victim = policy.PopVictim();
    REQUIRE(victim != nullptr);
  }
  CHECK(policy.size() == 0);
  CHECK(policy.charge() == 0);
  CHECK(policy.PopVictim() == nullptr);
}

TEST_CASE("RecordHit saturates at kMaxFrequency") {
  TestNode node;
  for (int hit = 0; hit < 100; ++hit) EvictionPolicy::RecordHit(node);
  CHECK(node.frequency.load() == EvictionPolicy::kMaxFrequency);
}

TEST_CASE("the ghost history stays bounded over a million distinct keys") {
  constexpr size_t kCapacity = 100;
  EvictionPolicy policy(kCapacity);
  // A fixed pool of nodes, reused as they are evicted, so only the policy's
  // own allocations can grow.
  std::vector<TestNode> pool(kCapacity + 1);
  std::vector<TestNode*> free_nodes;
  for (TestNode& node : pool) free_nodes.push_back(&node);
  free_nodes.reserve(pool.size());

  auto insert_keys = [&](int from, int to) {
    for (int key = from; key < to; ++key) {
      TestNode* node = free_nodes.back();
      free_nodes.pop_back();
      node->key = key;
      node->hash = HashOf(key);
      node->charge = 1;
      policy.Insert(node);
      // Every third key is hit once, so some reach main and take part.
      if (key % 3 == 0) EvictionPolicy::RecordHit(*node);
      while (policy.OverCapacity()) {
        EvictionNode* victim = policy.PopVictim();
        REQUIRE(victim != nullptr);
        free_nodes.push_back(static_cast<TestNode*>(victim));
      }
    }
  };
  insert_keys(0, 100000);
  int64_t after_warmup = live_heap_bytes.load();
  insert_keys(100000, 1100000);
  int64_t after_million = live_heap_bytes.load();
  CHECK(policy.size() <= kCapacity);
  // Bounded: a million more keys cost no more than a few kilobytes of
  // allocator slack (a deque block, a rehash at the same size).
  CHECK(after_million - after_warmup < 16 * 1024);
}

}  // TEST_SUITE

}  // namespace
}  // namespace marquee::internal
