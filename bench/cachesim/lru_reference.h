// bench/cachesim/lru_reference.h — a plain LRU cache by entry count.
//
// The reference column of marquee-cachesim: textbook LRU (hash map + list,
// move to front on a hit, evict the back). Reproducing the published LRU miss
// ratios to 4 decimals also checks that the trace was read correctly.
#ifndef MARQUEE_BENCH_CACHESIM_LRU_REFERENCE_H_
#define MARQUEE_BENCH_CACHESIM_LRU_REFERENCE_H_

#include <cstddef>
#include <cstdint>
#include <list>

#include "absl/container/flat_hash_map.h"

namespace marquee::cachesim {

class LruReference {
 public:
  // capacity: the most entries held (> 0).
  explicit LruReference(size_t capacity) : capacity_(capacity) {}

  // One request: true on a hit. A miss inserts key, evicting the least
  // recently used entry when full.
  bool Access(int32_t key);

 private:
  size_t capacity_;
  std::list<int32_t> order_;  // front: most recently used
  absl::flat_hash_map<int32_t, std::list<int32_t>::iterator> where_;
};

}  // namespace marquee::cachesim

#endif  // MARQUEE_BENCH_CACHESIM_LRU_REFERENCE_H_
