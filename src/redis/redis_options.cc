// Validation of RedisOptions.
#include "marquee/redis/redis_options.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"

namespace marquee::redis {
namespace {

bool PositiveFinite(absl::Duration d) { return d > absl::ZeroDuration() && d < absl::InfiniteDuration(); }

}  // namespace

absl::Status ValidateRedisOptions(const RedisOptions& options) {
  if (options.host.empty()) return absl::InvalidArgumentError("RedisOptions.host is empty");
  if (options.port < 1 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("RedisOptions.port is ", options.port, ", not in 1..65535"));
  }
  if (options.database < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("RedisOptions.database is ", options.database, ", must be >= 0"));
  }
  if (options.channel.empty()) return absl::InvalidArgumentError("RedisOptions.channel is empty");
  if (options.pool_size < 1 || options.pool_size > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("RedisOptions.pool_size is ", options.pool_size, ", not in 1..1024"));
  }
  const struct {
    const char* name;
    absl::Duration value;
  } durations[] = {{"connect_timeout", options.connect_timeout},
                   {"command_timeout", options.command_timeout},
                   {"invalidation_mark_ttl", options.invalidation_mark_ttl},
                   {"bus_heartbeat_interval", options.bus_heartbeat_interval}};
  for (const auto& d : durations) {
    if (!PositiveFinite(d.value)) {
      return absl::InvalidArgumentError(absl::StrCat("RedisOptions.", d.name, " is ",
                                                     absl::FormatDuration(d.value),
                                                     ", must be positive and finite"));
    }
  }
  if (options.retry_after < absl::ZeroDuration() || options.retry_after == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("RedisOptions.retry_after is ", absl::FormatDuration(options.retry_after),
                     ", must be >= 0 and finite"));
  }
  // The level only configures the default codec; a given codec was
  // validated when it was created.
  if (options.codec == nullptr && (options.compression_level < ZSTD_minCLevel() ||
                                   options.compression_level > ZSTD_maxCLevel())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RedisOptions.compression_level is ", options.compression_level, ", not in ",
        ZSTD_minCLevel(), "..", ZSTD_maxCLevel()));
  }
  return absl::OkStatus();
}

}  // namespace marquee::redis
