// Textbook LRU by entry count, for the reference column of marquee-cachesim.
#include "lru_reference.h"

namespace marquee::cachesim {

bool LruReference::Access(int32_t key) {
  auto it = where_.find(key);
  if (it != where_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    return true;
  }
  if (where_.size() >= capacity_) {
    where_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(key);
  where_.emplace(key, order_.begin());
  return false;
}

}  // namespace marquee::cachesim
