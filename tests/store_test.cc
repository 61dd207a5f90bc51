// The Store contract against MemoryStore in memory (no data_dir).
#include <doctest/doctest.h>

#include <memory>
#include <utility>

#include "marquee/memory_store.h"
#include "support/store_contract.h"

// Designated initializers that leave fields at their defaults are the API's
// idiom (OpenMemoryStore({.clock = clock})); g++ 12 warns about them.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

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
