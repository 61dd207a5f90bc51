// marquee/redis/redis_options.h — how marquee::redis reaches a Redis server.
//
// One plain struct shared by the L2 cache (marquee/redis/redis_cache.h) and
// the invalidation bus (marquee/redis/invalidation_bus.h). Nothing connects
// when options are validated: Redis need not be up when a cache or bus is
// opened.
// Thread-safety: a value.
//
//   marquee::redis::RedisOptions options{.host = "10.0.0.7", .password = secret,
//                                        .key_prefix = "shop:"};
//   auto cache = marquee::redis::OpenRedisCache(options);
#ifndef MARQUEE_REDIS_REDIS_OPTIONS_H_
#define MARQUEE_REDIS_REDIS_OPTIONS_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/codec.h"
#include "marquee/export.h"

namespace marquee::redis {

struct RedisOptions {
  // Server address (IPv4/IPv6 literal or host name). Default: "127.0.0.1".
  std::string host = "127.0.0.1";
  // Server TCP port, 1..65535. Default: 6379.
  int port = 6379;
  // Sent with AUTH on every new connection when not empty. Default: "".
  std::string password{};
  // Selected with SELECT on every new cache connection when not 0 (the bus
  // ignores it: pub/sub spans databases). Default: 0.
  int database = 0;
  // Prepended to every cache key. Default: "marquee:".
  std::string key_prefix = "marquee:";
  // Pub/sub channel of the invalidation bus; must not be empty.
  // Default: "marquee:invalidations".
  std::string channel = "marquee:invalidations";
  // Connections kept open for reuse (more may be open briefly under load),
  // 1..1024. Default: 4.
  int pool_size = 4;
  // Longest wait for a TCP connection to be established. Default: 100 ms.
  absl::Duration connect_timeout = absl::Milliseconds(100);
  // Longest wait for each socket read or write of a command. Default: 100 ms.
  absl::Duration command_timeout = absl::Milliseconds(100);
  // After a connection failure or a timeout, calls fail at once with
  // Unavailable, without trying to connect, for this long (a circuit
  // breaker: Redis being down costs callers nothing). Also the bus
  // subscriber's wait between reconnection attempts. Default: 250 ms.
  absl::Duration retry_after = absl::Milliseconds(250);
  // How long an invalidation mark refuses older Puts. Default: 30 s.
  absl::Duration invalidation_mark_ttl = absl::Seconds(30);
  // How the cache wraps its values: each is stored as one envelope of this
  // codec (marquee/codec.h), so with a dictionary for codec_collection it is
  // compressed with it, and with an active key it is AES-256-GCM encrypted
  // (Redis then holds no plaintext). Readers need the keys and dictionaries
  // of every writer sharing the Redis; a value they cannot open is a miss
  // (RedisCacheStats::undecodable_values). Shared: one codec may serve
  // several caches and the store. nullptr: a codec of compression_level and
  // compress_min_bytes, without dictionary or encryption. The bus ignores it.
  // Default: nullptr.
  std::shared_ptr<const Codec> codec{};
  // The collection whose dictionary the codec compresses this cache's values
  // with (a cache holds many collections' records; pick the one whose
  // dictionary suits them, or train one on a sample of them). A collection
  // the codec has no dictionary for, or "", compresses without one.
  // Default: "".
  std::string codec_collection{};
  // For the default codec only (codec == nullptr): zstd level for values of
  // at least compress_min_bytes, in zstd's range (-131072..22 with Debian's
  // libzstd). Default: 1.
  int compression_level = 1;
  // For the default codec only: values shorter than this are stored
  // uncompressed; SIZE_MAX never compresses. A compressed value that is not
  // smaller is stored raw. Default: 128.
  size_t compress_min_bytes = 128;
  // How often the bus subscriber PINGs the server; a PING unanswered within
  // command_timeout counts as a lost connection (so a hung server or a
  // silent network partition is noticed). Default: 1 s.
  absl::Duration bus_heartbeat_interval = absl::Seconds(1);
};

// OK, or InvalidArgument naming the first bad field.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateRedisOptions(const RedisOptions& options);

}  // namespace marquee::redis

#endif  // MARQUEE_REDIS_REDIS_OPTIONS_H_
