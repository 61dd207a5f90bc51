// RedisInvalidationBus against a real redis-server: delivery between bus
// instances, malformed messages, and the gap protocol when Redis dies,
// hangs and comes back. Subscriptions run their own threads, so every case
// is in the "concurrent" suite (the TSan stage runs them).
#include "marquee/redis/invalidation_bus.h"

#include <doctest/doctest.h>

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "support/redis_server.h"

namespace marquee::redis {
namespace {

using marquee::test::RedisServer;

std::unique_ptr<RedisInvalidationBus> OpenBus(const RedisOptions& options) {
  absl::StatusOr<std::unique_ptr<RedisInvalidationBus>> bus = OpenRedisInvalidationBus(options);
  REQUIRE_MESSAGE(bus.ok(), bus.status().ToString());
  return *std::move(bus);
}

RedisOptions Local(const RedisServer& server) {
  RedisOptions options{.port = server.port()};
  options.retry_after = absl::Milliseconds(50);
  options.command_timeout = absl::Milliseconds(500);  // generous for sanitizers
  return options;
}

// Whether `condition` became true within `timeout`.
bool Eventually(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(5)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

// Records what a subscription delivers.
class Recorder {
 public:
  InvalidationBus::Handlers Handlers() {
    return {.on_invalidate = [this](std::string_view key, uint64_t version) {
              std::lock_guard<std::mutex> lock(mu_);
              changes_.push_back({.key = std::string(key), .version = version});
            },
            .on_gap = [this] {
              std::lock_guard<std::mutex> lock(mu_);
              ++gaps_;
            }};
  }
  std::vector<KeyVersion> changes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return changes_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return changes_.size();
  }
  int gaps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return gaps_;
  }
  bool Saw(const std::string& key, uint64_t version) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const KeyVersion& change : changes_) {
      if (change.key == key && change.version == version) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mu_;  // not absl::Mutex: TSan cannot see Debian's Abseil
  std::vector<KeyVersion> changes_;
  int gaps_ = 0;
};

std::unique_ptr<InvalidationBus::Subscription> SubscribeOrDie(InvalidationBus& bus, Recorder& recorder) {
  auto subscription = bus.Subscribe(recorder.Handlers());
  REQUIRE_MESSAGE(subscription.ok(), subscription.status().ToString());
  return *std::move(subscription);
}

}  // namespace

