// The client's cache of GET answers that carried an ETag, for revalidation
// with If-None-Match: least recently used entries go first. Thread-safe.
#ifndef MARQUEE_SRC_CLIENT_RESPONSE_CACHE_H_
#define MARQUEE_SRC_CLIENT_RESPONSE_CACHE_H_

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "marquee/client/client.h"

namespace marquee::client::internal {

class ResponseCache {
 public:
  ResponseCache(size_t max_entries, size_t max_body_bytes)
      : max_entries_(max_entries), max_body_bytes_(max_body_bytes) {}

  // The cached 200 answer of `target`, made most recently used.
  std::optional<Reply> Get(const std::string& target);
  // Keeps `reply` (a 200 with an ETag) for `target`; a body over the limit
  // or a zero capacity keeps nothing.
  void Put(const std::string& target, const Reply& reply);
  // Forgets `target` (after a write to it, or a 200 without an ETag).
  void Erase(const std::string& target);

 private:
  using Order = std::list<std::string>;
  struct Entry {
    Reply reply;
    Order::iterator position;
  };
  const size_t max_entries_;
  const size_t max_body_bytes_;
  std::mutex mu_;
  Order order_;  // most recently used first
  absl::flat_hash_map<std::string, Entry> entries_;
};

}  // namespace marquee::client::internal

#endif  // MARQUEE_SRC_CLIENT_RESPONSE_CACHE_H_
