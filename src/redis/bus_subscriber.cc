// The invalidation bus subscriber thread.
#include "redis/bus_subscriber.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "redis/bus_message.h"

namespace marquee::redis::internal {
namespace {

// The longest the thread waits without checking whether to stop.
constexpr absl::Duration kSlice = absl::Milliseconds(20);

absl::Status Lost(std::string_view why, const redisContext* context) {
  return absl::UnavailableError(absl::StrCat(
      "invalidation bus connection: ", absl::string_view(why.data(), why.size()),
      context != nullptr && context->err != 0 ? absl::StrCat(": ", context->errstr) : ""));
}

bool ElementIs(const redisReply& reply, size_t i, std::string_view text) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.element == nullptr || i >= reply.elements) return false;
  const redisReply* element = reply.element[i];
  return element != nullptr && element->type == REDIS_REPLY_STRING &&
         std::string_view(element->str, element->len) == text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BusSubscriber>> BusSubscriber::Start(
    const RedisOptions& options, InvalidationBus::Handlers handlers,
    std::shared_ptr<BusCounters> counters) {
  std::unique_ptr<BusSubscriber> subscriber(
      new BusSubscriber(options, std::move(handlers), std::move(counters)));
  const bool subscribed = subscriber->ConnectAndSubscribe().ok();
  if (subscribed) {
    subscriber->connected_.store(true, std::memory_order_release);
    subscriber->counters_->subscribes.fetch_add(1, std::memory_order_relaxed);
  }
  try {
    BusSubscriber* self = subscriber.get();
    subscriber->thread_ = std::thread([self, subscribed] { self->Run(/*gap_pending=*/!subscribed); });
  } catch (const std::system_error& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot start the invalidation bus thread: ", e.what()));
  }
  return subscriber;
}

BusSubscriber::BusSubscriber(const RedisOptions& options, InvalidationBus::Handlers handlers,
                             std::shared_ptr<BusCounters> counters)
    : options_(options), handlers_(std::move(handlers)), counters_(std::move(counters)) {}

BusSubscriber::~BusSubscriber() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
  Disconnect();
}

void BusSubscriber::Run(bool gap_pending) {
  const absl::Duration backoff = std::max(options_.retry_after, absl::Milliseconds(10));
  while (!stopping()) {
    if (context_ == nullptr) {
      if (!ConnectAndSubscribe().ok()) {
        SleepUnlessStopped(backoff);
        continue;
      }
      connected_.store(true, std::memory_order_release);
      counters_->subscribes.fetch_add(1, std::memory_order_relaxed);
      if (gap_pending) {
        gap_pending = false;
        counters_->gaps.fetch_add(1, std::memory_order_relaxed);
        handlers_.on_gap();
      }
    }
    const absl::Status served = Serve();
    Disconnect();
    connected_.store(false, std::memory_order_release);
    if (stopping()) break;
    (void)served;  // why it was lost does not change what happens next
    counters_->gaps.fetch_add(1, std::memory_order_relaxed);
    handlers_.on_gap();
    gap_pending = true;
  }
}

void BusSubscriber::Disconnect() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

void BusSubscriber::SleepUnlessStopped(absl::Duration duration) {
  const absl::Time until = absl::Now() + duration;
  while (!stopping()) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return;
    absl::SleepFor(std::min(left, kSlice));
  }
}

bool BusSubscriber::WaitFor(short events, absl::Time deadline) {
  while (!stopping()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fd{.fd = context_->fd, .events = events, .revents = 0};
    const int timeout_ms =
        static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(std::min(left, kSlice), absl::Milliseconds(1))));
    const int ready = ::poll(&fd, 1, timeout_ms);
    if (ready > 0) return true;  // readiness, or an error the next call reports
    if (ready < 0 && errno != EINTR) return false;
  }
  return false;
}

absl::Status BusSubscriber::Flush(absl::Time deadline) {
  int done = 0;
  while (true) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) return Lost("write failed", context_);
    if (done) return absl::OkStatus();
    if (!WaitFor(POLLOUT, deadline)) return Lost("write timed out", nullptr);
  }
}

