// marquee/redis/redis_cache.h — Redis as the shared second-level cache (L2).
//
// RedisCache implements marquee::RemoteCache (marquee/cache_tier.h) on a
// Redis server through a small pool of hiredis connections:
//   - a value is stored under options.key_prefix + key as exactly one
//     envelope of options.codec (marquee/codec.h: "MQEV", the version
//     big-endian at offset 8, zstd with the dictionary of
//     options.codec_collection, AES-256-GCM with the codec's active key);
//     the default codec compresses from compress_min_bytes on;
//   - an invalidation mark is 16 bytes: "MQMK", 4 zero bytes, the version
//     big-endian, so a mark keeps its version where an envelope does;
//   - MultiGet is one MGET, so N keys cost one round trip;
//   - Put and Invalidate are Lua scripts (EVALSHA, falling back to EVAL
//     after a server restart lost the script cache), so the version check
//     and the write are atomic on the server: a Put never replaces a newer
//     value, and an invalidation leaves a mark that refuses older Puts for
//     invalidation_mark_ttl; the scripts compare the 8 version bytes one by
//     one as numbers (never as locale-collated strings);
//   - every call is bounded by connect_timeout and command_timeout; after a
//     failure, calls fail at once with Unavailable for retry_after (a circuit
//     breaker), so a down Redis costs readers nothing but a fallback to the
//     store.
// Whatever the server returns is untrusted: a value under one of our keys
// that is not a well-formed envelope or mark (written by someone else,
// truncated, corrupt, a bomb of a zstd frame, a mark of the wrong length, or
// a value in the pre-codec "MQE1" format, which is not read) is a miss
// counted in stats().malformed_values, and the next Put for that key
// replaces it (unless its bytes start like an envelope or mark whose header
// claims a newer version: the scripts check magic, length and version, not
// the checksum). A valid envelope this cache's codec cannot open (encrypted
// under a key id or compressed with a dictionary id it does not hold, or
// failing authentication: a wrong key) is a miss counted in
// stats().undecodable_values, never plaintext, and the tier keeps working.
// Keys of another Redis type (a list, a hash) read as misses too.
// Thread-safety: every method may be called concurrently.
//
//   absl::StatusOr<std::unique_ptr<marquee::redis::RedisCache>> l2 =
//       marquee::redis::OpenRedisCache({.host = "10.0.0.7", .key_prefix = "shop:"});
//   // Or, encrypted: {.host = ..., .codec = shared_codec, .codec_collection = "campaigns"}
//   if (!l2.ok()) return l2.status();
//   (*l2)->Put("campaigns/spring", bytes, record.version, absl::Minutes(10)).IgnoreError();
//   auto hits = (*l2)->MultiGet(keys);  // Unavailable: read the store instead
#ifndef MARQUEE_REDIS_REDIS_CACHE_H_
#define MARQUEE_REDIS_REDIS_CACHE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/cache_tier.h"
#include "marquee/export.h"
#include "marquee/redis/redis_options.h"

namespace marquee::redis {

// Counters since the cache was opened.
struct RedisCacheStats {
  uint64_t hits = 0;              // keys MultiGet found with a value
  uint64_t misses = 0;            // keys absent, marked invalid, malformed or undecodable
  uint64_t malformed_values = 0;  // of the misses: values that were not a valid envelope or mark
  uint64_t undecodable_values = 0;  // of the misses: envelopes the codec cannot open
  uint64_t puts_stored = 0;       // Puts that wrote their value
  uint64_t puts_refused = 0;      // Puts refused by a newer value or invalidation mark
  uint64_t marks_written = 0;     // keys an Invalidate marked
  uint64_t errors = 0;            // calls that failed talking to Redis
  uint64_t fast_failures = 0;     // calls refused at once by the circuit breaker
  uint64_t connects = 0;          // connections opened
  uint64_t script_reloads = 0;    // EVALSHA answered NOSCRIPT, so the script was sent again
  // Why the latest undecodable value could not be opened (the codec's
  // status, naming the missing key or dictionary id; never key material).
  // Empty until one is seen.
  std::string last_undecodable{};
};

class RedisCache;

// Opens the cache without connecting (Redis need not be up yet; the first
// call connects). Errors: InvalidArgument for bad options.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::unique_ptr<RedisCache>> OpenRedisCache(
    const RedisOptions& options);

class MARQUEE_EXPORT RedisCache final : public RemoteCache {
 public:
  ~RedisCache() override;
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  // One result per key, in order; nullopt for an absent key, an
  // invalidation mark, or a malformed or undecodable value (see above). No keys: no round
  // trip. Errors: Unavailable (Redis unreachable, too slow, answering with
  // an error, or the circuit breaker is open).
  [[nodiscard]] absl::StatusOr<std::vector<std::optional<Hit>>> MultiGet(
      std::span<const std::string> keys) override;

  // Stores `bytes` at `version` for `ttl` (InfiniteDuration: no expiry;
  // rounded up to whole milliseconds) unless Redis holds a value of the same
  // or a newer version, or an invalidation mark of a newer version. A
  // refused Put is not an error (see stats().puts_refused).
  // Errors: InvalidArgument for a ttl <= 0 or bytes longer than the codec's
  // max_payload_bytes (64 MiB with the default codec); Internal (the codec
  // could not encode, e.g. no randomness for a nonce); Unavailable.
  [[nodiscard]] absl::Status Put(std::string_view key, std::string_view bytes, uint64_t version,
                                 absl::Duration ttl) override;

  // For each change, in one pipelined round trip: unless Redis holds the
  // key at the same or a newer version, replaces it by a mark of the
  // change's version that lives invalidation_mark_ttl. Errors: Unavailable.
  [[nodiscard]] absl::Status Invalidate(std::span<const KeyVersion> changes) override;

  RedisCacheStats stats() const;

 private:
  struct Impl;
  friend absl::StatusOr<std::unique_ptr<RedisCache>> OpenRedisCache(const RedisOptions&);
  explicit RedisCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::redis

#endif  // MARQUEE_REDIS_REDIS_CACHE_H_
