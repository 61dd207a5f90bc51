// The Lua scripts that make the L2's version guard atomic on the server,
// and how they are run: EVALSHA, falling back to EVAL for calls answered
// NOSCRIPT (a restarted or flushed server lost its script cache; EVAL
// caches the script again).
// Thread-safety: ScriptRunner may be used concurrently.
#ifndef MARQUEE_SRC_REDIS_SCRIPTS_H_
#define MARQUEE_SRC_REDIS_SCRIPTS_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "redis/connection.h"
#include "redis/connection_pool.h"

namespace marquee::redis::internal {

// KEYS[1]: the key. ARGV[1]: the value's envelope; ARGV[2]: its version as
// 8 big-endian bytes (redis/envelope.h's VersionBytes); ARGV[3]: the TTL in
// milliseconds, "0" for none.
// Stores unless the key holds a value of the same or a newer version, or a
// mark of a newer version (a mark of the same version announced this very
// value). Anything that is not our value or mark (another type, a foreign
// string) is replaced. Returns 1 if stored, else 0.
extern const std::string_view kPutScript;

// KEYS[1]: the key. ARGV[1]: a mark (redis/envelope.h's EncodeMark);
// ARGV[2]: its version as 8 big-endian bytes; ARGV[3]: the mark's TTL in
// milliseconds.
// Replaces the key by the mark unless it holds a value or mark of the same
// or a newer version. Returns 1 if marked, else 0.
extern const std::string_view kInvalidateScript;

// The keys and arguments of one script call.
struct ScriptCall {
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

class ScriptRunner {
 public:
  explicit ScriptRunner(std::string_view script) : script_(script) {}

  // Runs every call in one pipeline (a second one for calls answered
  // NOSCRIPT) and returns one reply per call. The first run also loads the
  // script to learn its SHA1. Error replies are returned as replies.
  // Errors: Unavailable (from the pool, or an unexpected SCRIPT LOAD reply).
  absl::StatusOr<std::vector<Reply>> Run(ConnectionPool& pool, std::span<const ScriptCall> calls);

  // Calls re-sent with EVAL after NOSCRIPT.
  uint64_t reloads() const { return reloads_.load(std::memory_order_relaxed); }

 private:
  std::string sha() const;

  const std::string script_;
  mutable std::mutex mu_;  // std::mutex: visible to TSan (Debian's Abseil is not)
  std::string sha_;        // guarded by mu_; empty until loaded once
  std::atomic<uint64_t> reloads_{0};
};

}  // namespace marquee::redis::internal

#endif  // MARQUEE_SRC_REDIS_SCRIPTS_H_
