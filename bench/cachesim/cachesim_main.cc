// marquee-cachesim — replays a cache2k key trace against the L1 cache's
// eviction policy and a plain LRU, and prints each one's miss ratio.
//
//   marquee-cachesim --trace web07.trace --capacity 204 [--policy marquee|lru|all]
//   policy=marquee capacity=204 requests=76118 miss_ratio=0.5621
//
// The marquee policy is driven exactly as the L1 cache drives it: a hit calls
// only RecordHit; a miss inserts a node (charge 1, hash = a 64-bit mix of the
// key) and pops victims while the policy is over capacity. Bad options print
// a message on stderr and exit with code 2.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "internal/eviction.h"
#include "lru_reference.h"
#include "trace_reader.h"

namespace marquee::cachesim {
namespace {

constexpr int kUsageError = 2;

struct Options {
  std::string trace;
  size_t capacity = 0;
  bool run_marquee = true;
  bool run_lru = true;
};

int Usage(const std::string& problem) {
  std::fprintf(stderr,
               "marquee-cachesim: %s\n"
               "usage: marquee-cachesim --trace FILE --capacity N [--policy marquee|lru|all]\n",
               problem.c_str());
  return kUsageError;
}

// Parses argv into options; returns an empty string or what was wrong.
std::string ParseOptions(int argc, char** argv, Options& options) {
  bool have_capacity = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag != "--trace" && flag != "--capacity" && flag != "--policy") {
      return "unknown option '" + std::string(flag) + "'";
    }
    if (i + 1 >= argc) return "option " + std::string(flag) + " needs a value";
    std::string_view value = argv[++i];
    if (flag == "--trace") {
      options.trace = std::string(value);
    } else if (flag == "--capacity") {
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), options.capacity);
      if (error != std::errc() || end != value.data() + value.size() || options.capacity == 0) {
        return "--capacity must be a positive integer, not '" + std::string(value) + "'";
      }
      have_capacity = true;
    } else if (value == "marquee" || value == "lru" || value == "all") {
      options.run_marquee = value != "lru";
      options.run_lru = value != "marquee";
    } else {
      return "unknown policy '" + std::string(value) + "' (marquee, lru or all)";
    }
  }
  if (options.trace.empty()) return "missing --trace FILE";
  if (!have_capacity) return "missing --capacity N";
  return "";
}

// SplitMix64's finalizer: every key bit affects every hash bit, as a real
// key hash would, so the policy's ghost history sees well-spread hashes.
uint64_t MixKey(int32_t key) {
  uint64_t x = static_cast<uint32_t>(key);
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct SimNode : internal::EvictionNode {
  int32_t key = 0;
};

uint64_t MissesMarquee(const std::vector<int32_t>& keys, size_t capacity) {
  internal::EvictionPolicy policy(capacity);
  absl::flat_hash_map<int32_t, std::unique_ptr<SimNode>> resident;
  uint64_t misses = 0;
  for (int32_t key : keys) {
    auto it = resident.find(key);
    if (it != resident.end()) {
      internal::EvictionPolicy::RecordHit(*it->second);
      continue;
    }
    ++misses;
    auto node = std::make_unique<SimNode>();
    node->key = key;
    node->hash = MixKey(key);
    node->charge = 1;
    policy.Insert(node.get());
    resident.emplace(key, std::move(node));
    while (policy.OverCapacity()) {
      auto* victim = static_cast<SimNode*>(policy.PopVictim());
      resident.erase(victim->key);
    }
  }
  return misses;
}

uint64_t MissesLru(const std::vector<int32_t>& keys, size_t capacity) {
  LruReference lru(capacity);
  uint64_t misses = 0;
  for (int32_t key : keys) misses += lru.Access(key) ? 0 : 1;
  return misses;
}

void PrintLine(const char* policy, size_t capacity, size_t requests, uint64_t misses) {
  std::printf("policy=%s capacity=%zu requests=%zu miss_ratio=%.4f\n", policy, capacity, requests,
              static_cast<double>(misses) / static_cast<double>(requests));
}

int Main(int argc, char** argv) {
  Options options;
  if (std::string problem = ParseOptions(argc, argv, options); !problem.empty()) {
    return Usage(problem);
  }
  absl::StatusOr<std::vector<int32_t>> keys = ReadTrace(options.trace);
  if (!keys.ok()) {
    std::fprintf(stderr, "marquee-cachesim: %s\n", std::string(keys.status().message()).c_str());
    return kUsageError;
  }
  if (options.run_marquee) {
    PrintLine("marquee", options.capacity, keys->size(), MissesMarquee(*keys, options.capacity));
  }
  if (options.run_lru) {
    PrintLine("lru", options.capacity, keys->size(), MissesLru(*keys, options.capacity));
  }
  return 0;
}

}  // namespace
}  // namespace marquee::cachesim

int main(int argc, char** argv) { return marquee::cachesim::Main(argc, argv); }
