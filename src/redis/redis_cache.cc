// RedisCache: MultiGet, Put and Invalidate on the pool and the scripts.
#include "marquee/redis/redis_cache.h"

#include <atomic>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "redis/connection_pool.h"
#include "redis/envelope.h"
#include "redis/scripts.h"

namespace marquee::redis {

using internal::Command;
using internal::ConnectionPool;
using internal::Reply;
using internal::ScriptCall;
using internal::ScriptRunner;

struct RedisCache::Impl {
  Impl(const RedisOptions& o, std::shared_ptr<const Codec> c)
      : options(o),
        codec(std::move(c)),
        pool(o, /*select_database=*/true),
        put_script(internal::kPutScript),
        invalidate_script(internal::kInvalidateScript) {}

  std::string FullKey(std::string_view key) const {
    std::string full;
    full.reserve(options.key_prefix.size() + key.size());
    full.append(options.key_prefix);
    full.append(key);
    return full;
  }

  const RedisOptions options;
  const std::shared_ptr<const Codec> codec;  // never null
  ConnectionPool pool;
  ScriptRunner put_script;
  ScriptRunner invalidate_script;

  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};
  std::atomic<uint64_t> malformed_values{0};
  std::atomic<uint64_t> undecodable_values{0};
  std::atomic<uint64_t> puts_stored{0};
  std::atomic<uint64_t> puts_refused{0};
  std::atomic<uint64_t> marks_written{0};

  // Why the latest undecodable value could not be opened. std::mutex:
  // visible to TSan (Debian's Abseil is not).
  mutable std::mutex problem_mu;
  std::string last_undecodable;  // guarded by problem_mu
};

namespace {

void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

absl::Status ErrorReply(std::string_view doing, const redisReply& reply) {
  const std::string_view text = internal::ReplyText(reply);
  return absl::UnavailableError(absl::StrCat("Redis refused ", absl::string_view(doing.data(), doing.size()),
                                             ": ", absl::string_view(text.data(), text.size())));
}

// The integer a script returned (0 or 1).
absl::StatusOr<bool> ScriptResult(std::string_view doing, const redisReply& reply) {
  if (internal::IsError(reply)) return ErrorReply(doing, reply);
  if (!internal::IsInteger(reply)) {
    return absl::UnavailableError(absl::StrCat("unexpected reply type from Redis while ",
                                               absl::string_view(doing.data(), doing.size())));
  }
  return internal::ReplyInteger(reply) == 1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCache>> OpenRedisCache(const RedisOptions& options) {
  if (absl::Status valid = ValidateRedisOptions(options); !valid.ok()) return valid;
  std::shared_ptr<const Codec> codec = options.codec;
  if (codec == nullptr) {
    absl::StatusOr<std::unique_ptr<Codec>> created =
        Codec::Create({.compression_level = options.compression_level,
                       .compress_min_bytes = options.compress_min_bytes});
    if (!created.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("RedisOptions make no valid default codec: ", created.status().message()));
    }
    codec = *std::move(created);
  }
  return std::unique_ptr<RedisCache>(
      new RedisCache(std::make_unique<RedisCache::Impl>(options, std::move(codec))));
}

RedisCache::RedisCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisCache::~RedisCache() = default;

absl::StatusOr<std::vector<std::optional<RemoteCache::Hit>>> RedisCache::MultiGet(
    std::span<const std::string> keys) {
  std::vector<std::optional<Hit>> results(keys.size());
  if (keys.empty()) return results;
  Command mget;
  mget.reserve(keys.size() + 1);
  mget.emplace_back("MGET");
  for (const std::string& key : keys) mget.push_back(impl_->FullKey(key));
  absl::StatusOr<std::vector<Reply>> replies = impl_->pool.Run(std::span<const Command>(&mget, 1));
  if (!replies.ok()) return replies.status();
  const redisReply& reply = *replies->front();
  if (internal::IsError(reply)) return ErrorReply("MGET", reply);
  if (!internal::IsArray(reply) || internal::ReplyElements(reply) != keys.size()) {
    return absl::UnavailableError("Redis answered MGET with an unexpected reply");
  }
  uint64_t hits = 0;
  uint64_t malformed = 0;
  uint64_t undecodable = 0;
  absl::Status problem;
  for (size_t i = 0; i < keys.size(); ++i) {
    const redisReply& element = internal::ReplyElement(reply, i);
    if (!internal::IsString(element)) continue;  // nil: absent, or not a string type
    internal::StoredValue stored =
        internal::ReadStoredValue(*impl_->codec, internal::ReplyText(element));
    switch (stored.kind) {
      case internal::StoredValue::Kind::kValue:
        results[i] = Hit{.bytes = std::move(stored.bytes), .version = stored.version};
        ++hits;
        break;
      case internal::StoredValue::Kind::kMark:
        break;
      case internal::StoredValue::Kind::kMalformed:
        ++malformed;
        break;
      case internal::StoredValue::Kind::kUndecodable:
        ++undecodable;
        problem = std::move(stored.problem);
        break;
    }
  }
  Add(impl_->hits, hits);
  Add(impl_->misses, keys.size() - hits);
  Add(impl_->malformed_values, malformed);
  if (undecodable > 0) {
    Add(impl_->undecodable_values, undecodable);
    std::lock_guard<std::mutex> lock(impl_->problem_mu);
    impl_->last_undecodable = problem.ToString();
  }
  return results;
}

absl::Status RedisCache::Put(std::string_view key, std::string_view bytes, uint64_t version,
                             absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("L2 Put needs a positive ttl, not ", absl::FormatDuration(ttl)));
  }
  absl::StatusOr<std::string> envelope = impl_->codec->Encode(
      impl_->options.codec_collection, bytes, EnvelopeMeta{.record_version = version});
  if (!envelope.ok()) {
    if (absl::IsOutOfRange(envelope.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat("L2 value is too large for the codec: ", envelope.status().message()));
    }
    return envelope.status();
  }
  std::string ttl_ms = "0";
  if (ttl != absl::InfiniteDuration()) {
    ttl_ms = std::to_string(absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1))));
  }
  ScriptCall call{
      .keys = {impl_->FullKey(key)},
      .args = {*std::move(envelope), internal::VersionBytes(version), std::move(ttl_ms)}};
  absl::StatusOr<std::vector<Reply>> replies =
      impl_->put_script.Run(impl_->pool, std::span<const ScriptCall>(&call, 1));
  if (!replies.ok()) return replies.status();
  absl::StatusOr<bool> stored = ScriptResult("the L2 put script", *replies->front());
  if (!stored.ok()) return stored.status();
  Add(*stored ? impl_->puts_stored : impl_->puts_refused);
  return absl::OkStatus();
}

