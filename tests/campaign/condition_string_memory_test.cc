// A string where $or / $and / $nor / $not / $elemMatch expect conditions is
// read unit by unit (JavaScript indexes it), never expanded into one object
// per unit: compiling and evaluating it takes memory proportional to the
// string. Heap use is measured by replacing the global operator new/delete
// of this executable, so this file holds only these tests.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "marquee/campaign/condition.h"

// Counts live heap bytes and their peak; each block carries its size in a
// header; the aligned forms of new are not replaced (nothing here uses them),
// the nothrow forms are.
namespace {
std::atomic<int64_t> live_bytes{0};
std::atomic<int64_t> peak_bytes{0};
constexpr size_t kHeader = alignof(std::max_align_t);

void* CountedAlloc(size_t size) {
  void* block = std::malloc(size + kHeader);
  if (block == nullptr) throw std::bad_alloc();
  *static_cast<size_t*>(block) = size;
  int64_t now = live_bytes.fetch_add(static_cast<int64_t>(size)) + static_cast<int64_t>(size);
  int64_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
  return static_cast<char*>(block) + kHeader;
}

void CountedFree(void* pointer) noexcept {
  if (pointer == nullptr) return;
  void* block = static_cast<char*>(pointer) - kHeader;
  live_bytes.fetch_sub(static_cast<int64_t>(*static_cast<size_t*>(block)));
  std::free(block);
}
}  // namespace

void* operator new(size_t size) { return CountedAlloc(size); }
void* operator new[](size_t size) { return CountedAlloc(size); }
void operator delete(void* pointer) noexcept { CountedFree(pointer); }
void operator delete[](void* pointer) noexcept { CountedFree(pointer); }
void operator delete(void* pointer, size_t) noexcept { CountedFree(pointer); }
void operator delete[](void* pointer, size_t) noexcept { CountedFree(pointer); }
// The nothrow forms (std::stable_sort's temporary buffer uses them).
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return CountedAlloc(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* pointer, const std::nothrow_t&) noexcept { CountedFree(pointer); }
void operator delete[](void* pointer, const std::nothrow_t&) noexcept { CountedFree(pointer); }

namespace marquee::campaign {
namespace {

// Heap growth above the live bytes at the start while `fn` runs.
int64_t PeakGrowth(const auto& fn) {
  int64_t base = live_bytes.load();
  peak_bytes.store(base);
  fn();
  return peak_bytes.load() - base;
}

TEST_CASE("a long string operand of a logical operator takes memory proportional to it") {
  constexpr size_t kBytes = 256 * 1024;
  std::string units(kBytes, 'a');
  Value attributes = Value::Object({{"0", Value::String("b")}});
  for (const char* op : {"$or", "$and", "$nor", "$not"}) {
    CAPTURE(op);
    Value condition = Value::Object({{op, Value::String(units)}});
    int64_t grown = PeakGrowth([&] {
      absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(condition);
      REQUIRE(compiled.ok());
      bool result = compiled->Evaluate(attributes);
      CHECK(EvalCondition(attributes, condition) == result);
      CHECK(result == (std::string_view(op) == "$nor" || std::string_view(op) == "$not"));
    });
    // Expanded, each unit cost a Value and a node: hundreds of bytes each.
    CHECK(grown < static_cast<int64_t>(8 * kBytes));
  }
  Value elem = Value::Object(
      {{"x", Value::Object({{"$elemMatch", Value::String(units)}})}});
  Value list = Value::Object({{"x", Value::Array({attributes})}});
  int64_t grown = PeakGrowth([&] {
    absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(elem);
    REQUIRE(compiled.ok());
    CHECK_FALSE(compiled->Evaluate(list));
    CHECK_FALSE(EvalCondition(list, elem));
  });
  CHECK(grown < static_cast<int64_t>(8 * kBytes));
}

}  // namespace
}  // namespace marquee::campaign
