// The client's retry backoff, circuit breaker and revalidation cache, on
// their own (no network).
#include <doctest/doctest.h>

#include "absl/time/time.h"
#include "client/backoff.h"
#include "client/circuit_breaker.h"
#include "client/response_cache.h"

namespace marquee::client::internal {
namespace {

TEST_CASE("backoff: grows by the multiplier, is capped, and jitter only shortens it") {
  const RetryPolicy policy{.initial_backoff = absl::Milliseconds(100),
                           .max_backoff = absl::Milliseconds(700),
                           .multiplier = 2.0,
                           .jitter = 0.5};
  CHECK(BackoffDelay(policy, 0, 0.0) == absl::Milliseconds(100));
  CHECK(BackoffDelay(policy, 1, 0.0) == absl::Milliseconds(200));
  CHECK(BackoffDelay(policy, 2, 0.0) == absl::Milliseconds(400));
  CHECK(BackoffDelay(policy, 3, 0.0) == absl::Milliseconds(700));   // capped
  CHECK(BackoffDelay(policy, 60, 0.0) == absl::Milliseconds(700));  // no overflow
  // The full draw halves the wait at jitter 0.5; draws in between stay in range.
  CHECK(BackoffDelay(policy, 1, 1.0) == absl::Milliseconds(100));
  const absl::Duration mid = BackoffDelay(policy, 1, 0.3);
  CHECK(mid > absl::Milliseconds(100));
  CHECK(mid < absl::Milliseconds(200));
}

TEST_CASE("circuit breaker: opens after the threshold, lets one trial through, closes on success") {
  CircuitBreaker breaker({.failure_threshold = 3, .open_for = absl::Seconds(10)});
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(breaker.Allow(t0));
    breaker.Record(false, t0);
  }
  CHECK(breaker.Allow(t0));  // two failures: still closed
  breaker.Record(false, t0);  // the third opens it
  CHECK_FALSE(breaker.Allow(t0 + absl::Seconds(9)));
  // After open_for exactly one trial goes through.
  CHECK(breaker.Allow(t0 + absl::Seconds(10)));
  CHECK_FALSE(breaker.Allow(t0 + absl::Seconds(10)));
  // A failed trial reopens at once, for another open_for.
  breaker.Record(false, t0 + absl::Seconds(10));
  CHECK_FALSE(breaker.Allow(t0 + absl::Seconds(19)));
  CHECK(breaker.Allow(t0 + absl::Seconds(20)));
  breaker.Record(true, t0 + absl::Seconds(20));
  CHECK(breaker.Allow(t0 + absl::Seconds(20)));
  CHECK(breaker.Allow(t0 + absl::Seconds(20)));
}

TEST_CASE("circuit breaker: a success resets the count of failures in a row") {
  CircuitBreaker breaker({.failure_threshold = 2, .open_for = absl::Seconds(10)});
  const absl::Time t = absl::FromUnixSeconds(1000);
  breaker.Record(false, t);
  breaker.Record(true, t);
  breaker.Record(false, t);
  CHECK(breaker.Allow(t));
  breaker.Record(false, t);
  CHECK_FALSE(breaker.Allow(t));
}

TEST_CASE("circuit breaker: threshold 0 never opens") {
  CircuitBreaker breaker({.failure_threshold = 0});
  const absl::Time t = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 100; ++i) breaker.Record(false, t);
  CHECK(breaker.Allow(t));
}

Reply Ok(std::string body) {
  Reply r{.status = 200, .body = std::move(body)};
  r.headers.Add("ETag", "\"1\"");
  return r;
}

TEST_CASE("response cache: least recently used goes first, and oversized bodies are not kept") {
  ResponseCache cache(/*max_entries=*/2, /*max_body_bytes=*/10);
  cache.Put("/a", Ok("a"));
  cache.Put("/b", Ok("b"));
  REQUIRE(cache.Get("/a").has_value());  // /a is now the most recent
  cache.Put("/c", Ok("c"));              // evicts /b
  CHECK(cache.Get("/a").has_value());
  CHECK_FALSE(cache.Get("/b").has_value());
  CHECK(cache.Get("/c")->body == "c");
  cache.Put("/a", Ok("01234567890"));  // too large: dropped, not kept stale
  CHECK_FALSE(cache.Get("/a").has_value());
  cache.Erase("/c");
  CHECK_FALSE(cache.Get("/c").has_value());
  ResponseCache off(0, 10);
  off.Put("/a", Ok("a"));
  CHECK_FALSE(off.Get("/a").has_value());
}

}  // namespace
}  // namespace marquee::client::internal
