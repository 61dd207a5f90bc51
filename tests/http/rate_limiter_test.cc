// Token buckets of the delivery routes' 429: burst, refill, independence of
// keys, Retry-After, and a bounded table under a flood of keys.
#include <doctest/doctest.h>

#include <atomic>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "http/rate_limiter.h"

namespace marquee::http::internal {
namespace {

const absl::Time t0 = absl::FromUnixSeconds(1'000'000);

TEST_CASE("rate limiter: a burst passes and the next request waits for a refill") {
  RateLimiter limiter(/*rate_per_second=*/10, /*burst=*/5, /*max_keys=*/1000);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter.Acquire("k", t0).has_value());
  std::optional<absl::Duration> wait = limiter.Acquire("k", t0);
  REQUIRE(wait.has_value());
  CHECK(*wait == absl::Milliseconds(100));
  CHECK(limiter.Acquire("k", t0 + absl::Milliseconds(50)).has_value());
  CHECK_FALSE(limiter.Acquire("k", t0 + absl::Milliseconds(100)).has_value());
  // Keys are independent.
  CHECK_FALSE(limiter.Acquire("other", t0).has_value());
  // A long idle refills to the burst, not beyond.
  const absl::Time later = t0 + absl::Hours(1);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter.Acquire("k", later).has_value());
  CHECK(limiter.Acquire("k", later).has_value());
}

TEST_CASE("rate limiter: a flood of distinct keys stays bounded and keeps hot keys limited") {
  RateLimiter limiter(1, 2, /*max_keys=*/160);
  CHECK_FALSE(limiter.Acquire("hot", t0).has_value());
  CHECK_FALSE(limiter.Acquire("hot", t0).has_value());
  for (int i = 0; i < 100'000; ++i) {
    limiter.Acquire("flood-" + std::to_string(i), t0);
    if (i % 50 == 0) limiter.Acquire("hot", t0);  // stays recent, and empty
  }
  CHECK(limiter.Acquire("hot", t0).has_value());
  CHECK(limiter.tracked_keys() <= 160);
}

TEST_CASE("rate limiter: concurrent acquires grant exactly the burst" *
          doctest::test_suite("concurrent")) {
  RateLimiter limiter(0.001, 1000, 1000);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (!limiter.Acquire("shared", t0).has_value()) granted.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(granted.load() == 1000);
}

}  // namespace
}  // namespace marquee::http::internal
