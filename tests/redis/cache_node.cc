// marquee_cache_node: one "node" of a multi-process deployment, for the
// cross-process cache tests. It owns an in-memory MemoryStore and a
// TieredCache on a shared Redis (L2 + invalidation bus), and obeys one
// command per stdin line, answering one line on stdout:
//
//   put <id> <n>     writes items/<id> = {"n":<n}  -> "ok <version>"
//   get <id>         TieredCache::Get               -> "value <version> <body>" | "notfound" | "error <status>"
//   cached <id>      is items/<id> in this node's L1 -> "yes" | "no"
//   stats            -> "flushes=<n> bus_invalidations=<n> remote_hits=<n> store_reads=<n>"
//   quit             exits
//
//   marquee_cache_node --port 6379
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "marquee/memory_store.h"
#include "marquee/redis/invalidation_bus.h"
#include "marquee/redis/redis_cache.h"
#include "marquee/tiered_cache.h"

namespace {

int Fail(const std::string& message) {
  std::cerr << "marquee_cache_node: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--port") return Fail("usage: marquee_cache_node --port P");
  int port = std::atoi(argv[2]);
  auto store = marquee::OpenMemoryStore({});
  if (!store.ok()) return Fail(store.status().ToString());
  marquee::redis::RedisOptions redis_options{.port = port};
  auto remote = marquee::redis::OpenRedisCache(redis_options);
  if (!remote.ok()) return Fail(remote.status().ToString());
  auto bus = marquee::redis::OpenRedisInvalidationBus(redis_options);
  if (!bus.ok()) return Fail(bus.status().ToString());
  auto cache = marquee::TieredCache::Open(store->get(), {.remote = remote->get(), .bus = bus->get()});
  if (!cache.ok()) return Fail(cache.status().ToString());

  std::cout << "ready" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string command, id;
    in >> command >> id;
    if (command == "quit") break;
    if (command == "put") {
      long n = 0;
      in >> n;
      marquee::WriteBatch batch;
      batch.Put("items", id, *marquee::Json::Parse("{\"n\":" + std::to_string(n) + "}"));
      auto version = (*store)->Write(batch);
      std::cout << (version.ok() ? "ok " + std::to_string(*version) : "error " + version.status().ToString())
                << std::endl;
    } else if (command == "get") {
      auto record = (*cache)->Get("items", id);
      if (record.ok()) {
        std::cout << "value " << (*record)->version << " " << (*record)->body.text() << std::endl;
      } else if (absl::IsNotFound(record.status())) {
        std::cout << "notfound" << std::endl;
      } else {
        std::cout << "error " << record.status().ToString() << std::endl;
      }
    } else if (command == "cached") {
      bool cached = (*cache)->l1().Get(marquee::TieredCache::KeyOf("items", id)) != nullptr;
      std::cout << (cached ? "yes" : "no") << std::endl;
    } else if (command == "stats") {
      marquee::TieredCacheStats stats = (*cache)->stats();
      std::cout << "flushes=" << stats.flushes << " bus_invalidations=" << stats.bus_invalidations
                << " remote_hits=" << stats.remote_hits << " store_reads=" << stats.store_reads << std::endl;
    } else {
      std::cout << "error unknown command '" << command << "'" << std::endl;
    }
  }
  return 0;
}
