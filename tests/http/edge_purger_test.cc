// EdgePurger (marquee/http/edge_purger.h): the key set (coalescing, the
// overflow fallback), the requests it builds for Varnish and CDNs, option
// checks, and the live purger against a real HTTP peer: a marquee Server on
// 127.0.0.1 whose host route records every purge request and answers what
// the test says (200, 503, 403, or slowly). The purger's thread and the
// store's watch thread run in those, so they are in the "concurrent" suite
// (the tsan preset runs them).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "http/purge_key_set.h"
#include "http/purge_target.h"
#include "marquee/http/edge_purger.h"
#include "marquee/memory_store.h"
#include "server_fixture.h"

namespace marquee::http {
namespace {

using internal::BuildPurgeRequests;
using internal::PurgeKeySet;
using internal::PurgeTarget;

// What the peer saw of one request.
struct Seen {
  std::string method;
  std::string target;
  std::string xkey;
  std::string token;
  std::string surrogate_key;
};

// The peer: a real Server whose host route records purge requests and
// answers the statuses queued in `script` (then 200).
struct PurgeRecorder {
  std::mutex mu;
  std::vector<Seen> seen;
  std::deque<int> script;
  absl::Duration delay = absl::ZeroDuration();
  std::unique_ptr<test::ServerFixture> fixture;

  PurgeRecorder() {
    ServerOptions options;
    options.host_routes = [this](const Request& request) -> std::optional<Response> {
      int status = 200;
      absl::Duration wait;
      {
        std::lock_guard lock(mu);
        const auto header = [&](std::string_view name) {
          return std::string(request.headers.Get(name).value_or(""));
        };
        seen.push_back({.method = request.method,
                        .target = request.target,
                        .xkey = header("xkey"),
                        .token = header("Fastly-Key"),
                        .surrogate_key = header("Surrogate-Key")});
        if (!script.empty()) {
          status = script.front();
          script.pop_front();
        }
        wait = delay;
      }
      if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
      Response response{.status = status};
      response.headers.Set("Content-Length", "0");
      return response;
    };
    fixture = std::make_unique<test::ServerFixture>(std::move(options));
  }

  // Set under the lock: the server's threads read them, and TSan sees no
  // order through the socket.
  void Answer(std::deque<int> statuses) {
    std::lock_guard lock(mu);
    script = std::move(statuses);
  }
  void Delay(absl::Duration d) {
    std::lock_guard lock(mu);
    delay = d;
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(fixture->port()); }

  std::vector<Seen> Snapshot() {
    std::lock_guard lock(mu);
    return seen;
  }

