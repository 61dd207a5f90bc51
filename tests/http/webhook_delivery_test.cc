// Webhooks over real sockets: WebhookService with MakeWebhookSender posting
// to a cpp-httplib receiver on 127.0.0.1, which verifies each signature.
// Covers the signed POST (path and query kept), retries after a 500 and a
// timeout, an unreachable receiver paused after its failures, redirects not
// followed, and a huge answer body left unread.
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/http/webhook_sender.h"
#include "marquee/memory_store.h"

namespace marquee::http {
namespace {

using campaign::WebhookDelivery;
using campaign::WebhookDeliveryState;
using campaign::WebhookService;
using campaign::WebhookServiceOptions;
using campaign::WebhookSubscription;

bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

// A cpp-httplib server on 127.0.0.1 that checks every POST's signature with
// the subscription's secret and answers through `answer`.
struct Receiver {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::string secret;
  int posts = 0;
  int valid_signatures = 0;
  std::vector<std::string> paths;
  std::vector<std::string> tokens;
  std::function<void(int attempt, httplib::Response&)> answer =
      [](int, httplib::Response& res) { res.status = 204; };

  Receiver() {
    server.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int attempt;
      std::function<void(int, httplib::Response&)> respond;
      {
        std::lock_guard lock(mu);
        attempt = ++posts;
        paths.push_back(req.path);
        tokens.push_back(req.get_param_value("token"));
        if (campaign::VerifyWebhookSignature(
                secret, req.get_header_value("webhook-id"),
                req.get_header_value("webhook-timestamp"),
                req.get_header_value("webhook-signature"), req.body, absl::Now())
                .ok() &&
            req.get_header_value("Content-Type") == "application/json") {
          ++valid_signatures;
        }
        respond = answer;
      }
      respond(attempt, res);
    });
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    REQUIRE(Eventually([this] { return server.is_running(); }));
  }
  ~Receiver() {
    server.stop();
    thread.join();
  }
  void SetSecret(std::string s) {
    std::lock_guard lock(mu);
    secret = std::move(s);
  }
  void SetAnswer(std::function<void(int, httplib::Response&)> a) {
    std::lock_guard lock(mu);
    answer = std::move(a);
  }
  int Posts() {
    std::lock_guard lock(mu);
    return posts;
  }
  int Valid() {
    std::lock_guard lock(mu);
    return valid_signatures;
  }
};

struct Fixture {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<campaign::WebhookSender> sender =
      MakeWebhookSender({.connect_timeout = absl::Milliseconds(500),
                         .timeout = absl::Milliseconds(400)});
  std::unique_ptr<WebhookService> hooks;

  explicit Fixture(WebhookServiceOptions options = {}) {
    auto s = OpenMemoryStore({});
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = *std::move(s);
    options.sender = sender.get();
    options.initial_backoff = absl::Milliseconds(50);
    options.max_backoff = absl::Milliseconds(200);
    options.min_backoff = absl::Milliseconds(10);
    options.tick = absl::Milliseconds(10);
    auto h = WebhookService::Open(store.get(), options);
    REQUIRE_MESSAGE(h.ok(), h.status().ToString());
    hooks = *std::move(h);
  }

  WebhookSubscription Subscribe(std::string url) {
    auto sub = hooks->CreateSubscription(
        {.id = "s1", .url = std::move(url), .events = {"campaign.changed"}});
    REQUIRE_MESSAGE(sub.ok(), sub.status().ToString());
    REQUIRE(hooks->Start().ok());
    return *sub;
  }

  void PutCampaign(const std::string& id) {
    WriteBatch batch;
    batch.Put(std::string(campaign::kCampaignsCollection), id, *Json::Parse(R"({"name":"n"})"));
    REQUIRE(store->Write(batch).ok());
  }

  // The one delivery of s1, once the service has recorded it.
  std::optional<WebhookDelivery> Only() {
    auto page = hooks->ListDeliveries("s1", 10, "");
    if (!page.ok() || page->deliveries.size() != 1) return std::nullopt;
    return page->deliveries[0];
  }
  bool OnlyIs(WebhookDeliveryState state) {
    std::optional<WebhookDelivery> d = Only();
    return d.has_value() && d->state == state;
  }
};

