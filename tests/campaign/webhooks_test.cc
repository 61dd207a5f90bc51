// WebhookService on a MemoryStore with a recording WebhookSender (the
// socket path is tested in tests/http/webhook_delivery_test.cc): signatures
// (the Standard Webhooks example), subscription validation, one signed POST
// per change, retries with backoff on a manual clock, giving up, pausing a
// failing subscriber and resuming it, poll closes and milestones, resuming
// from the saved position after a restart, and two services on one store
// sending each event exactly once. The cases that start the service (its
// feed and sender threads) are labelled "concurrent": TSan runs them.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/campaign/value.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'772'355'600);  // 2026-03-01T09:00:00Z

// Answers from a script (then `fallback`) and keeps every request.
class RecordingSender final : public WebhookSender {
 public:
  absl::StatusOr<int> Post(const WebhookRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    absl::StatusOr<int> answer = fallback_;
    if (!script_.empty()) {
      answer = script_.front();
      script_.pop_front();
    }
    cv_.notify_all();
    return answer;
  }
  void Script(std::vector<absl::StatusOr<int>> answers) {
    std::lock_guard lock(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  void SetFallback(absl::StatusOr<int> answer) {
    std::lock_guard lock(mu_);
    fallback_ = answer;
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  std::vector<WebhookRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Waits (real time) until at least n requests arrived.
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WebhookRequest> requests_;
  std::deque<absl::StatusOr<int>> script_;
  absl::StatusOr<int> fallback_ = 200;
};

std::string Header(const WebhookRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

Value ParsedBody(const WebhookRequest& r) {
  absl::StatusOr<Value> v = Value::Parse(r.body);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *v;
}

struct Fixture {
  ManualClock clock{kStart};
  std::unique_ptr<MemoryStore> store;
  RecordingSender sender;

  Fixture() {
    auto s = OpenMemoryStore({.clock = &clock});
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = *std::move(s);
  }

  WebhookServiceOptions Options() {
    return {.clock = &clock,
            .sender = &sender,
            .initial_backoff = absl::Seconds(1),
            .max_backoff = absl::Seconds(8),
            .min_backoff = absl::Milliseconds(500),
            .tick = absl::Milliseconds(5)};
  }

  std::unique_ptr<WebhookService> Open(WebhookServiceOptions options) {
    auto service = WebhookService::Open(store.get(), options);
    REQUIRE_MESSAGE(service.ok(), service.status().ToString());
    return *std::move(service);
  }

  void PutCampaign(const std::string& id, int priority) {
    WriteBatch batch;
    batch.Put(std::string(kCampaignsCollection), id,
              *Json::Parse(absl::StrCat(R"({"name":"n","priority":)", priority, "}")));
    REQUIRE(store->Write(batch).ok());
  }

  std::vector<WebhookDelivery> Log(WebhookService& service, const std::string& sub) {
    auto page = service.ListDeliveries(sub, 1000, "");
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    return page->deliveries;
  }
};

WebhookSubscription Sub(std::string id, std::vector<std::string> events) {
  return {.id = std::move(id), .url = "http://127.0.0.1:9/hooks", .events = std::move(events)};
}

TEST_CASE("signatures follow Standard Webhooks: the spec's example and verification") {
  // The example of the Standard Webhooks specification.
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string body = R"({"test": 2432232314})";
  absl::StatusOr<std::string> sig = SignWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
  REQUIRE(sig.ok());
  CHECK(*sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

  const absl::Time now = absl::FromUnixSeconds(1614265330);
  CHECK(VerifyWebhookSignature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", *sig, body, now)
            .ok());
  // One valid signature among several (a secret being rotated).
  CHECK(VerifyWebhookSignature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                               "v1,AAAA " + *sig, body, now)
            .ok());
  CHECK(VerifyWebhookSignature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", *sig,
                               body + " ", now)
            .code() == absl::StatusCode::kPermissionDenied);
  CHECK(VerifyWebhookSignature(secret, "msg_other", "1614265330", *sig, body, now).code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(VerifyWebhookSignature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", *sig, body,
                               now + absl::Minutes(6))
            .code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(VerifyWebhookSignature(secret, "m", "12x", *sig, body, now).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(SignWebhook("nope", "m", 1, body).status().code() == absl::StatusCode::kInvalidArgument);

  absl::StatusOr<std::string> fresh = GenerateWebhookSecret();
  REQUIRE(fresh.ok());
  CHECK(fresh->starts_with("whsec_"));
  CHECK(*fresh != *GenerateWebhookSecret());
}

TEST_CASE("subscription JSON is validated member by member") {
  auto parse = [](std::string_view text) {
    return WebhookSubscriptionFromJson("s1", *Json::Parse(text));
  };
  absl::StatusOr<WebhookSubscription> ok =
      parse(R"({"url":"https://example.org:8443/h?x=1","events":["poll.closed","*"],)"
            R"("milestones":[5,50],"description":"d"})");
  REQUIRE_MESSAGE(ok.ok(), ok.status().ToString());
  CHECK(ok->url == "https://example.org:8443/h?x=1");
  CHECK(ok->milestones == std::vector<int64_t>{5, 50});

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"events":["*"]})", "url"},
      {R"({"url":"ftp://h/","events":["*"]})", "url"},
      {R"({"url":"http://","events":["*"]})", "url"},
      {R"({"url":"http://user@h/","events":["*"]})", "url"},
      {R"({"url":"http://h:0/","events":["*"]})", "url"},
      {R"({"url":"http://h:99999/","events":["*"]})", "url"},
      {R"({"url":"http://h/#frag","events":["*"]})", "url"},
      {R"({"url":"http://h/a b","events":["*"]})", "url"},
      {R"({"url":"http://h/","events":[]})", "events"},
      {R"({"url":"http://h/","events":["campaign.exploded"]})", "events[0]"},
      {R"({"url":"http://h/","events":"*"})", "events"},
      {R"({"url":"http://h/","events":["*"],"milestones":[10,5]})", "milestones[1]"},
      {R"({"url":"http://h/","events":["*"],"milestones":[0]})", "milestones[0]"},
      {R"({"url":"http://h/","events":["*"],"milestones":[1.5]})", "milestones[0]"},
      {R"({"url":"http://h/","events":["*"],"secret":"plain"})", "secret"},
      {R"({"url":"http://h/","events":["*"],"colour":"red"})", "colour"},
      {R"([1,2])", "subscription"},
  };
  for (const auto& [text, member] : bad) {
    CAPTURE(text);
    absl::StatusOr<WebhookSubscription> s = parse(text);
    REQUIRE(s.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.status().message().find(member) != std::string_view::npos);
  }
}

TEST_CASE("a change sends one signed POST and the delivery log records it" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  auto hooks = f.Open(f.Options());
  absl::StatusOr<WebhookSubscription> sub = hooks->CreateSubscription(Sub("", {"campaign.changed"}));
  REQUIRE_MESSAGE(sub.ok(), sub.status().ToString());
  CHECK(sub->id.starts_with("wh_"));
  CHECK(sub->secret.starts_with("whsec_"));
  REQUIRE(hooks->Start().ok());
  CHECK(hooks->Start().ok());  // again: a no-op

  f.PutCampaign("spring", 5);
  REQUIRE(f.sender.WaitFor(1));
  const WebhookRequest r = f.sender.requests().front();
  CHECK(r.url == "http://127.0.0.1:9/hooks");
  const std::string id = Header(r, "webhook-id");
  CHECK(id.starts_with("campaign.changed/spring/"));
  CHECK(Header(r, "webhook-timestamp") == absl::StrCat(absl::ToUnixSeconds(kStart)));
  CHECK(VerifyWebhookSignature(sub->secret, id, Header(r, "webhook-timestamp"),
                               Header(r, "webhook-signature"), r.body, kStart)
            .ok());
  const Value body = ParsedBody(r);
  CHECK(body.Find("type")->as_string() == "campaign.changed");
  CHECK(body.Find("id")->as_string() == id);
  CHECK(body.GetPath("data.id")->as_string() == "spring");
  CHECK(body.GetPath("data.body.priority")->as_number() == 5);

  REQUIRE(Eventually([&] {
    auto log = f.Log(*hooks, sub->id);
    return log.size() == 1 && log[0].state == WebhookDeliveryState::kSucceeded;
  }));
  WebhookDelivery d = f.Log(*hooks, sub->id).front();
  CHECK(d.attempts == 1);
  CHECK(d.last_status == 200);
  CHECK(d.payload == r.body);
  // Other collections and event kinds send nothing.
  WriteBatch other;
  other.Put(std::string(kSegmentsCollection), "vip", *Json::Parse(R"({"name":"v"})"));
  REQUIRE(f.store->Write(other).ok());
  f.PutCampaign("autumn", 1);
  REQUIRE(f.sender.WaitFor(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(f.sender.count() == 2);
  CHECK(hooks->stats().succeeded == 2);
}

TEST_CASE("failed attempts are retried after a backoff until one succeeds" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  f.sender.Script({500, absl::UnavailableError("connection refused"), 204});
  auto hooks = f.Open(f.Options());
  auto sub = hooks->CreateSubscription(Sub("s1", {"*"}));
  REQUIRE(sub.ok());
  REQUIRE(hooks->Start().ok());
  f.PutCampaign("c", 1);
  REQUIRE(f.sender.WaitFor(1));
  // Not before the backoff (at least min_backoff): the clock has not moved.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(f.sender.count() == 1);
  REQUIRE(Eventually([&] {
    auto log = f.Log(*hooks, "s1");
    return log.size() == 1 && log[0].attempts == 1 && log[0].last_status == 500 &&
           log[0].next_attempt_at >= kStart + absl::Milliseconds(500) &&
           log[0].next_attempt_at <= kStart + absl::Seconds(1);
  }));
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(f.sender.WaitFor(2));
  REQUIRE(Eventually([&] { return f.Log(*hooks, "s1")[0].attempts == 2 &&
                                  f.Log(*hooks, "s1")[0].last_error.find("connection refused") !=
                                      std::string::npos; }));
  f.clock.Advance(absl::Seconds(2));
  REQUIRE(f.sender.WaitFor(3));
  REQUIRE(Eventually([&] {
    return f.Log(*hooks, "s1")[0].state == WebhookDeliveryState::kSucceeded;
  }));
  const std::vector<WebhookRequest> sent = f.sender.requests();
  // The same event, the same bytes; each attempt signed with its own time.
  CHECK(sent[0].body == sent[2].body);
  CHECK(Header(sent[0], "webhook-id") == Header(sent[2], "webhook-id"));
  CHECK(Header(sent[0], "webhook-timestamp") != Header(sent[2], "webhook-timestamp"));
  // The success resets the failure count (written just after the log).
  CHECK(Eventually([&] { return hooks->GetSubscription("s1")->consecutive_failures == 0; }));
}

TEST_CASE("a delivery that keeps failing stops after max_attempts" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  f.sender.SetFallback(503);
  WebhookServiceOptions options = f.Options();
  options.max_attempts = 3;
  auto hooks = f.Open(options);
  REQUIRE(hooks->CreateSubscription(Sub("s1", {"campaign.changed"})).ok());
  REQUIRE(hooks->Start().ok());
  f.PutCampaign("c", 1);
  for (int n = 1; n <= 3; ++n) {
    REQUIRE(f.sender.WaitFor(static_cast<size_t>(n)));
    // Advance only once the outcome is recorded (not just the claim, whose
    // next attempt is a minute-long lease): its backoff counts from the
    // clock's time then.
    REQUIRE(Eventually([&] {
      auto log = f.Log(*hooks, "s1");
      return log[0].attempts == n && log[0].last_status == 503 &&
             (log[0].state == WebhookDeliveryState::kFailed ||
              log[0].next_attempt_at <= f.clock.Now() + absl::Seconds(8));
    }));
    f.clock.Advance(absl::Seconds(10));
  }
  REQUIRE(Eventually([&] { return f.Log(*hooks, "s1")[0].state == WebhookDeliveryState::kFailed; }));
  f.clock.Advance(absl::Minutes(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(f.sender.count() == 3);
  const WebhookDelivery d = f.Log(*hooks, "s1")[0];
  CHECK(d.attempts == 3);
  CHECK(d.last_status == 503);
  CHECK(d.last_error == "HTTP 503");
  CHECK(hooks->stats().failed == 1);
}

TEST_CASE("a subscriber that keeps failing is paused and resuming sends what waited" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  f.sender.SetFallback(absl::UnavailableError("connection refused"));
  WebhookServiceOptions options = f.Options();
  options.pause_after_failures = 3;
  // One sender thread: no attempt is in flight when the pause is written, so
  // exactly pause_after_failures attempts are made.
  options.delivery_threads = 1;
  auto hooks = f.Open(options);
  REQUIRE(hooks->CreateSubscription(Sub("s1", {"campaign.changed"})).ok());
  REQUIRE(hooks->Start().ok());
  f.PutCampaign("a", 1);
  f.PutCampaign("b", 1);
  REQUIRE(Eventually([&] {
    f.clock.Advance(absl::Seconds(10));
    return hooks->GetSubscription("s1")->paused;
  }));
  const size_t sent_when_paused = f.sender.count();
  CHECK(sent_when_paused == 3);
  absl::StatusOr<WebhookSubscription> paused = hooks->GetSubscription("s1");
  CHECK(paused->consecutive_failures == 3);
  CHECK(paused->paused_reason.find("3 failed attempts in a row") != std::string::npos);
  CHECK(hooks->stats().paused == 1);

  // Paused: new events are recorded, nothing is sent however long we wait.
  f.PutCampaign("c", 1);
  REQUIRE(Eventually([&] { return f.Log(*hooks, "s1").size() == 3; }));
  for (int i = 0; i < 5; ++i) {
    f.clock.Advance(absl::Minutes(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(f.sender.count() == sent_when_paused);

  // The receiver is back; resume.
  f.sender.SetFallback(200);
  WebhookSubscription resume = *paused;
  resume.paused = false;
  absl::StatusOr<WebhookSubscription> resumed = hooks->UpdateSubscription(resume, paused->version);
  REQUIRE_MESSAGE(resumed.ok(), resumed.status().ToString());
  CHECK(resumed->consecutive_failures == 0);
  CHECK(resumed->paused_reason.empty());
  REQUIRE(Eventually([&] {
    auto log = f.Log(*hooks, "s1");
    return std::all_of(log.begin(), log.end(), [](const WebhookDelivery& d) {
      return d.state == WebhookDeliveryState::kSucceeded;
    });
  }));
  CHECK(f.sender.count() == sent_when_paused + 3);
}

TEST_CASE("polls send poll.closed (at once and when scheduled) and each milestone once" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  auto polls = PollService::Open(f.store.get(), {.clock = &f.clock});
  REQUIRE(polls.ok());
  Poll poll;
  poll.id = "colour";
  poll.question = "Colour?";
  poll.options = {{.key = "red", .label = "Red"}, {.key = "blue", .label = "Blue"}};
  REQUIRE((*polls)->CreatePoll(poll).ok());
  Poll later = poll;
  later.id = "later";
  later.closes_at = kStart + absl::Hours(1);
  REQUIRE((*polls)->CreatePoll(later).ok());

  auto hooks = f.Open(f.Options());
  REQUIRE(hooks->CreateSubscription(
                    {.id = "m", .url = "http://127.0.0.1:9/", .events = {"poll.milestone"},
                     .milestones = {2, 3, 10}})
              .ok());
  REQUIRE(hooks->CreateSubscription(Sub("c", {"poll.closed"})).ok());
  REQUIRE(hooks->Start().ok());

  for (const char* user : {"u1", "u2", "u3"}) REQUIRE((*polls)->Vote("colour", user, "red").ok());
  REQUIRE((*polls)->ClosePoll("colour").ok());
  REQUIRE(f.sender.WaitFor(3));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<std::string> ids;
  for (const WebhookRequest& r : f.sender.requests()) ids.push_back(Header(r, "webhook-id"));
  std::sort(ids.begin(), ids.end());
  REQUIRE(ids.size() == 3);
  CHECK(ids[0].starts_with("poll.closed/colour/"));
  CHECK(ids[1] == "poll.milestone/colour/2");
  CHECK(ids[2] == "poll.milestone/colour/3");
  for (const WebhookRequest& r : f.sender.requests()) {
    if (Header(r, "webhook-id").starts_with("poll.closed")) {
      CHECK(ParsedBody(r).GetPath("data.tally.total")->as_number() == 3);
      CHECK(ParsedBody(r).GetPath("data.tally.counts.red")->as_number() == 3);
    }
  }
  // The scheduled close fires when its time comes.
  f.clock.Advance(absl::Hours(2));
  REQUIRE(f.sender.WaitFor(4));
  CHECK(Header(f.sender.requests()[3], "webhook-id").starts_with("poll.closed/later/"));
}

TEST_CASE("a restarted service sends what changed while it was down and nothing twice" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  {
    auto hooks = f.Open(f.Options());
    REQUIRE(hooks->CreateSubscription(Sub("s1", {"campaign.changed"})).ok());
    REQUIRE(hooks->Start().ok());
    f.PutCampaign("a", 1);
    REQUIRE(Eventually([&] {
      auto log = f.Log(*hooks, "s1");
      return log.size() == 1 && log[0].state == WebhookDeliveryState::kSucceeded;
    }));
  }
  f.PutCampaign("b", 1);  // nobody watching
  auto hooks = f.Open(f.Options());
  REQUIRE(hooks->Start().ok());
  REQUIRE(f.sender.WaitFor(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(f.sender.count() == 2);
  CHECK(Header(f.sender.requests()[1], "webhook-id").starts_with("campaign.changed/b/"));
  CHECK(hooks->stats().feed_gaps == 0);
}

TEST_CASE("two services on one store send each event exactly once" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  WebhookServiceOptions options = f.Options();
  options.delivery_threads = 3;
  auto one = f.Open(options);
  options.name = "node-2";
  auto two = f.Open(options);
  REQUIRE(one->CreateSubscription(Sub("s1", {"campaign.changed"})).ok());
  REQUIRE(one->Start().ok());
  REQUIRE(two->Start().ok());
  constexpr int kChanges = 60;
  std::thread writer([&] {
    for (int i = 0; i < kChanges; ++i) f.PutCampaign(absl::StrCat("c", i), i);
  });
  writer.join();
  REQUIRE(f.sender.WaitFor(kChanges));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(f.sender.count() == kChanges);
  std::set<std::string> ids;
  for (const WebhookRequest& r : f.sender.requests()) ids.insert(Header(r, "webhook-id"));
  CHECK(ids.size() == kChanges);
}

TEST_CASE("subscriptions: update with versions / delete with the log / list pages / bounds" *
          doctest::test_suite("concurrent")) {
  Fixture f;
  WebhookServiceOptions options = f.Options();
  options.max_subscriptions = 2;
  auto hooks = f.Open(options);
  auto s1 = hooks->CreateSubscription(Sub("s1", {"campaign.changed"}));
  REQUIRE(s1.ok());
  CHECK(hooks->CreateSubscription(Sub("s1", {"*"})).status().code() ==
        absl::StatusCode::kAlreadyExists);
  REQUIRE(hooks->CreateSubscription(Sub("s2", {"*"})).ok());
  CHECK(hooks->CreateSubscription(Sub("s3", {"*"})).status().code() ==
        absl::StatusCode::kResourceExhausted);
  CHECK(hooks->ListSubscriptions()->size() == 2);
  CHECK(hooks->GetSubscription("nope").status().code() == absl::StatusCode::kNotFound);
  CHECK(hooks->GetSubscription("bad/id").status().code() == absl::StatusCode::kInvalidArgument);

  WebhookSubscription edit = *s1;
  edit.url = "https://example.org/new";
  edit.secret.clear();  // keeps the stored secret
  CHECK(hooks->UpdateSubscription(edit, s1->version + 1000).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  auto edited = hooks->UpdateSubscription(edit, s1->version);
  REQUIRE(edited.ok());
  CHECK(edited->url == "https://example.org/new");
  CHECK(edited->secret == s1->secret);
  edit.url = "gopher://x";
  CHECK(hooks->UpdateSubscription(edit, std::nullopt).status().code() ==
        absl::StatusCode::kInvalidArgument);

  REQUIRE(hooks->Start().ok());
  for (int i = 0; i < 5; ++i) f.PutCampaign(absl::StrCat("c", i), i);
  REQUIRE(Eventually([&] { return f.Log(*hooks, "s1").size() == 5; }));
  auto first = hooks->ListDeliveries("s1", 2, "");
  REQUIRE(first.ok());
  CHECK(first->deliveries.size() == 2);
  REQUIRE(!first->next_after.empty());
  auto second = hooks->ListDeliveries("s1", 10, first->next_after);
  REQUIRE(second.ok());
  CHECK(second->deliveries.size() == 3);
  CHECK(second->next_after.empty());
  CHECK(hooks->ListDeliveries("s1", 0, "").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(hooks->ListDeliveries("s1", 10, "s2/x").status().code() ==
        absl::StatusCode::kInvalidArgument);

  REQUIRE(hooks->DeleteSubscription("s1", std::nullopt).ok());
  CHECK(hooks->GetSubscription("s1").status().code() == absl::StatusCode::kNotFound);
  ScanResult left = *f.store->Scan({.collection = std::string(kWebhookDeliveriesCollection),
                                    .lower = RangeBound{.value = IndexValue::String("s1/")},
                                    .upper = RangeBound{.value = IndexValue::String("s10"),
                                                        .inclusive = false}});
  CHECK(left.records.empty());
}

TEST_CASE("options and start are checked") {
  Fixture f;
  CHECK(WebhookService::Open(nullptr).status().code() == absl::StatusCode::kInvalidArgument);
  for (auto change : std::vector<std::function<void(WebhookServiceOptions&)>>{
           [](auto& o) { o.max_attempts = 0; },
           [](auto& o) { o.initial_backoff = absl::ZeroDuration(); },
           [](auto& o) { o.max_backoff = absl::Milliseconds(1); },
           [](auto& o) { o.delivery_threads = 0; },
           [](auto& o) { o.name = "a/b"; },
           [](auto& o) { o.tick = absl::Hours(1); },
           [](auto& o) { o.default_milestones = {5, 5}; }}) {
    WebhookServiceOptions o = f.Options();
    change(o);
    CHECK(WebhookService::Open(f.store.get(), o).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  WebhookServiceOptions no_sender = f.Options();
  no_sender.sender = nullptr;
  auto hooks = f.Open(no_sender);
  CHECK(hooks->Start().code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace marquee::campaign