  // Waits up to `timeout` for at least `n` requests.
  std::vector<Seen> WaitFor(size_t n, absl::Duration timeout = absl::Seconds(5)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      std::vector<Seen> now = Snapshot();
      if (now.size() >= n) return now;
      absl::SleepFor(absl::Milliseconds(2));
    }
    return Snapshot();
  }
};

std::unique_ptr<MemoryStore> OpenStore() {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore({});
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

uint64_t Put(Store& store, std::string_view collection, std::vector<std::string> ids) {
  WriteBatch batch;
  for (const std::string& id : ids) {
    batch.Put(std::string(collection), id, *Json::Parse(R"({"n":1})"));
  }
  absl::StatusOr<uint64_t> v = store.Write(batch);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *v;
}

std::unique_ptr<EdgePurger> StartPurger(EdgePurgerOptions options) {
  absl::StatusOr<std::unique_ptr<EdgePurger>> purger = EdgePurger::Start(std::move(options));
  REQUIRE_MESSAGE(purger.ok(), purger.status().ToString());
  return *std::move(purger);
}

// The purger's stats once `done` holds of them (the peer sees a request
// before the purger has read its answer), or after 5 s.
template <typename Done>
EdgePurgerStats StatsWhen(const EdgePurger& purger, Done done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  EdgePurgerStats stats = purger.stats();
  while (!done(stats) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(2));
    stats = purger.stats();
  }
  return stats;
}

bool Settled(const EdgePurgerStats& s) { return s.pending_keys == 0 && s.purge_requests > 0; }

TEST_SUITE("http.edge_purger") {
  TEST_CASE("a change adds its collection and record keys once") {
    PurgeKeySet keys(100);
    keys.AddChange("campaigns", "spring");
    keys.AddChange("campaigns", "spring");
    keys.AddChange("features", "banner");
    keys.AddChange("campaigns", "has space");  // not key-safe: the collection key only
    CHECK(keys.Keys() ==
          std::vector<std::string>{"campaigns", "features", "campaigns/spring", "features/banner"});
    CHECK(keys.TakeOverflows() == 0);
  }

  TEST_CASE("overflowing record keys fall back to their collections whole") {
    PurgeKeySet keys(2);
    keys.AddChange("campaigns", "a");
    keys.AddChange("segments", "s");
    keys.AddChange("campaigns", "b");  // the third record key: overflow
    CHECK(keys.TakeOverflows() == 1);
    CHECK(keys.Keys() ==
          std::vector<std::string>{"campaigns", "segments", "campaigns/*", "segments/*"});
    // Later records of a collection purged whole add nothing; others do.
    keys.AddChange("campaigns", "c");
    keys.AddChange("features", "f");
    CHECK(keys.Keys() == std::vector<std::string>{"campaigns", "features", "segments",
                                                  "campaigns/*", "segments/*", "features/f"});
    PurgeKeySet again(10);
    for (const std::string& key : keys.Keys()) again.AddKey(key);
    CHECK(again.Keys() == keys.Keys());
  }

  TEST_CASE("varnish gets PURGE with xkey batches under the header limit") {
    absl::StatusOr<PurgeTarget> varnish = internal::ParseVarnishTarget("127.0.0.1:6081", "varnish[0]");
    REQUIRE(varnish.ok());
    CHECK(varnish->label == "varnish 127.0.0.1:6081");
    std::vector<internal::PurgeRequest> one = BuildPurgeRequests(*varnish, {"campaigns", "campaigns/spring"});
    REQUIRE(one.size() == 1);
    CHECK(one[0].method == "PURGE");
    CHECK(one[0].target == "/");
    REQUIRE(one[0].headers.size() == 1);
    CHECK(one[0].headers[0] == std::pair<std::string, std::string>{"xkey", "campaigns campaigns/spring"});
    std::vector<std::string> many;
    for (int i = 0; i < 1000; ++i) many.push_back("campaigns/campaign-number-" + std::to_string(i));
    std::vector<internal::PurgeRequest> split = BuildPurgeRequests(*varnish, many);
    CHECK(split.size() > 1);
    size_t total = 0;
    for (const internal::PurgeRequest& r : split) {
      CHECK(r.headers.back().second.size() <= internal::kMaxKeysHeaderBytes);
      total += r.keys;
    }
    CHECK(total == many.size());
    CHECK(internal::ParseVarnishTarget("[::1]:6081", "varnish[0]")->host == "::1");
  }

  TEST_CASE("a cdn template gets one request per encoded key or batches") {
    absl::StatusOr<PurgeTarget> per_key = internal::ParseCdnTarget(
        {.url_template = "https://cdn.example/service/s1/purge/{key}",
         .headers = {{"Fastly-Key", "secret-token"}}},
        "cdns[0]");
    REQUIRE(per_key.ok());
    CHECK(per_key->label == "cdn https://cdn.example:443");
    std::vector<internal::PurgeRequest> r = BuildPurgeRequests(*per_key, {"campaigns", "campaigns/*"});
    REQUIRE(r.size() == 2);
    CHECK(r[0].method == "POST");
    CHECK(r[0].target == "/service/s1/purge/campaigns");
    CHECK(r[1].target == "/service/s1/purge/campaigns%2F%2A");
    CHECK(r[1].headers[0].second == "secret-token");
    absl::StatusOr<PurgeTarget> batch = internal::ParseCdnTarget(
        {.url_template = "http://127.0.0.1:9/purge", .max_keys_per_request = 2}, "cdns[1]");
    REQUIRE(batch.ok());
    r = BuildPurgeRequests(*batch, {"a", "b", "c"});
    REQUIRE(r.size() == 2);
    CHECK(r[0].headers.back() == std::pair<std::string, std::string>{"Surrogate-Key", "a b"});
    CHECK(r[1].headers.back().second == "c");
  }

  TEST_CASE("bad options are InvalidArgument naming the option") {
    std::unique_ptr<MemoryStore> store = OpenStore();
    const auto error = [&](EdgePurgerOptions options) {
      absl::StatusOr<std::unique_ptr<EdgePurger>> p = EdgePurger::Start(std::move(options));
      REQUIRE_FALSE(p.ok());
      CHECK(absl::IsInvalidArgument(p.status()));
      return std::string(p.status().message());
    };
    CHECK(error({.varnish = {"127.0.0.1:1"}}).find("EdgePurgerOptions.store") == 0);
    CHECK(error({.store = store.get()}).find("EdgePurgerOptions.varnish: no target") == 0);
    CHECK(error({.store = store.get(), .varnish = {"localhost"}}).find("varnish[0]: 'localhost'") !=
          std::string::npos);
    CHECK(error({.store = store.get(), .varnish = {"h:70000"}}).find("varnish[0]") != std::string::npos);
    CHECK(error({.store = store.get(), .cdns = {{.url_template = "ftp://x/{key}"}}})
              .find("cdns[0].url_template") != std::string::npos);
    const std::string token_error =
        error({.store = store.get(),
               .cdns = {{.url_template = "https://x/p/{key}", .headers = {{"Fastly-Key", "bad\ntoken"}}}}});
    CHECK(token_error.find("cdns[0].headers[0]") != std::string::npos);
    CHECK(token_error.find("control characters") != std::string::npos);  // the rule, not the value
    CHECK(token_error.find("bad") == std::string::npos);
    CHECK(error({.store = store.get(), .cdns = {{.url_template = "https://x/p", .method = "PU T"}}})
              .find("cdns[0].method") != std::string::npos);
    CHECK(error({.store = store.get(), .varnish = {"127.0.0.1:1"}, .max_pending_keys = 0})
              .find("max_pending_keys") != std::string::npos);
    CHECK(error({.store = store.get(), .varnish = {"127.0.0.1:1"},
                 .initial_backoff = absl::Seconds(20), .max_backoff = absl::Seconds(10)})
              .find("initial_backoff") != std::string::npos);
    CHECK(error({.store = store.get(), .varnish = {"127.0.0.1:1"}, .collections = {"a/b"}})
              .find("collections[0]") != std::string::npos);
  }
}

TEST_SUITE("concurrent") {
  TEST_CASE("edge purger: a change is purged at varnish by its two keys") {
    PurgeRecorder varnish;
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::unique_ptr<EdgePurger> purger =
        StartPurger({.store = store.get(), .varnish = {varnish.address()}});
    const uint64_t v = Put(*store, "campaigns", {"spring"});
    std::vector<Seen> seen = varnish.WaitFor(1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "PURGE");
    CHECK(seen[0].target == "/");
    CHECK(seen[0].xkey == "campaigns campaigns/spring");
    // Untagged collections (votes, events, ...) purge nothing.
    Put(*store, "votes", {"v1"});
    absl::SleepFor(absl::Milliseconds(100));
    CHECK(varnish.Snapshot().size() == 1);
    const EdgePurgerStats stats = StatsWhen(*purger, Settled);
    CHECK(stats.changes_seen == 1);
    CHECK(stats.purge_requests == 1);
    CHECK(stats.keys_purged == 2);
    CHECK(stats.failures == 0);
    CHECK(stats.purged_version == v);
    CHECK(stats.pending_keys == 0);
    CHECK(stats.last_lag > absl::ZeroDuration());
  }

  TEST_CASE("edge purger: changes within the window go out in one purge per target") {
    PurgeRecorder varnish;
    PurgeRecorder cdn;
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::unique_ptr<EdgePurger> purger = StartPurger(
        {.store = store.get(),
         .varnish = {varnish.address()},
         .cdns = {{.url_template = "http://" + cdn.address() + "/purge/{key}",
                   .headers = {{"Fastly-Key", "token-123"}}}},
         .coalesce_window = absl::Seconds(1)});  // room for three writes on a loaded machine
    Put(*store, "campaigns", {"a"});
    Put(*store, "campaigns", {"b"});
    Put(*store, "features", {"banner"});
    std::vector<Seen> seen = varnish.WaitFor(1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].xkey == "campaigns features campaigns/a campaigns/b features/banner");
    std::vector<Seen> cdn_seen = cdn.WaitFor(5);
    REQUIRE(cdn_seen.size() == 5);
    CHECK(cdn_seen[0].method == "POST");
    CHECK(cdn_seen[0].target == "/purge/campaigns");
    CHECK(cdn_seen[2].target == "/purge/campaigns%2Fa");
    CHECK(cdn_seen[4].token == "token-123");
    absl::SleepFor(absl::Milliseconds(100));
    CHECK(varnish.Snapshot().size() == 1);
    CHECK(StatsWhen(*purger, [](const EdgePurgerStats& s) { return s.keys_purged >= 10; })
              .keys_purged == 10);
  }