TEST_SUITE("RedisInvalidationBus") {

TEST_CASE("Changes published on one bus reach every subscriber of another" *
          doctest::test_suite("concurrent")) {
  RedisServer server;
  auto publisher = OpenBus(Local(server));
  auto receiver = OpenBus(Local(server));
  Recorder near;
  Recorder far;
  Recorder far2;
  auto near_sub = SubscribeOrDie(*publisher, near);
  auto far_sub = SubscribeOrDie(*receiver, far);
  auto far_sub2 = SubscribeOrDie(*receiver, far2);
  CHECK(near_sub->connected());
  CHECK(far_sub->connected());

  const std::vector<KeyVersion> changes = {
      {.key = "campaigns/spring", .version = 41},
      {.key = std::string("odd\tkey\nwith\0nul", 17), .version = 42},
  };
  REQUIRE(publisher->Publish(changes).ok());
  CHECK(Eventually([&] { return far.count() == 2 && far2.count() == 2 && near.count() == 2; }));
  const std::vector<KeyVersion> got = far.changes();
  REQUIRE(got.size() == 2);
  CHECK(got[0].key == "campaigns/spring");
  CHECK(got[0].version == 41);
  CHECK(got[1].key == changes[1].key);
  CHECK(got[1].version == 42);
  CHECK(far.gaps() == 0);
  CHECK(publisher->stats().published_changes == 2);
  CHECK(publisher->stats().published_messages == 1);
  CHECK(receiver->stats().delivered_changes == 4);
  CHECK(receiver->stats().subscribes == 2);
  CHECK(publisher->Publish({}).ok());
}

TEST_CASE("A large batch arrives whole and in order" * doctest::test_suite("concurrent")) {
  RedisServer server;
  auto bus = OpenBus(Local(server));
  Recorder recorder;
  auto subscription = SubscribeOrDie(*bus, recorder);
  std::vector<KeyVersion> changes;
  for (uint64_t i = 0; i < 5000; ++i) {
    changes.push_back({.key = "polls/" + std::string(30, 'p') + std::to_string(i), .version = i + 1});
  }
  REQUIRE(bus->Publish(changes).ok());
  CHECK(bus->stats().published_messages > 1);
  REQUIRE(Eventually([&] { return recorder.count() == changes.size(); }));
  const std::vector<KeyVersion> got = recorder.changes();
  for (size_t i = 0; i < changes.size(); ++i) {
    CHECK(got[i].key == changes[i].key);
    CHECK(got[i].version == changes[i].version);
  }
}

TEST_CASE("Malformed messages are ignored and counted" * doctest::test_suite("concurrent")) {
  RedisServer server;
  auto bus = OpenBus(Local(server));
  Recorder recorder;
  auto subscription = SubscribeOrDie(*bus, recorder);
  const std::string channel = "marquee:invalidations";
  for (const std::string& garbage :
       {std::string("hello"), std::string(""), std::string("MQI1"), std::string("MQI1000000000000000"),
        std::string("MQI10000000000000001ffffffffk"), std::string(100'000, '\xff')}) {
    CHECK(server.Command({"PUBLISH", channel, garbage}) == "1");
  }
  REQUIRE(bus->Publish(std::vector<KeyVersion>{{.key = "after", .version = 5}}).ok());
  REQUIRE(Eventually([&] { return recorder.Saw("after", 5); }));
  CHECK(recorder.count() == 1);
  CHECK(bus->stats().malformed_messages == 6);
  CHECK(subscription->connected());
  CHECK(recorder.gaps() == 0);
}

TEST_CASE("Subscribe needs both handlers" * doctest::test_suite("concurrent")) {
  auto bus = OpenBus({.port = 1});
  InvalidationBus::Handlers no_gap;
  no_gap.on_invalidate = [](std::string_view, uint64_t) {};
  CHECK(absl::IsInvalidArgument(bus->Subscribe(no_gap).status()));
  InvalidationBus::Handlers no_invalidate;
  no_invalidate.on_gap = [] {};
  CHECK(absl::IsInvalidArgument(bus->Subscribe(no_invalidate).status()));
}

TEST_CASE("A killed Redis calls on_gap and after the restart the subscriber resubscribes then calls on_gap "
          "again and delivers" * doctest::test_suite("concurrent")) {
  RedisServer server;
  auto bus = OpenBus(Local(server));
  Recorder recorder;
  auto subscription = SubscribeOrDie(*bus, recorder);
  REQUIRE(subscription->connected());
  REQUIRE(bus->Publish(std::vector<KeyVersion>{{.key = "before", .version = 1}}).ok());
  REQUIRE(Eventually([&] { return recorder.Saw("before", 1); }));

  server.Stop(RedisServer::StopMode::kKill);
  CHECK(Eventually([&] { return !subscription->connected() && recorder.gaps() == 1; }));
  CHECK(absl::IsUnavailable(bus->Publish(std::vector<KeyVersion>{{.key = "lost", .version = 2}})));
  absl::SleepFor(absl::Milliseconds(150));  // several failed reconnection attempts
  CHECK(recorder.gaps() == 1);
  CHECK_FALSE(subscription->connected());

  server.Start();
  CHECK(Eventually([&] { return subscription->connected() && recorder.gaps() == 2; }));
  // Publishing fails fast until retry_after has passed, then works.
  REQUIRE(Eventually([&] {
    return bus->Publish(std::vector<KeyVersion>{{.key = "after", .version = 3}}).ok();
  }));
  CHECK(Eventually([&] { return recorder.Saw("after", 3); }));
  CHECK_FALSE(recorder.Saw("lost", 2));
  CHECK(bus->stats().subscribes == 2);
  CHECK(bus->stats().gaps == 2);
}

TEST_CASE("A hung Redis is noticed by the heartbeat" * doctest::test_suite("concurrent")) {
  RedisServer server;
  RedisOptions options = Local(server);
  options.bus_heartbeat_interval = absl::Milliseconds(50);
  options.command_timeout = absl::Milliseconds(200);
  auto bus = OpenBus(options);
  Recorder recorder;
  auto subscription = SubscribeOrDie(*bus, recorder);
  REQUIRE(subscription->connected());
  absl::SleepFor(absl::Milliseconds(300));  // heartbeats answered: still connected
  CHECK(subscription->connected());
  CHECK(recorder.gaps() == 0);

  server.Pause();
  CHECK(Eventually([&] { return !subscription->connected() && recorder.gaps() == 1; }));
  server.Resume();
  CHECK(Eventually([&] { return subscription->connected() && recorder.gaps() == 2; }));
  REQUIRE(Eventually([&] {
    return bus->Publish(std::vector<KeyVersion>{{.key = "k", .version = 9}}).ok();
  }));
  CHECK(Eventually([&] { return recorder.Saw("k", 9); }));
}

TEST_CASE("Subscribing while Redis is down succeeds and once it is up on_gap and deliveries follow" *
          doctest::test_suite("concurrent")) {
  RedisServer server;
  server.Stop();
  auto bus = OpenBus(Local(server));
  Recorder recorder;
  auto subscription = SubscribeOrDie(*bus, recorder);
  CHECK_FALSE(subscription->connected());
  CHECK(recorder.gaps() == 0);
  server.Start();
  CHECK(Eventually([&] { return subscription->connected() && recorder.gaps() == 1; }));
  REQUIRE(Eventually([&] {
    return bus->Publish(std::vector<KeyVersion>{{.key = "k", .version = 1}}).ok();
  }));
  CHECK(Eventually([&] { return recorder.Saw("k", 1); }));
}

TEST_CASE("Destroying a subscription is prompt whether connected or reconnecting" *
          doctest::test_suite("concurrent")) {
  RedisServer server;
  RedisOptions options = Local(server);
  options.retry_after = absl::Seconds(10);          // a long backoff must not delay shutdown
  options.bus_heartbeat_interval = absl::Seconds(10);
  auto bus = OpenBus(options);
  {
    Recorder recorder;
    auto subscription = SubscribeOrDie(*bus, recorder);
    REQUIRE(subscription->connected());
    const absl::Time start = absl::Now();
    subscription.reset();
    CHECK(absl::Now() - start < absl::Milliseconds(200));
  }
  server.Stop();
  {
    Recorder recorder;
    auto subscription = SubscribeOrDie(*bus, recorder);
    CHECK_FALSE(subscription->connected());
    absl::SleepFor(absl::Milliseconds(30));  // inside the backoff
    const absl::Time start = absl::Now();
    subscription.reset();
    CHECK(absl::Now() - start < absl::Milliseconds(200));
  }
}

TEST_CASE("The bus authenticates when a password is set" * doctest::test_suite("concurrent")) {
  RedisServer server({.password = "s3cret"});
  RedisOptions options = Local(server);
  options.password = "s3cret";
  auto bus = OpenBus(options);
  Recorder recorder;
  auto subscription = SubscribeOrDie(*bus, recorder);
  CHECK(subscription->connected());
  REQUIRE(bus->Publish(std::vector<KeyVersion>{{.key = "k", .version = 1}}).ok());
  CHECK(Eventually([&] { return recorder.Saw("k", 1); }));

  options.password = "wrong";
  auto refused = OpenBus(options);
  Recorder nobody;
  auto denied = SubscribeOrDie(*refused, nobody);
  CHECK_FALSE(denied->connected());
  CHECK(absl::IsUnavailable(refused->Publish(std::vector<KeyVersion>{{.key = "k", .version = 2}})));
}

}  // TEST_SUITE("RedisInvalidationBus")

}  // namespace marquee::redis
