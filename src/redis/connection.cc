// A synchronous hiredis connection with timeouts.
#include "redis/connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace marquee::redis::internal {

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

std::string_view ReplyText(const redisReply& reply) {
  if (reply.str == nullptr) return {};
  return std::string_view(reply.str, reply.len);
}
bool IsString(const redisReply& reply) { return reply.type == REDIS_REPLY_STRING; }
bool IsNil(const redisReply& reply) { return reply.type == REDIS_REPLY_NIL; }
bool IsError(const redisReply& reply) { return reply.type == REDIS_REPLY_ERROR; }
bool IsArray(const redisReply& reply) { return reply.type == REDIS_REPLY_ARRAY; }
bool IsInteger(const redisReply& reply) { return reply.type == REDIS_REPLY_INTEGER; }
long long ReplyInteger(const redisReply& reply) { return reply.integer; }
size_t ReplyElements(const redisReply& reply) {
  return reply.type == REDIS_REPLY_ARRAY && reply.element != nullptr ? reply.elements : 0;
}
const redisReply& ReplyElement(const redisReply& reply, size_t i) { return *reply.element[i]; }

namespace {

timeval SocketTimeout(absl::Duration d) {
  // At least 1 ms: a zero timeval means "block forever" to the kernel.
  if (d < absl::Milliseconds(1)) d = absl::Milliseconds(1);
  return absl::ToTimeval(d);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const RedisOptions& options,
                                                             bool select_database) {
  std::string endpoint = absl::StrCat(options.host, ":", options.port);
  redisContext* context =
      redisConnectWithTimeout(options.host.c_str(), options.port, SocketTimeout(options.connect_timeout));
  if (context == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot allocate a connection to Redis at ", endpoint));
  }
  if (context->err != 0) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat("cannot connect to Redis at ", endpoint, ": ", context->errstr));
    redisFree(context);
    return status;
  }
  std::unique_ptr<Connection> connection(new Connection(context, std::move(endpoint)));
  if (redisSetTimeout(context, SocketTimeout(options.command_timeout)) != REDIS_OK) {
    return connection->Failure("setting the socket timeout", errno);
  }
  std::vector<Command> setup;
  if (!options.password.empty()) setup.push_back({"AUTH", options.password});
  if (select_database && options.database != 0) {
    setup.push_back({"SELECT", std::to_string(options.database)});
  }
  if (!setup.empty()) {
    absl::StatusOr<std::vector<Reply>> replies = connection->Pipeline(setup);
    if (!replies.ok()) return replies.status();
    for (const Reply& reply : *replies) {
      if (IsError(*reply)) {
        const std::string_view text = ReplyText(*reply);
        return absl::UnavailableError(absl::StrCat("Redis at ", connection->endpoint_,
                                                   " refused the connection setup: ",
                                                   absl::string_view(text.data(), text.size())));
      }
    }
  }
  return connection;
}

Connection::Connection(redisContext* context, std::string endpoint)
    : context_(context), endpoint_(std::move(endpoint)) {}

Connection::~Connection() { redisFree(context_); }

absl::Status Connection::Failure(std::string_view doing, int saved_errno) {
  broken_ = true;
  closed_by_peer_ = context_->err == REDIS_ERR_EOF ||
                    (context_->err == REDIS_ERR_IO &&
                     (saved_errno == ECONNRESET || saved_errno == EPIPE));
  const bool timed_out = context_->err == REDIS_ERR_IO &&
                         (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
  return absl::UnavailableError(absl::StrCat(
      "Redis at ", endpoint_, " failed while ", absl::string_view(doing.data(), doing.size()), ": ",
      timed_out ? "timed out" : context_->errstr));
}

absl::StatusOr<std::vector<Reply>> Connection::Pipeline(std::span<const Command> commands) {
  if (broken_) return absl::UnavailableError("connection already failed");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const Command& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return Failure("formatting a command", errno);
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    errno = 0;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      if (raw != nullptr) freeReplyObject(raw);
      return Failure("running commands", errno);
    }
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

}  // namespace marquee::redis::internal
