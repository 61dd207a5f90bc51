// The L2's Lua scripts and the EVALSHA / EVAL runner.
#include "redis/scripts.h"

#include <array>
#include <cstddef>
#include <utility>

#include "absl/status/status.h"

namespace marquee::redis::internal {

// Both scripts read the version at bytes 9..16 (Lua counts from 1) of what
// the key holds, a value envelope ("MQEV", at least 28 bytes: its fixed
// header and checksum) or a mark ("MQMK", 4 zero bytes, exactly 16 bytes;
// see redis/envelope.h), and compare it with ARGV[2] (8 bytes) byte by byte
// as numbers. Never Lua's `<` on strings: it is strcoll, and Redis sets
// LC_COLLATE from its environment, so bytes >= 0x80 may not order as
// numbers. Anything else under the key (another type, a foreign or pre-codec
// string) is not ours and is replaced.
namespace {

constexpr char kVersionHelpers[] = R"lua(
local function stored_kind(cur)
  if type(cur) ~= 'string' then return nil end
  local magic = string.sub(cur, 1, 4)
  if magic == 'MQEV' and #cur >= 28 then return 'value' end
  if magic == 'MQMK' and #cur == 16 and string.sub(cur, 5, 8) == '\0\0\0\0' then return 'mark' end
  return nil
end
-- -1, 0 or 1 as the stored version is older than, equal to or newer than `new`.
local function compare_version(cur, new)
  for i = 1, 8 do
    local a, b = string.byte(cur, 8 + i), string.byte(new, i)
    if a ~= b then
      if a < b then return -1 end
      return 1
    end
  end
  return 0
end
)lua";

constexpr char kPutBody[] = R"lua(
local cur = redis.pcall('GET', KEYS[1])
local kind = stored_kind(cur)
if kind then
  local order = compare_version(cur, ARGV[2])
  if order > 0 or (order == 0 and kind == 'value') then
    return 0
  end
end
if ARGV[3] == '0' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
end
return 1
)lua";

constexpr char kInvalidateBody[] = R"lua(
local cur = redis.pcall('GET', KEYS[1])
if stored_kind(cur) and compare_version(cur, ARGV[2]) >= 0 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
)lua";

// The helpers then a body, as one NUL-terminated array made at compile time.
template <size_t kHelperSize, size_t kBodySize>
constexpr std::array<char, kHelperSize + kBodySize - 1> Join(const char (&helpers)[kHelperSize],
                                                             const char (&body)[kBodySize]) {
  std::array<char, kHelperSize + kBodySize - 1> joined{};
  for (size_t i = 0; i + 1 < kHelperSize; ++i) joined[i] = helpers[i];
  for (size_t i = 0; i < kBodySize; ++i) joined[kHelperSize - 1 + i] = body[i];
  return joined;
}

constexpr auto kPutText = Join(kVersionHelpers, kPutBody);
constexpr auto kInvalidateText = Join(kVersionHelpers, kInvalidateBody);

}  // namespace

const std::string_view kPutScript(kPutText.data(), kPutText.size() - 1);
const std::string_view kInvalidateScript(kInvalidateText.data(), kInvalidateText.size() - 1);

namespace {

Command ScriptCommand(std::string_view verb, const std::string& script_or_sha,
                      const ScriptCall& call) {
  Command command;
  command.reserve(3 + call.keys.size() + call.args.size());
  command.emplace_back(verb);
  command.push_back(script_or_sha);
  command.push_back(std::to_string(call.keys.size()));
  command.insert(command.end(), call.keys.begin(), call.keys.end());
  command.insert(command.end(), call.args.begin(), call.args.end());
  return command;
}

bool IsNoScript(const redisReply& reply) {
  return IsError(reply) && ReplyText(reply).starts_with("NOSCRIPT");
}

}  // namespace

std::string ScriptRunner::sha() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sha_;
}

absl::StatusOr<std::vector<Reply>> ScriptRunner::Run(ConnectionPool& pool,
                                                     std::span<const ScriptCall> calls) {
  if (calls.empty()) return std::vector<Reply>{};
  const std::string known_sha = sha();
  std::vector<Command> commands;
  commands.reserve(calls.size() + 1);
  if (known_sha.empty()) {
    // First use: load the script for its SHA1, and EVAL the calls in the
    // same round trip.
    commands.push_back({"SCRIPT", "LOAD", script_});
    for (const ScriptCall& call : calls) commands.push_back(ScriptCommand("EVAL", script_, call));
  } else {
    for (const ScriptCall& call : calls) commands.push_back(ScriptCommand("EVALSHA", known_sha, call));
  }
  absl::StatusOr<std::vector<Reply>> replies = pool.Run(commands);
  if (!replies.ok()) return replies.status();
  if (known_sha.empty()) {
    const redisReply& loaded = *replies->front();
    if (!IsString(loaded) || ReplyText(loaded).size() != 40) {
      return absl::UnavailableError("Redis did not answer SCRIPT LOAD with a SHA1");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      sha_.assign(ReplyText(loaded));
    }
    replies->erase(replies->begin());
    return replies;
  }

  std::vector<size_t> missing;
  for (size_t i = 0; i < replies->size(); ++i) {
    if (IsNoScript(*(*replies)[i])) missing.push_back(i);
  }
  if (missing.empty()) return replies;
  reloads_.fetch_add(missing.size(), std::memory_order_relaxed);
  std::vector<Command> retries;
  retries.reserve(missing.size());
  for (size_t i : missing) retries.push_back(ScriptCommand("EVAL", script_, calls[i]));
  absl::StatusOr<std::vector<Reply>> retried = pool.Run(retries);
  if (!retried.ok()) return retried.status();
  for (size_t j = 0; j < missing.size(); ++j) (*replies)[missing[j]] = std::move((*retried)[j]);
  return replies;
}

}  // namespace marquee::redis::internal
