// The L2's Lua scripts and the EVALSHA / EVAL runner.
#include "redis/scripts.h"

#include <utility>

#include "absl/status/status.h"

namespace marquee::redis::internal {

// Both scripts read the envelope header laid out in redis/envelope.h:
// "MQE1", 16 hex digits of version at bytes 5..20, flags at byte 21 (2: mark).
const std::string_view kPutScript = R"lua(
local cur = redis.pcall('GET', KEYS[1])
if type(cur) == 'string' and #cur >= 21 and string.sub(cur, 1, 4) == 'MQE1' then
  local v = string.sub(cur, 5, 20)
  if v > ARGV[2] or (v == ARGV[2] and string.byte(cur, 21) ~= 2) then
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

const std::string_view kInvalidateScript = R"lua(
local cur = redis.pcall('GET', KEYS[1])
if type(cur) == 'string' and #cur >= 21 and string.sub(cur, 1, 4) == 'MQE1' then
  if string.sub(cur, 5, 20) >= ARGV[2] then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
)lua";

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
