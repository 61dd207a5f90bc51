// The client against marquee-server's own transport, the Beast Server
// (the other client tests use the cpp-httplib Mount): a revalidation's 304,
// which that server sends without Content-Length as RFC 9110 allows, is a
// cached answer, not a read that waits for the connection to close.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "marquee/client/client.h"
#include "server_fixture.h"

namespace marquee::client {
namespace {

TEST_CASE("client: a 304 of the Beast server is served from the cache") {
  http::test::ServerFixture f;
  f.Create("spring");
  // One attempt and a short read timeout: a 304 read as a body that ends at
  // the close would fail this call instead of waiting.
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(
      {.base_url = "http://127.0.0.1:" + std::to_string(f.port()),
       .io_timeout = absl::Seconds(1),
       .retry = {.max_attempts = 1}});
  REQUIRE_MESSAGE(client.ok(), client.status().ToString());
  absl::StatusOr<Reply> first = (*client)->Send({.target = "/v1/campaigns/spring"});
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(first->status == 200);
  CHECK_FALSE(first->from_cache);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Reply> again = (*client)->Send({.target = "/v1/campaigns/spring"});
    REQUIRE_MESSAGE(again.ok(), again.status().ToString());
    CHECK(again->status == 200);
    CHECK(again->from_cache);
    CHECK(again->body == first->body);
  }
  // The typed call revalidates the same way.
  absl::StatusOr<campaign::Campaign> typed = (*client)->GetCampaign("spring");
  REQUIRE_MESSAGE(typed.ok(), typed.status().ToString());
  CHECK(typed->id == "spring");
}

}  // namespace
}  // namespace marquee::client
