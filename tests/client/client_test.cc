// marquee::client::Client against a live server on 127.0.0.1 (the real Api
// over a MemoryStore, served through Mount): typed campaign calls, 304
// revalidation, the page iterator, retries of idempotent calls only, and
// the circuit breaker, including against a port where nothing listens.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/client/client.h"
#include "marquee/http/representation.h"
#include "mounted_server.h"

namespace marquee::client {
namespace {

using http::test::MountedServer;

// A server that counts the 5xx answers it gave (ApiOptions::on_server_error),
// which is how many attempts reached it while the store was failing.
struct CountingServer {
  std::shared_ptr<std::atomic<int>> server_errors = std::make_shared<std::atomic<int>>(0);
  MountedServer server{{.max_connections = 8},
                       {.on_server_error = [errors = server_errors](const http::Request&,
                                                                    const absl::Status&) {
                         errors->fetch_add(1);
                       }}};

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

std::unique_ptr<Client> MakeClient(ClientOptions options) {
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(std::move(options));
  REQUIRE_MESSAGE(client.ok(), client.status().ToString());
  return *std::move(client);
}

// Fast retries, so the tests do not sleep for long.
constexpr RetryPolicy kQuickRetries{.max_attempts = 3,
                                    .initial_backoff = absl::Milliseconds(1),
                                    .max_backoff = absl::Milliseconds(5)};

campaign::Campaign SpringCampaign(std::string id = "spring") {
  absl::StatusOr<Json> body = Json::Parse(http::test::CampaignBody(id));
  REQUIRE(body.ok());
  absl::StatusOr<campaign::Campaign> c = http::CampaignFromRepresentation(*body);
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  return *c;
}

TEST_CASE("client: Create refuses malformed options") {
  for (const std::string url : {"", "127.0.0.1:8080", "http://", "http://h:1/v1", "ftp://h"}) {
    CAPTURE(url);
    CHECK(Client::Create({.base_url = url}).status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(Client::Create({.base_url = "http://h:1", .retry = {.max_attempts = 0}}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(Client::Create({.base_url = "http://h:1", .retry = {.jitter = 2}}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(Client::Create({.base_url = "http://h:1", .io_timeout = absl::Microseconds(10)})
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
  CHECK(Client::Create({.base_url = "http://127.0.0.1:1"}).ok());
}

TEST_CASE("client: campaign create and get and update with If-Match and delete" * doctest::test_suite("concurrent")) {
  CountingServer live;
  std::unique_ptr<Client> client = MakeClient({.base_url = live.url()});
  absl::StatusOr<campaign::Campaign> created = client->CreateCampaign(SpringCampaign());
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  CHECK(created->version > 0);
  CHECK(client->CreateCampaign(SpringCampaign()).status().code() ==
        absl::StatusCode::kAlreadyExists);

  absl::StatusOr<campaign::Campaign> got = client->GetCampaign("spring");
  REQUIRE(got.ok());
  CHECK(*got == *created);

  campaign::Campaign renamed = *got;
  renamed.name = "Spring, renamed";
  absl::StatusOr<campaign::Campaign> updated = client->UpdateCampaign(renamed);
  REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
  CHECK(updated->version > got->version);
  // The first read's version is stale now.
  absl::Status stale = client->UpdateCampaign(*got).status();
  CHECK(stale.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(stale.message().find("HTTP 412") != std::string_view::npos);
  CHECK(client->GetCampaign("spring")->name == "Spring, renamed");

  CHECK(client->DeleteCampaign("spring", got->version).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(client->DeleteCampaign("spring", updated->version).ok());
  CHECK(client->GetCampaign("spring").status().code() == absl::StatusCode::kNotFound);
  CHECK(client->GetCampaign("a/b").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("client: a large campaign comes compressed and still reads with its version" *
          doctest::test_suite("concurrent")) {
  CountingServer live;
  std::unique_ptr<Client> client = MakeClient({.base_url = live.url()});
  campaign::Campaign big = SpringCampaign("big");
  absl::StatusOr<Json> note = Json::Parse("{\"note\":\"" + std::string(4000, 'x') + "\"}");
  REQUIRE(note.ok());
  big.attributes = *note;
  absl::StatusOr<campaign::Campaign> created = client->CreateCampaign(big);
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  absl::StatusOr<Reply> raw = client->Send({.target = "/v1/campaigns/big",
                                            .headers = {{"Accept-Encoding", "gzip"}}});
  REQUIRE(raw.ok());
  CHECK(raw->headers.Get("ETag")->find("-gzip") != std::string_view::npos);
  CHECK(raw->headers.Get("Content-Encoding") == std::optional<std::string_view>("gzip"));
  absl::StatusOr<campaign::Campaign> got = client->GetCampaign("big");
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  CHECK(got->version == created->version);
  got->name = "Renamed";
  CHECK(client->UpdateCampaign(*got).ok());
}

TEST_CASE("client: a repeated GET revalidates with If-None-Match and is served from the cache" * doctest::test_suite("concurrent")) {
  CountingServer live;
  std::unique_ptr<Client> client = MakeClient({.base_url = live.url()});
  REQUIRE(client->CreateCampaign(SpringCampaign()).ok());
  absl::StatusOr<Reply> first = client->Send({.target = "/v1/campaigns/spring"});
  REQUIRE(first.ok());
  CHECK(first->status == 200);
  CHECK_FALSE(first->from_cache);
  absl::StatusOr<Reply> second = client->Send({.target = "/v1/campaigns/spring"});
  REQUIRE(second.ok());
  CHECK(second->status == 200);
  CHECK(second->from_cache);  // the server said 304
  CHECK(second->body == first->body);

  // A change on the server (by another writer) is seen: the ETag moved.
  campaign::Campaign c = *client->GetCampaign("spring");
  c.name = "Changed elsewhere";
  std::unique_ptr<Client> other = MakeClient({.base_url = live.url(), .cache_entries = 0});
  REQUIRE(other->UpdateCampaign(c).ok());
  absl::StatusOr<Reply> third = client->Send({.target = "/v1/campaigns/spring"});
  REQUIRE(third.ok());
  CHECK_FALSE(third->from_cache);
  CHECK(third->body.find("Changed elsewhere") != std::string::npos);
}

TEST_CASE("client: the pager follows cursors through every page once" * doctest::test_suite("concurrent")) {
  CountingServer live;
  std::unique_ptr<Client> client = MakeClient({.base_url = live.url()});
  std::set<std::string> expected;
  for (int i = 0; i < 7; ++i) {
    const std::string id = "c" + std::to_string(i);
    REQUIRE(client->CreateCampaign(SpringCampaign(id)).ok());
    expected.insert(id);
  }
  CampaignPager pages = client->ListCampaigns({.page_size = 3});
  std::vector<size_t> sizes;
  std::set<std::string> seen;
  while (!pages.done()) {
    absl::StatusOr<std::vector<campaign::Campaign>> page = pages.Next();
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    sizes.push_back(page->size());
    for (const campaign::Campaign& c : *page) CHECK(seen.insert(c.id).second);
    REQUIRE(sizes.size() < 10);
  }
  CHECK(seen == expected);
  CHECK(sizes == std::vector<size_t>{3, 3, 1});
  CHECK(pages.Next().status().code() == absl::StatusCode::kFailedPrecondition);

  CampaignPager live_only = client->ListCampaigns({.status = "live"});
  absl::StatusOr<std::vector<campaign::Campaign>> none = live_only.Next();
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(live_only.done());
}

TEST_CASE("client: the pager sends the filters and follows their cursors" * doctest::test_suite("concurrent")) {
  CountingServer live;
  std::unique_ptr<Client> client = MakeClient({.base_url = live.url()});
  for (int i = 0; i < 5; ++i) {
    campaign::Campaign c = SpringCampaign("c" + std::to_string(i));
    c.priority = i;
    if (i % 2 == 0) c.tags = {"sale"};
    c.placements = {i < 3 ? "home.hero" : "cart"};
    REQUIRE(client->CreateCampaign(c).ok());
  }
  const auto ids = [](CampaignPager pages) {
    std::vector<std::string> out;
    while (!pages.done()) {
      absl::StatusOr<std::vector<campaign::Campaign>> page = pages.Next();
      REQUIRE_MESSAGE(page.ok(), page.status().ToString());
      for (const campaign::Campaign& c : *page) out.push_back(c.id);
      REQUIRE(out.size() < 10);
    }
    return out;
  };
  CHECK(ids(client->ListCampaigns({.tag = "sale", .page_size = 1})) ==
        std::vector<std::string>{"c0", "c2", "c4"});
  CHECK(ids(client->ListCampaigns({.tag = "sale", .sort = "-priority", .page_size = 2})) ==
        std::vector<std::string>{"c4", "c2", "c0"});
  CHECK(ids(client->ListCampaigns({.tag = "sale", .placement = "home.hero"})) ==
        std::vector<std::string>{"c0", "c2"});
  // A value the server refuses is the pager's error, not an empty list.
  CampaignPager bad = client->ListCampaigns({.sort = "name"});
  CHECK(bad.Next().status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("client: idempotent calls are retried on 5xx and POST is not" * doctest::test_suite("concurrent")) {
  CountingServer live;
  std::unique_ptr<Client> client = MakeClient(
      {.base_url = live.url(), .retry = kQuickRetries, .breaker = {.failure_threshold = 0}});
  REQUIRE(client->CreateCampaign(SpringCampaign()).ok());
  live.server.fixture().store->FailReads(absl::UnavailableError(http::test::kSecret));
  absl::Status get = client->GetCampaign("spring").status();
  CHECK(get.code() == absl::StatusCode::kUnavailable);
  CHECK(get.message().find(http::test::kSecret) == std::string_view::npos);
  CHECK(live.server_errors->load() == 3);  // max_attempts

  live.server_errors->store(0);
  live.server.fixture().store->FailWrites(absl::InternalError(http::test::kSecret));
  CHECK(client->CreateCampaign(SpringCampaign("other")).status().code() ==
        absl::StatusCode::kInternal);
  CHECK(live.server_errors->load() == 1);  // never retried
}

TEST_CASE("client: a retry that finds the server healthy again succeeds" * doctest::test_suite("concurrent")) {
  std::shared_ptr<http::test::FailingStore*> store_slot =
      std::make_shared<http::test::FailingStore*>(nullptr);
  std::shared_ptr<std::atomic<int>> errors = std::make_shared<std::atomic<int>>(0);
  // The first 5xx heals the store, so the second attempt succeeds.
  MountedServer server({.max_connections = 8},
                       {.on_server_error = [store_slot, errors](const http::Request&,
                                                                const absl::Status&) {
                         errors->fetch_add(1);
                         (*store_slot)->FailReads(absl::OkStatus());
                       }});
  *store_slot = server.fixture().store.get();
  std::unique_ptr<Client> client =
      MakeClient({.base_url = "http://127.0.0.1:" + std::to_string(server.port()),
                  .retry = kQuickRetries});
  REQUIRE(client->CreateCampaign(SpringCampaign()).ok());
  server.fixture().store->FailReads(absl::UnavailableError("down for a moment"));
  absl::StatusOr<campaign::Campaign> got = client->GetCampaign("spring");
  CHECK_MESSAGE(got.ok(), got.status().ToString());
  CHECK(errors->load() == 1);
}

TEST_CASE("client: the circuit breaker fails fast while open and then a trial call closes it" * doctest::test_suite("concurrent")) {
  CountingServer live;
  ManualClock clock(absl::FromUnixSeconds(1'000'000));
  std::unique_ptr<Client> client =
      MakeClient({.base_url = live.url(),
                  .retry = {.max_attempts = 1},
                  .breaker = {.failure_threshold = 2, .open_for = absl::Seconds(30)},
                  .clock = &clock});
  REQUIRE(client->CreateCampaign(SpringCampaign()).ok());
  live.server.fixture().store->FailReads(absl::UnavailableError("down"));
  CHECK(client->GetCampaign("spring").status().code() == absl::StatusCode::kUnavailable);
  CHECK(client->GetCampaign("spring").status().code() == absl::StatusCode::kUnavailable);
  REQUIRE(live.server_errors->load() == 2);

  absl::Status fast = client->GetCampaign("spring").status();
  CHECK(fast.code() == absl::StatusCode::kUnavailable);
  CHECK(fast.message().find("circuit breaker open") != std::string_view::npos);
  CHECK(client->fast_failures() == 1);
  CHECK(live.server_errors->load() == 2);  // nothing reached the server

  live.server.fixture().store->FailReads(absl::OkStatus());
  clock.Advance(absl::Seconds(30));
  CHECK(client->GetCampaign("spring").ok());  // the trial
  CHECK(client->GetCampaign("spring").ok());  // closed again
  CHECK(client->fast_failures() == 1);
}

TEST_CASE("client: a server that is down is Unavailable after the retries and then fails fast" * doctest::test_suite("concurrent")) {
  // A port that was just free: bind, read it, close.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  std::unique_ptr<Client> client =
      MakeClient({.base_url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)),
                  .retry = kQuickRetries,
                  .breaker = {.failure_threshold = 3, .open_for = absl::Hours(1)}});
  absl::Status down = client->GetCampaign("spring").status();
  CHECK(down.code() == absl::StatusCode::kUnavailable);
  CHECK(client->fast_failures() == 0);
  CHECK(client->GetCampaign("spring").status().code() == absl::StatusCode::kUnavailable);
  CHECK(client->fast_failures() == 1);
}

}  // namespace
}  // namespace marquee::client