absl::Status BusSubscriber::ConnectAndSubscribe() {
  Disconnect();
  context_ = redisConnectNonBlock(options_.host.c_str(), options_.port);
  if (context_ == nullptr) return absl::UnavailableError("cannot allocate a Redis connection");
  if (context_->err != 0) {
    absl::Status status = Lost("cannot connect", context_);
    Disconnect();
    return status;
  }
  if (!WaitFor(POLLOUT, absl::Now() + options_.connect_timeout)) {
    Disconnect();
    return Lost("connect timed out", nullptr);
  }
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(context_->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
    Disconnect();
    return absl::UnavailableError(
        absl::StrCat("invalidation bus cannot connect to Redis: ", std::strerror(error)));
  }
  if (!options_.password.empty()) {
    redisAppendCommand(context_, "AUTH %b", options_.password.data(), options_.password.size());
  }
  redisAppendCommand(context_, "SUBSCRIBE %b", options_.channel.data(), options_.channel.size());
  const absl::Time deadline = absl::Now() + options_.command_timeout;
  absl::Status status = Flush(deadline);
  bool subscribed = false;
  bool pong = false;
  while (status.ok() && !subscribed) {
    if (!WaitFor(POLLIN, deadline)) {
      status = Lost("SUBSCRIBE timed out", nullptr);
      break;
    }
    status = ReadReplies(&subscribed, &pong);
  }
  if (!status.ok()) Disconnect();
  return status;
}

absl::Status BusSubscriber::Serve() {
  absl::Time next_ping = absl::Now() + options_.bus_heartbeat_interval;
  absl::Time pong_deadline = absl::InfiniteFuture();  // finite while a PING is unanswered
  while (!stopping()) {
    const absl::Time now = absl::Now();
    if (now >= pong_deadline) return Lost("PING unanswered", nullptr);
    if (pong_deadline == absl::InfiniteFuture() && now >= next_ping) {
      redisAppendCommand(context_, "PING");
      if (absl::Status flushed = Flush(now + options_.command_timeout); !flushed.ok()) return flushed;
      pong_deadline = now + options_.command_timeout;
    }
    pollfd fd{.fd = context_->fd, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(kSlice)));
    if (ready < 0 && errno != EINTR) return Lost("poll failed", nullptr);
    if (ready <= 0) continue;
    bool subscribed = false;
    bool pong = false;
    if (absl::Status read = ReadReplies(&subscribed, &pong); !read.ok()) return read;
    if (pong) {
      pong_deadline = absl::InfiniteFuture();
      next_ping = absl::Now() + options_.bus_heartbeat_interval;
    }
  }
  return absl::OkStatus();
}

absl::Status BusSubscriber::ReadReplies(bool* subscribed, bool* pong) {
  if (redisBufferRead(context_) != REDIS_OK) return Lost("read failed", context_);
  while (true) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) {
      return Lost("protocol error", context_);
    }
    if (raw == nullptr) return absl::OkStatus();
    std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw), freeReplyObject);
    if (reply->type == REDIS_REPLY_ERROR && !connected_.load(std::memory_order_acquire)) {
      // AUTH or SUBSCRIBE refused during the handshake.
      return absl::UnavailableError(absl::StrCat(
          "invalidation bus: Redis refused the subscription: ",
          absl::string_view(reply->str != nullptr ? reply->str : "", reply->len)));
    }
    HandleReply(*reply, subscribed, pong);
  }
}

void BusSubscriber::HandleReply(const redisReply& reply, bool* subscribed, bool* pong) {
  if (reply.type == REDIS_REPLY_STATUS) return;  // +OK to AUTH
  if (ElementIs(reply, 0, "message") && reply.elements == 3) {
    const redisReply* payload = reply.element[2];
    if (payload == nullptr || payload->type != REDIS_REPLY_STRING) {
      counters_->malformed_messages.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    absl::StatusOr<std::vector<KeyVersion>> changes =
        DecodeBusMessage(std::string_view(payload->str, payload->len));
    if (!changes.ok()) {
      counters_->malformed_messages.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    for (const KeyVersion& change : *changes) {
      counters_->delivered_changes.fetch_add(1, std::memory_order_relaxed);
      handlers_.on_invalidate(change.key, change.version);
    }
    return;
  }
  if (ElementIs(reply, 0, "subscribe")) {
    *subscribed = true;
    return;
  }
  if (ElementIs(reply, 0, "pong")) {
    *pong = true;
    return;
  }
  // Anything else (an error after subscribing, an unknown push) is ignored.
  counters_->malformed_messages.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace marquee::redis::internal
