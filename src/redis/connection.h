// One synchronous hiredis connection: connect with a timeout, AUTH and
// SELECT, then pipelines of commands under a per-read/write timeout.
// A connection that failed once is broken() and must be discarded: hiredis
// may have sent half a pipeline, and replies could be misattributed.
// Thread-safety: none; one thread at a time (the pool hands it out).
#ifndef MARQUEE_SRC_REDIS_CONNECTION_H_
#define MARQUEE_SRC_REDIS_CONNECTION_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/redis/redis_options.h"

struct redisContext;
struct redisReply;

namespace marquee::redis::internal {

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// One command's arguments, the name first: {"GET", "marquee:k"}.
using Command = std::vector<std::string>;

// A reply's string content (for string, status and error replies).
std::string_view ReplyText(const redisReply& reply);
bool IsString(const redisReply& reply);
bool IsNil(const redisReply& reply);
bool IsError(const redisReply& reply);
bool IsArray(const redisReply& reply);
bool IsInteger(const redisReply& reply);
long long ReplyInteger(const redisReply& reply);
size_t ReplyElements(const redisReply& reply);
// REQUIRES: IsArray(reply), i < ReplyElements(reply).
const redisReply& ReplyElement(const redisReply& reply, size_t i);

class Connection {
 public:
  // Connects to options.host:port within connect_timeout, sets
  // command_timeout on the socket, sends AUTH when a password is set and
  // SELECT when `select_database` and options.database != 0.
  // Errors: Unavailable.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const RedisOptions& options,
                                                         bool select_database);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends the commands in one write and reads one reply per command, in
  // order. Error replies are replies, not failures.
  // Errors: Unavailable (I/O error, timeout, protocol error; the connection
  // is then broken()).
  absl::StatusOr<std::vector<Reply>> Pipeline(std::span<const Command> commands);

  // Whether a call failed; a broken connection is never reused.
  bool broken() const { return broken_; }
  // Whether the failure was the peer closing or resetting the connection
  // (a restarted server), as opposed to a timeout or a protocol error.
  bool closed_by_peer() const { return closed_by_peer_; }

 private:
  explicit Connection(redisContext* context, std::string endpoint);
  absl::Status Failure(std::string_view doing, int saved_errno);

  redisContext* context_;
  std::string endpoint_;  // "host:port", for messages
  bool broken_ = false;
  bool closed_by_peer_ = false;
};

}  // namespace marquee::redis::internal

#endif  // MARQUEE_SRC_REDIS_CONNECTION_H_