  TEST_CASE("edge purger: an overflowing backlog purges the collections whole") {
    PurgeRecorder varnish;
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::unique_ptr<EdgePurger> purger =
        StartPurger({.store = store.get(),
                     .varnish = {varnish.address()},
                     .coalesce_window = absl::Milliseconds(200),
                     .max_pending_keys = 3});
    Put(*store, "campaigns", {"a", "b", "c", "d", "e"});
    std::vector<Seen> seen = varnish.WaitFor(1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].xkey == "campaigns campaigns/*");
    CHECK(StatsWhen(*purger, Settled).overflows == 1);
  }

  TEST_CASE("edge purger: a failing target is retried with backoff and keys merged") {
    PurgeRecorder varnish;
    varnish.Answer({503, 503});
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::unique_ptr<EdgePurger> purger =
        StartPurger({.store = store.get(),
                     .varnish = {varnish.address()},
                     .initial_backoff = absl::Milliseconds(50),
                     .max_backoff = absl::Milliseconds(200)});
    const absl::Time start = absl::Now();
    Put(*store, "campaigns", {"a"});
    std::vector<Seen> seen = varnish.WaitFor(3);
    REQUIRE(seen.size() == 3);
    // 50 ms, then 100 ms of backoff before the third attempt.
    CHECK(absl::Now() - start >= absl::Milliseconds(150));
    CHECK(seen[2].xkey == "campaigns campaigns/a");
    const EdgePurgerStats stats = StatsWhen(*purger, Settled);
    CHECK(stats.failures == 2);
    CHECK(stats.purge_requests == 1);
    CHECK(stats.keys_dropped == 0);
  }

  TEST_CASE("edge purger: keys are dropped after max_attempts failures in a row") {
    PurgeRecorder varnish;
    varnish.Answer({503, 503, 503});
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::unique_ptr<EdgePurger> purger =
        StartPurger({.store = store.get(),
                     .varnish = {varnish.address()},
                     .max_attempts = 2,
                     .initial_backoff = absl::Milliseconds(10)});
    Put(*store, "campaigns", {"a"});
    const EdgePurgerStats stats =
        StatsWhen(*purger, [](const EdgePurgerStats& s) { return s.keys_dropped > 0; });
    CHECK(stats.keys_dropped == 2);
    CHECK(stats.failures == 2);
    CHECK(stats.pending_keys == 0);
    // The target is not given up: the next change goes out (the third 503,
    // then a retry that succeeds).
    Put(*store, "campaigns", {"b"});
    std::vector<Seen> seen = varnish.WaitFor(4);
    REQUIRE(seen.size() == 4);
    CHECK(seen[3].xkey == "campaigns campaigns/b");
    CHECK(StatsWhen(*purger, Settled).purge_requests == 1);
  }

  TEST_CASE("edge purger: an unreachable target costs one request per attempt") {
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::mutex errors_mu;
    std::vector<std::string> errors;
    std::unique_ptr<EdgePurger> purger = StartPurger(
        {.store = store.get(),
         .cdns = {{.url_template = "http://127.0.0.1:1/purge/{key}"}},
         .max_attempts = 1,
         .on_error = [&](const absl::Status& s) {
           std::lock_guard lock(errors_mu);
           errors.push_back(std::string(s.message()));
         }});
    Put(*store, "campaigns", {"a", "b", "c"});  // 4 keys, 4 requests
    const EdgePurgerStats stats =
        StatsWhen(*purger, [](const EdgePurgerStats& s) { return s.keys_dropped > 0; });
    CHECK(stats.failures == 1);
    CHECK(stats.keys_dropped == 4);
    purger->Stop();
    std::lock_guard lock(errors_mu);
    REQUIRE(errors.size() == 2);  // the failed request, then the dropped keys
    CHECK(errors[0].find("cdn http://127.0.0.1:1: POST failed") == 0);
    CHECK(errors[1].find("dropped 4 keys") != std::string::npos);
  }

  TEST_CASE("edge purger: a refused purge is dropped and reported without secrets") {
    PurgeRecorder cdn;
    cdn.Answer({403});
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::mutex errors_mu;
    std::vector<std::string> errors;
    std::unique_ptr<EdgePurger> purger = StartPurger(
        {.store = store.get(),
         .cdns = {{.url_template = "http://" + cdn.address() + "/purge",
                   .headers = {{"Fastly-Key", "very-secret-token"}}}},
         .on_error = [&](const absl::Status& s) {
           std::lock_guard lock(errors_mu);
           errors.push_back(std::string(s.message()));
         }});
    Put(*store, "segments", {"vip"});
    REQUIRE(cdn.WaitFor(1).size() == 1);
    CHECK(cdn.Snapshot()[0].surrogate_key == "segments segments/vip");
    absl::SleepFor(absl::Milliseconds(200));
    CHECK(cdn.Snapshot().size() == 1);  // not retried
    CHECK(StatsWhen(*purger, [](const EdgePurgerStats& s) { return s.keys_dropped > 0; })
              .keys_dropped == 2);
    purger->Stop();
    std::lock_guard lock(errors_mu);
    REQUIRE_FALSE(errors.empty());
    CHECK(errors[0].find("answered 403") != std::string::npos);
    CHECK(errors[0].find("cdn http://127.0.0.1:") == 0);
    for (const std::string& e : errors) CHECK(e.find("very-secret-token") == std::string::npos);
  }

  TEST_CASE("edge purger: the purge waits until the caches applied the change") {
    PurgeRecorder varnish;
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::atomic<uint64_t> applied{0};
    std::unique_ptr<EdgePurger> purger = StartPurger(
        {.store = store.get(),
         .varnish = {varnish.address()},
         .wait_for_applied = [&](uint64_t v, absl::Duration timeout) {
           const absl::Time deadline = absl::Now() + timeout;
           while (applied.load() < v) {
             if (absl::Now() >= deadline) return absl::DeadlineExceededError("not yet");
             absl::SleepFor(absl::Milliseconds(1));
           }
           return absl::OkStatus();
         },
         .apply_timeout = absl::Seconds(5)});
    const uint64_t v = Put(*store, "features", {"banner"});
    absl::SleepFor(absl::Milliseconds(200));
    CHECK(varnish.Snapshot().empty());  // the cache has not applied v yet
    applied.store(v);
    REQUIRE(varnish.WaitFor(1).size() == 1);
    CHECK(StatsWhen(*purger, Settled).apply_timeouts == 0);
  }

  TEST_CASE("edge purger: caches that never apply delay the purge by apply_timeout only") {
    PurgeRecorder varnish;
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::unique_ptr<EdgePurger> purger = StartPurger(
        {.store = store.get(),
         .varnish = {varnish.address()},
         .wait_for_applied = [](uint64_t, absl::Duration timeout) {
           absl::SleepFor(timeout);
           return absl::DeadlineExceededError("never");
         },
         .apply_timeout = absl::Milliseconds(150)});
    Put(*store, "features", {"banner"});
    REQUIRE(varnish.WaitFor(1).size() == 1);
    CHECK(StatsWhen(*purger, Settled).apply_timeouts == 1);
  }

  TEST_CASE("edge purger: the real delivery view and read cache are waited for") {
    PurgeRecorder varnish;
    std::unique_ptr<MemoryStore> store = OpenStore();
    absl::StatusOr<std::unique_ptr<campaign::DeliveryView>> view =
        campaign::DeliveryView::Open(store.get());
    REQUIRE(view.ok());
    absl::StatusOr<std::unique_ptr<TieredCache>> cache = TieredCache::Open(store.get(), {});
    REQUIRE(cache.ok());
    std::unique_ptr<EdgePurger> purger = StartPurger({.store = store.get(),
                                                      .varnish = {varnish.address()},
                                                      .delivery_view = view->get(),
                                                      .read_cache = cache->get()});
    const uint64_t v = Put(*store, "features", {"banner"});
    REQUIRE(varnish.WaitFor(1).size() == 1);
    // By the time the edge was told, both had the change.
    CHECK((*view)->version() >= v);
    CHECK((*cache)->WaitForVersion(v, absl::ZeroDuration()).ok());
    CHECK(StatsWhen(*purger, Settled).apply_timeouts == 0);
  }

  TEST_CASE("edge purger: stop returns promptly with a slow or dead target") {
    PurgeRecorder slow;
    slow.Delay(absl::Seconds(3));
    std::unique_ptr<MemoryStore> store = OpenStore();
    std::unique_ptr<EdgePurger> purger =
        StartPurger({.store = store.get(),
                     .varnish = {slow.address(), "127.0.0.1:1"},
                     .request_timeout = absl::Milliseconds(200)});
    Put(*store, "campaigns", {"a"});
    REQUIRE(slow.WaitFor(1).size() == 1);
    const absl::Time start = absl::Now();
    purger->Stop();
    purger->Stop();  // idempotent
    CHECK(absl::Now() - start < absl::Seconds(2));
    CHECK(purger->stats().failures >= 1);
  }
}

}  // namespace
}  // namespace marquee::http
