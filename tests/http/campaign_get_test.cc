// GET /v1/campaigns/{id}: the representation, ETag, Cache-Control,
// If-None-Match → 304, HEAD, 404, and 5xx problems without internal text.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_fixture.h"
#include "marquee/campaign/campaign.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;

TEST_SUITE("http.campaign_get") {
  TEST_CASE("the body is the stored campaign with its id first, ETag is the version") {
    ApiFixture f;
    const std::string etag = f.Create("spring", "draft", ",\"priority\":5,\"tags\":[\"sale\"]");
    Response r = f.Get("/v1/campaigns/spring");
    REQUIRE(r.status == 200);
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("private, no-cache"));
    absl::StatusOr<campaign::Campaign> stored = f.repo->Get("spring");
    REQUIRE(stored.ok());
    CHECK(r.headers.Get("ETag") ==
          std::optional<std::string_view>("\"" + std::to_string(stored->version) + "\""));
    CHECK(r.headers.Get("ETag") == std::optional<std::string_view>(etag));
    // Member for member what the repository's campaign writes, after "id".
    absl::StatusOr<Json> body = campaign::CampaignToJson(*stored);
    REQUIRE(body.ok());
    CHECK(r.body == R"({"id":"spring",)" + std::string(body->text().substr(1)));
    CHECK(Json::Parse(r.body).ok());
  }

  TEST_CASE("If-None-Match with the current ETag is 304 without a body") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    for (std::string value : {etag, "W/" + etag, "\"0\", " + etag, std::string("*")}) {
      CAPTURE(value);
      Response r = f.Get("/v1/campaigns/spring", {{"If-None-Match", value}});
      CHECK(r.status == 304);
      CHECK(r.body.empty());
      CHECK(r.headers.Get("ETag") == std::optional<std::string_view>(etag));
      CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("private, no-cache"));
    }
    Response stale = f.Get("/v1/campaigns/spring", {{"If-None-Match", "\"999999\""}});
    CHECK(stale.status == 200);
    CHECK_FALSE(stale.body.empty());
  }

  TEST_CASE("query parameters are refused on a campaign and on health checks") {
    ApiFixture f;
    f.Create("spring");
    Response r = f.Get("/v1/campaigns/spring?fields=name");
    CheckProblem(r, 400);
    CHECK(Contains(r.body, "fields"));
    CheckProblem(f.Get("/healthz?verbose=1"), 400);
    CheckProblem(f.Send("DELETE", "/v1/campaigns/spring?force=true"), 400);
    CHECK(f.repo->Get("spring").ok());
  }

  TEST_CASE("a malformed If-None-Match is a 400 problem") {
    ApiFixture f;
    f.Create("spring");
    CheckProblem(f.Get("/v1/campaigns/spring", {{"If-None-Match", "not-quoted"}}), 400);
  }

  TEST_CASE("HEAD is GET without the body") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    Response get = f.Get("/v1/campaigns/spring");
    Response head = f.Send("HEAD", "/v1/campaigns/spring");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.headers.Get("ETag") == std::optional<std::string_view>(etag));
    CHECK(head.headers.Get("Content-Length") ==
          std::optional<std::string_view>(std::to_string(get.body.size())));
    CHECK(f.Send("HEAD", "/v1/campaigns/spring", {{"If-None-Match", etag}}).status == 304);
  }

  TEST_CASE("an unknown campaign is a 404 problem naming it, a bad id a 400") {
    ApiFixture f;
    Response r = f.Get("/v1/campaigns/nope");
    CheckProblem(r, 404);
    CHECK(Contains(r.body, "nope"));
    CheckProblem(f.Get("/v1/campaigns/" + std::string(600, 'x')), 400);
    Response head = f.Send("HEAD", "/v1/campaigns/nope");
    CHECK(head.status == 404);
    CHECK(head.body.empty());
    CHECK(head.headers.Get("Content-Type") == std::optional<std::string_view>(kProblemContentType));
  }

  TEST_CASE("store failures are 5xx problems with the generic detail only") {
    ApiFixture f;
    f.Create("spring");
    f.store->FailReads(absl::InternalError(test::kSecret));
    CheckProblem(f.Get("/v1/campaigns/spring"), 500);
    f.store->FailReads(absl::DataLossError(test::kSecret));
    CheckProblem(f.Get("/v1/campaigns/spring"), 500);
    f.store->FailReads(absl::UnavailableError(test::kSecret));
    Response r = f.Get("/v1/campaigns/spring");
    CheckProblem(r, 503);
    CHECK(r.headers.Get("Retry-After") == std::optional<std::string_view>("1"));
    f.store->FailReads(absl::DeadlineExceededError(test::kSecret));
    CheckProblem(f.Get("/v1/campaigns/spring"), 504);
  }

  TEST_CASE("on_server_error receives the hidden Status of each 5xx, and only of 5xx") {
    std::vector<std::string> seen;
    ApiOptions options;
    options.on_server_error = [&seen](const Request& request, const absl::Status& error) {
      seen.push_back(request.target + " " + error.ToString());
    };
    ApiFixture f(options);
    f.Create("spring");
    CHECK(f.Get("/v1/campaigns/nope").status == 404);
    CHECK(seen.empty());
    f.store->FailReads(absl::InternalError(test::kSecret));
    CheckProblem(f.Get("/v1/campaigns/spring"), 500);
    REQUIRE(seen.size() == 1);
    CHECK(Contains(seen[0], "/v1/campaigns/spring"));
    CHECK(Contains(seen[0], test::kSecret));
    CheckProblem(f.Get("/readyz"), 503);
    REQUIRE(seen.size() == 2);
    CHECK(Contains(seen[1], test::kSecret));
  }

  TEST_CASE("OPTIONS and 405 on a campaign") {
    ApiFixture f;
    Response options = f.Send("OPTIONS", "/v1/campaigns/spring");
    CHECK(options.status == 204);
    CHECK(options.headers.Get("Allow") ==
          std::optional<std::string_view>("GET, PUT, PATCH, DELETE, HEAD, OPTIONS"));
    Response post = f.Send("POST", "/v1/campaigns/spring");
    CheckProblem(post, 405);
    CHECK(post.headers.Get("Allow") ==
          std::optional<std::string_view>("GET, PUT, PATCH, DELETE, HEAD, OPTIONS"));
    Response put_list = f.Send("PUT", "/v1/campaigns");
    CheckProblem(put_list, 405);
    CHECK(put_list.headers.Get("Allow") ==
          std::optional<std::string_view>("GET, POST, HEAD, OPTIONS"));
  }
}

}  // namespace
}  // namespace marquee::http
