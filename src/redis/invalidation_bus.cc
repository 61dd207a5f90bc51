// RedisInvalidationBus: Publish on the pool, Subscribe on BusSubscriber.
#include "marquee/redis/invalidation_bus.h"

#include <atomic>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "redis/bus_message.h"
#include "redis/bus_subscriber.h"
#include "redis/connection_pool.h"

namespace marquee::redis {

struct RedisInvalidationBus::Impl {
  explicit Impl(const RedisOptions& o)
      : options(o), pool(o, /*select_database=*/false), counters(std::make_shared<internal::BusCounters>()) {}

  const RedisOptions options;
  internal::ConnectionPool pool;
  std::shared_ptr<internal::BusCounters> counters;
  std::atomic<uint64_t> published_changes{0};
  std::atomic<uint64_t> published_messages{0};
};

absl::StatusOr<std::unique_ptr<RedisInvalidationBus>> OpenRedisInvalidationBus(
    const RedisOptions& options) {
  if (absl::Status valid = ValidateRedisOptions(options); !valid.ok()) return valid;
  return std::unique_ptr<RedisInvalidationBus>(
      new RedisInvalidationBus(std::make_unique<RedisInvalidationBus::Impl>(options)));
}

RedisInvalidationBus::RedisInvalidationBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisInvalidationBus::~RedisInvalidationBus() = default;

absl::Status RedisInvalidationBus::Publish(std::span<const KeyVersion> changes) {
  if (changes.empty()) return absl::OkStatus();
  for (const KeyVersion& change : changes) {
    if (change.key.size() > internal::kBusMaxKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat("cannot publish a key of ", change.key.size(),
                                                     " bytes; the bus carries keys up to ",
                                                     internal::kBusMaxKeyBytes));
    }
  }
  std::vector<internal::Command> commands;
  for (std::string& message : internal::EncodeBusMessages(changes)) {
    commands.push_back({"PUBLISH", impl_->options.channel, std::move(message)});
  }
  absl::StatusOr<std::vector<internal::Reply>> replies = impl_->pool.Run(commands);
  if (!replies.ok()) return replies.status();
  for (const internal::Reply& reply : *replies) {
    if (internal::IsError(*reply)) {
      const std::string_view text = internal::ReplyText(*reply);
      return absl::UnavailableError(absl::StrCat("Redis refused PUBLISH: ",
                                                 absl::string_view(text.data(), text.size())));
    }
  }
  impl_->published_changes.fetch_add(changes.size(), std::memory_order_relaxed);
  impl_->published_messages.fetch_add(commands.size(), std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<InvalidationBus::Subscription>> RedisInvalidationBus::Subscribe(
    Handlers handlers) {
  if (!handlers.on_invalidate || !handlers.on_gap) {
    return absl::InvalidArgumentError("a bus subscription needs both on_invalidate and on_gap");
  }
  absl::StatusOr<std::unique_ptr<internal::BusSubscriber>> subscriber =
      internal::BusSubscriber::Start(impl_->options, std::move(handlers), impl_->counters);
  if (!subscriber.ok()) return subscriber.status();
  return std::unique_ptr<Subscription>(*std::move(subscriber));
}

InvalidationBusStats RedisInvalidationBus::stats() const {
  const internal::BusCounters& bus = *impl_->counters;
  const internal::PoolCounters& pool = impl_->pool.counters();
  return InvalidationBusStats{
      .published_changes = impl_->published_changes.load(std::memory_order_relaxed),
      .published_messages = impl_->published_messages.load(std::memory_order_relaxed),
      .publish_errors = pool.errors.load(std::memory_order_relaxed),
      .fast_failures = pool.fast_failures.load(std::memory_order_relaxed),
      .delivered_changes = bus.delivered_changes.load(std::memory_order_relaxed),
      .malformed_messages = bus.malformed_messages.load(std::memory_order_relaxed),
      .gaps = bus.gaps.load(std::memory_order_relaxed),
      .subscribes = bus.subscribes.load(std::memory_order_relaxed),
  };
}

}  // namespace marquee::redis