TEST_CASE("webhooks: signed POSTs reach a real receiver, path and query kept") {
  Receiver receiver;
  Fixture f;
  WebhookSubscription sub =
      f.Subscribe(absl::StrCat("http://127.0.0.1:", receiver.port, "/hooks/marquee?token=abc"));
  receiver.SetSecret(sub.secret);
  f.PutCampaign("spring");
  f.PutCampaign("autumn");
  REQUIRE(Eventually([&] { return receiver.Posts() == 2; }));
  CHECK(receiver.Valid() == 2);
  {
    std::lock_guard lock(receiver.mu);
    CHECK(receiver.paths[0] == "/hooks/marquee");
    CHECK(receiver.tokens[0] == "abc");
  }
  // The log records each outcome (just after the counters move).
  REQUIRE(Eventually([&] {
    auto page = f.hooks->ListDeliveries("s1", 10, "");
    return page.ok() && page->deliveries.size() == 2 &&
           std::all_of(page->deliveries.begin(), page->deliveries.end(),
                       [](const WebhookDelivery& d) {
                         return d.state == WebhookDeliveryState::kSucceeded && d.last_status == 204;
                       });
  }));
  CHECK(f.hooks->stats().succeeded == 2);
}

TEST_CASE("webhooks: a 500 and a timeout are retried, then the delivery succeeds") {
  Receiver receiver;
  receiver.SetAnswer([](int attempt, httplib::Response& res) {
    if (attempt == 1) {
      res.status = 500;
    } else if (attempt == 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past the 400 ms timeout
      res.status = 200;
    } else {
      res.status = 200;
    }
  });
  Fixture f;
  receiver.SetSecret(f.Subscribe(absl::StrCat("http://127.0.0.1:", receiver.port, "/")).secret);
  f.PutCampaign("c");
  REQUIRE(Eventually([&] { return f.OnlyIs(WebhookDeliveryState::kSucceeded); }));
  const WebhookDelivery d = *f.Only();
  CHECK(d.attempts == 3);
  CHECK(d.last_status == 200);
  CHECK(receiver.Valid() >= 3);
}

TEST_CASE("webhooks: an unreachable receiver fails with the reason and is paused") {
  // A port nobody listens on: bind a socket to a free one, then close it.
  int dead_port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    dead_port = ntohs(address.sin_port);
    ::close(fd);
  }
  REQUIRE(dead_port > 0);
  Fixture f({.pause_after_failures = 3, .delivery_threads = 1});
  f.Subscribe(absl::StrCat("http://127.0.0.1:", dead_port, "/"));
  f.PutCampaign("c");
  REQUIRE(Eventually([&] { return f.hooks->GetSubscription("s1")->paused; }));
  const WebhookSubscription paused = *f.hooks->GetSubscription("s1");
  CHECK(paused.consecutive_failures == 3);
  CHECK(paused.paused_reason.find("could not connect") != std::string::npos);
  REQUIRE(f.Only().has_value());
  const WebhookDelivery d = *f.Only();
  CHECK(d.state == WebhookDeliveryState::kPending);
  CHECK(d.attempts == 3);
  CHECK(d.last_status == 0);
  CHECK_MESSAGE(d.last_error.find("could not connect") != std::string::npos, d.last_error);
}

TEST_CASE("webhooks: redirects are not followed and a huge answer is not read") {
  Receiver receiver;
  std::atomic<size_t> provided{0};
  std::atomic<int> redirected_hits{0};
  receiver.server.Post("/elsewhere", [&](const httplib::Request&, httplib::Response& res) {
    redirected_hits.fetch_add(1);
    res.status = 200;
  });
  receiver.SetAnswer([&](int attempt, httplib::Response& res) {
    if (attempt == 1) {
      res.status = 307;
      res.set_header("Location", "/elsewhere");
      return;
    }
    // 200 with a 64 MiB body produced on demand.
    res.status = 200;
    res.set_content_provider(
        size_t{64} << 20, "application/octet-stream",
        [&](size_t offset, size_t, httplib::DataSink& sink) {
          static const std::string chunk(64 << 10, 'x');
          provided.fetch_add(chunk.size());
          return offset < (size_t{64} << 20) && sink.write(chunk.data(), chunk.size());
        });
  });
  Fixture f;
  receiver.SetSecret(f.Subscribe(absl::StrCat("http://127.0.0.1:", receiver.port, "/hooks")).secret);
  f.PutCampaign("c");
  REQUIRE(Eventually([&] { return f.OnlyIs(WebhookDeliveryState::kSucceeded); }));
  const WebhookDelivery d = *f.Only();
  CHECK(d.attempts == 2);
  CHECK(redirected_hits.load() == 0);
  CHECK(provided.load() < (size_t{64} << 20));
}

TEST_CASE("webhooks: the sender refuses what is not an http(s) URL") {
  auto sender = MakeWebhookSender();
  CHECK(sender->Post({.url = "ftp://127.0.0.1/"}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(sender->Post({.url = "no scheme"}).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace marquee::http
