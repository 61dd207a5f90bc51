// GET /v1/polls/{id}/stream at the Api level (no socket): headers, the
// first event, Last-Event-ID resume, a stale or malformed id, 404, HEAD,
// updates after a vote, live_streams().
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;

// A sink that keeps what is written.
class RecordingSink : public StreamSink {
 public:
  bool Write(std::string bytes) override {
    std::lock_guard lock(mu_);
    text_ += bytes;
    return true;
  }
  bool open() const override { return true; }
  std::string text() const {
    std::lock_guard lock(mu_);
    return text_;
  }
  // Waits up to 10 s until `needle` was written.
  bool WaitFor(const std::string& needle) const {
    for (int i = 0; i < 1000; ++i) {
      if (text().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

struct StreamFixture : ApiFixture {
  StreamFixture() : ApiFixture({.stream_heartbeat = absl::Milliseconds(50)}, {.polls = true}) {
    Response r = SendJson("POST", "/v1/polls",
                          R"({"id":"colour","question":"Which colour?","options":)"
                          R"([{"key":"red","label":"Red"},{"key":"blue","label":"Blue"}]})");
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  Response VoteFor(const std::string& user, const std::string& option) {
    return SendJson("POST", "/v1/polls/colour/votes",
                    R"({"user":")" + user + R"(","option":")" + option + R"("})");
  }
};

TEST_SUITE("http.poll_stream") {
  TEST_CASE("the stream answers text/event-stream and sends the current tally first") {
    StreamFixture f;
    REQUIRE(f.VoteFor("u1", "red").status == 201);
    const std::string version(*f.Get("/v1/polls/colour/results").headers.Get("ETag"));
    Response r = f.Get("/v1/polls/colour/stream");
    CHECK(r.status == 200);
    CHECK(r.headers.Get("Content-Type") == "text/event-stream");
    CHECK(r.headers.Get("Cache-Control") == "no-store");
    CHECK(r.body.empty());
    REQUIRE(r.stream != nullptr);
    auto sink = std::make_shared<RecordingSink>();
    r.stream->Start(sink);
    CHECK(f.api->live_streams() == 1);
    const std::string id = version.substr(1, version.size() - 2);
    INFO(sink->text());
    CHECK(sink->text().find("id: " + id + "\nevent: tally\ndata: "
                            R"({"poll":"colour","counts":{"blue":0,"red":1},"total":1})" "\n\n") == 0);
    REQUIRE(f.VoteFor("u2", "blue").status == 201);
    CHECK(sink->WaitFor(R"("total":2})"));
    CHECK(sink->WaitFor(": heartbeat\n\n"));
    r.stream->Stop();
    CHECK(f.api->live_streams() == 0);
  }

  TEST_CASE("an EventSource's key may come as access_token, and only on the stream") {
    const std::string admin = "admin-key-0123456789", delivery = "delivery-key-0123456789";
    ApiFixture f({.auth = {.keys = {{.name = "ops", .sha256_hex = HashApiKey(admin),
                                     .scope = ApiScope::kAdmin},
                                    {.name = "web", .sha256_hex = HashApiKey(delivery),
                                     .scope = ApiScope::kDelivery}}}},
                 {.polls = true});
    Request create{.method = "POST", .target = "/v1/polls",
                   .body = R"({"id":"colour","question":"Which colour?","options":)"
                           R"([{"key":"red"},{"key":"blue"}]})"};
    create.headers.Add("Authorization", "Bearer " + admin);
    create.headers.Add("Content-Type", "application/json");
    REQUIRE(f.api->Handle(create).status == 201);

    Response r =
        f.api->Handle({.method = "GET", .target = "/v1/polls/colour/stream?access_token=" + delivery});
    CHECK(r.status == 200);
    CHECK(r.stream != nullptr);
    CheckProblem(f.api->Handle({.method = "GET", .target = "/v1/polls/colour/stream"}), 401);
    CheckProblem(f.api->Handle({.method = "GET",
                                .target = "/v1/polls/colour/stream?access_token=" + admin}),
                 403);
    CheckProblem(f.api->Handle({.method = "GET",
                                .target = "/v1/polls/colour/results?access_token=" + delivery}),
                 401);
    // Other query parameters are still refused on the stream.
    CheckProblem(f.api->Handle({.method = "GET", .target = "/v1/polls/colour/stream?access_token=" +
                                                          delivery + "&since=3"}),
                 400);
  }

  TEST_CASE("Last-Event-ID of the current version sends nothing until an update") {
    StreamFixture f;
    REQUIRE(f.VoteFor("u1", "red").status == 201);
    const std::string etag(*f.Get("/v1/polls/colour/results").headers.Get("ETag"));
    const std::string id = etag.substr(1, etag.size() - 2);
    Response r = f.Get("/v1/polls/colour/stream", {{"Last-Event-ID", id}});
    REQUIRE(r.stream != nullptr);
    auto sink = std::make_shared<RecordingSink>();
    r.stream->Start(sink);
    CHECK(sink->text().find("event: tally") == std::string::npos);
    REQUIRE(f.VoteFor("u2", "red").status == 201);
    CHECK(sink->WaitFor(R"("total":2})"));
    r.stream->Stop();
  }

  TEST_CASE("a stale or malformed Last-Event-ID gets the current tally") {
    StreamFixture f;
    REQUIRE(f.VoteFor("u1", "red").status == 201);
    for (const char* id : {"1", "banana", "99999999"}) {
      CAPTURE(id);
      Response r = f.Get("/v1/polls/colour/stream", {{"Last-Event-ID", id}});
      REQUIRE(r.stream != nullptr);
      auto sink = std::make_shared<RecordingSink>();
      r.stream->Start(sink);
      CHECK(sink->text().find(R"("total":1})") != std::string::npos);
      r.stream->Stop();
    }
  }

  TEST_CASE("an unknown poll is 404 and HEAD has no stream") {
    StreamFixture f;
    Response missing = f.Get("/v1/polls/nope/stream");
    CheckProblem(missing, 404);
    CHECK(missing.stream == nullptr);
    Response head = f.Send("HEAD", "/v1/polls/colour/stream");
    CHECK(head.status == 200);
    CHECK(head.stream == nullptr);
    CHECK(f.api->live_streams() == 0);
  }

  TEST_CASE("a stream dropped without Start or Stop leaves nothing live") {
    StreamFixture f;
    { Response r = f.Get("/v1/polls/colour/stream"); }
    {
      Response r = f.Get("/v1/polls/colour/stream");
      r.stream->Start(std::make_shared<RecordingSink>());
    }
    CHECK(f.api->live_streams() == 0);
  }
}

}  // namespace
}  // namespace marquee::http