absl::Status RedisCache::Invalidate(std::span<const KeyVersion> changes) {
  if (changes.empty()) return absl::OkStatus();
  const std::string mark_ttl_ms = std::to_string(
      absl::ToInt64Milliseconds(absl::Ceil(impl_->options.invalidation_mark_ttl, absl::Milliseconds(1))));
  std::vector<ScriptCall> calls;
  calls.reserve(changes.size());
  for (const KeyVersion& change : changes) {
    calls.push_back({.keys = {impl_->FullKey(change.key)},
                     .args = {internal::EncodeMark(change.version),
                              internal::VersionBytes(change.version), mark_ttl_ms}});
  }
  absl::StatusOr<std::vector<Reply>> replies = impl_->invalidate_script.Run(impl_->pool, calls);
  if (!replies.ok()) return replies.status();
  uint64_t marked = 0;
  absl::Status first_error;
  for (const Reply& reply : *replies) {
    absl::StatusOr<bool> result = ScriptResult("the L2 invalidate script", *reply);
    if (!result.ok()) {
      if (first_error.ok()) first_error = result.status();
      continue;
    }
    if (*result) ++marked;
  }
  Add(impl_->marks_written, marked);
  return first_error;
}

RedisCacheStats RedisCache::stats() const {
  const internal::PoolCounters& pool = impl_->pool.counters();
  std::string last_undecodable;
  {
    std::lock_guard<std::mutex> lock(impl_->problem_mu);
    last_undecodable = impl_->last_undecodable;
  }
  return RedisCacheStats{
      .hits = impl_->hits.load(std::memory_order_relaxed),
      .misses = impl_->misses.load(std::memory_order_relaxed),
      .malformed_values = impl_->malformed_values.load(std::memory_order_relaxed),
      .undecodable_values = impl_->undecodable_values.load(std::memory_order_relaxed),
      .puts_stored = impl_->puts_stored.load(std::memory_order_relaxed),
      .puts_refused = impl_->puts_refused.load(std::memory_order_relaxed),
      .marks_written = impl_->marks_written.load(std::memory_order_relaxed),
      .errors = pool.errors.load(std::memory_order_relaxed),
      .fast_failures = pool.fast_failures.load(std::memory_order_relaxed),
      .connects = pool.connects.load(std::memory_order_relaxed),
      .script_reloads = impl_->put_script.reloads() + impl_->invalidate_script.reloads(),
      .last_undecodable = std::move(last_undecodable),
  };
}

}  // namespace marquee::redis
