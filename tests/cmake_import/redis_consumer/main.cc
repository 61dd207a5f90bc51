// Uses marquee::redis through the installed package only. No server is
// needed: opening validates options without connecting, and a call to a
// port where nothing listens must fail with Unavailable. Exits non-zero on
// any surprise, so ctest sees it.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "marquee/redis/invalidation_bus.h"
#include "marquee/redis/redis_cache.h"

int main() {
  auto bad = marquee::redis::OpenRedisCache({.port = 0});
  if (!absl::IsInvalidArgument(bad.status())) {
    std::cerr << "OpenRedisCache(port 0): " << bad.status() << "\n";
    return EXIT_FAILURE;
  }
  auto cache = marquee::redis::OpenRedisCache({.port = 1});
  if (!cache.ok()) {
    std::cerr << "OpenRedisCache: " << cache.status() << "\n";
    return EXIT_FAILURE;
  }
  std::vector<std::string> keys = {"campaigns/spring"};
  auto hits = (*cache)->MultiGet(keys);
  if (!absl::IsUnavailable(hits.status())) {
    std::cerr << "MultiGet without a server: " << hits.status() << "\n";
    return EXIT_FAILURE;
  }
  auto bus = marquee::redis::OpenRedisInvalidationBus({.port = 1});
  if (!bus.ok()) {
    std::cerr << "OpenRedisInvalidationBus: " << bus.status() << "\n";
    return EXIT_FAILURE;
  }
  std::cout << "redis_consumer: " << hits.status() << "\n";
  return EXIT_SUCCESS;
}
