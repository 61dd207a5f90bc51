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

// KEYS[1]: the key. ARGV[1]: the envelope; ARGV[2]: its version as 16 hex
// digits; ARGV[3]: the TTL in milliseconds, "0" for none.
// Stores unless the key holds an envelope of a newer version, or of the
// same version that is not a mark. Anything that is not our envelope
// (another type, a foreign string) is replaced. Returns 1 if stored, else 0.
extern const std::string_view kPutScript;

// KEYS[1]: the key. ARGV[1]: a mark envelope; ARGV[2]: its version as 16
// hex digits; ARGV[3]: the mark's TTL in milliseconds.
// Replaces the key by the mark unless it holds an envelope (value or mark)
// of the same or a newer version. Returns 1 if marked, else 0.
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
