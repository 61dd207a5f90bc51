// Uses marquee::postgres through the installed package only. No server is
// needed: bad options are refused before connecting, and a port where
// nothing listens must fail with Unavailable. Exits non-zero on any
// surprise, so ctest sees it.
#include <cstdlib>
#include <iostream>

#include "marquee/campaign/event_stats.h"
#include "marquee/postgres/postgres_aggregate_store.h"
#include "marquee/postgres/postgres_store.h"

int main() {
  auto bad = marquee::postgres::OpenPostgresAggregateStore(
      {.conninfo = "postgresql://127.0.0.1:1/x", .pool_size = 0});
  if (!absl::IsInvalidArgument(bad.status())) {
    std::cerr << "OpenPostgresAggregateStore(pool_size 0): " << bad.status() << "\n";
    return EXIT_FAILURE;
  }
  auto down = marquee::postgres::OpenPostgresAggregateStore(
      {.conninfo = "postgresql://127.0.0.1:1/x?connect_timeout=2"});
  if (!absl::IsUnavailable(down.status())) {
    std::cerr << "OpenPostgresAggregateStore without a server: " << down.status() << "\n";
    return EXIT_FAILURE;
  }
  auto store = marquee::postgres::OpenPostgresStore({.conninfo = ""});
  if (!absl::IsInvalidArgument(store.status())) {
    std::cerr << "OpenPostgresStore(empty conninfo): " << store.status() << "\n";
    return EXIT_FAILURE;
  }
  std::cout << "postgres_consumer: " << down.status() << "\n";
  return EXIT_SUCCESS;
}
