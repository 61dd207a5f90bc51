// The Store contract against MemoryStore in memory (no data_dir).
#include <doctest/doctest.h>

#include <memory>
#include <utility>

#include "marquee/memory_store.h"
#include "support/store_contract.h"

namespace marquee::test {
namespace {

std::unique_ptr<Store> OpenInMemory(Clock* clock) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore({.clock = clock});
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(*store);
}

MARQUEE_STORE_CONTRACT_TESTS("MemoryStore in memory", OpenInMemory)

}  // namespace
}  // namespace marquee::test
