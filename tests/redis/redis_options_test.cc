// ValidateRedisOptions: every field's bounds.
#include "marquee/redis/redis_options.h"

#include <doctest/doctest.h>

#include "marquee/redis/invalidation_bus.h"
#include "marquee/redis/redis_cache.h"

namespace marquee::redis {

TEST_SUITE("RedisOptions") {

TEST_CASE("The defaults are valid") { CHECK(ValidateRedisOptions({}).ok()); }

TEST_CASE("Bad fields are InvalidArgument naming the field") {
  struct Case {
    const char* field;
    RedisOptions options;
  };
  auto with = [](auto mutate) {
    RedisOptions options;
    mutate(options);
    return options;
  };
  const Case cases[] = {
      {"host", with([](RedisOptions& o) { o.host.clear(); })},
      {"port", with([](RedisOptions& o) { o.port = 0; })},
      {"port", with([](RedisOptions& o) { o.port = 65536; })},
      {"database", with([](RedisOptions& o) { o.database = -1; })},
      {"channel", with([](RedisOptions& o) { o.channel.clear(); })},
      {"pool_size", with([](RedisOptions& o) { o.pool_size = 0; })},
      {"pool_size", with([](RedisOptions& o) { o.pool_size = 1025; })},
      {"connect_timeout", with([](RedisOptions& o) { o.connect_timeout = absl::ZeroDuration(); })},
      {"command_timeout", with([](RedisOptions& o) { o.command_timeout = absl::InfiniteDuration(); })},
      {"invalidation_mark_ttl", with([](RedisOptions& o) { o.invalidation_mark_ttl = -absl::Seconds(1); })},
      {"bus_heartbeat_interval", with([](RedisOptions& o) { o.bus_heartbeat_interval = absl::ZeroDuration(); })},
      {"retry_after", with([](RedisOptions& o) { o.retry_after = -absl::Milliseconds(1); })},
      {"compression_level", with([](RedisOptions& o) { o.compression_level = 99; })},
  };
  for (const Case& c : cases) {
    CAPTURE(c.field);
    const absl::Status status = ValidateRedisOptions(c.options);
    CHECK(absl::IsInvalidArgument(status));
    CHECK(std::string(status.message()).find(c.field) != std::string::npos);
    CHECK(absl::IsInvalidArgument(OpenRedisCache(c.options).status()));
    CHECK(absl::IsInvalidArgument(OpenRedisInvalidationBus(c.options).status()));
  }
  RedisOptions no_retry;
  no_retry.retry_after = absl::ZeroDuration();  // allowed: no circuit breaker
  CHECK(ValidateRedisOptions(no_retry).ok());
  // The zstd level configures only the default codec: with a codec given,
  // the codec's own (validated by Codec::Create) applies.
  RedisOptions with_codec;
  with_codec.compression_level = 99;
  absl::StatusOr<std::unique_ptr<Codec>> codec = Codec::Create({});
  REQUIRE(codec.ok());
  with_codec.codec = *std::move(codec);
  CHECK(ValidateRedisOptions(with_codec).ok());
  CHECK(OpenRedisCache(with_codec).ok());
  RedisOptions empty_prefix;
  empty_prefix.key_prefix.clear();
  CHECK(ValidateRedisOptions(empty_prefix).ok());
}

}  // TEST_SUITE("RedisOptions")

}  // namespace marquee::redis
