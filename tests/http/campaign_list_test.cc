// GET /v1/campaigns: pages, the opaque signed "after" cursor and the Link
// header, the status filter (priority order), limit clamping, and the 400s
// for bad or unknown query parameters and foreign cursors.
#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;

// The "id" members of a list body's items, in order.
std::vector<std::string> Ids(const std::string& body) {
  std::vector<std::string> ids;
  const std::string marker = R"({"id":")";
  for (size_t at = body.find(marker); at != std::string::npos; at = body.find(marker, at + 1)) {
    const size_t start = at + marker.size();
    ids.push_back(body.substr(start, body.find('"', start) - start));
  }
  return ids;
}

// The "next" cursor of a list body, or "" when it is null.
std::string Next(const std::string& body) {
  const std::string marker = R"("next":")";
  const size_t at = body.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return body.substr(start, body.find('"', start) - start);
}

TEST_SUITE("http.campaign_list") {
  TEST_CASE("an empty list") {
    ApiFixture f;
    Response r = f.Get("/v1/campaigns");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"data":[],"page":{"next":null,"prev":null,"has_more":false}})");
    CHECK_FALSE(r.headers.Has("Link"));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("private, no-cache"));
  }

  TEST_CASE("pages follow the cursor through every campaign exactly once, by id") {
    ApiFixture f;
    for (const char* id : {"e", "b", "d", "a", "c"}) f.Create(id);
    std::vector<std::string> seen;
    std::string target = "/v1/campaigns?limit=2";
    int pages = 0;
    while (true) {
      Response r = f.Get(target);
      REQUIRE_MESSAGE(r.status == 200, r.body);
      REQUIRE(Json::Parse(r.body).ok());
      for (std::string& id : Ids(r.body)) seen.push_back(id);
      ++pages;
      const std::string next = Next(r.body);
      if (next.empty()) {
        CHECK(Contains(r.body, R"("has_more":false)"));
        CHECK(r.headers.Get("Link").value_or("").find("rel=\"next\"") == std::string_view::npos);
        break;
      }
      CHECK(Contains(r.body, R"("has_more":true)"));
      // The first page has nowhere to go back to; later ones do.
      CHECK(Contains(r.body, R"("prev":null)") == (pages == 1));
      std::optional<std::string_view> link = r.headers.Get("Link");
      REQUIRE(link.has_value());
      CHECK(link->starts_with("</v1/campaigns?limit=2&after=" + EncodeQueryComponent(next) +
                              ">; rel=\"next\""));
      CHECK(Contains(*link, "rel=\"prev\"") == (pages > 1));
      target = std::string(link->substr(1, link->find('>') - 1));
      REQUIRE(pages < 10);
    }
    CHECK(seen == std::vector<std::string>{"a", "b", "c", "d", "e"});
  }

  TEST_CASE("each item is the campaign's representation, as GET one returns it") {
    ApiFixture f;
    f.Create("a", "draft", R"(,"tags":["x"])");
    f.Create("b", "live", R"(,"priority":3)");
    const std::string body = f.Get("/v1/campaigns").body;
    CHECK(body == R"({"data":[)" + f.Get("/v1/campaigns/a").body + "," +
                      f.Get("/v1/campaigns/b").body +
                      R"(],"page":{"next":null,"prev":null,"has_more":false}})");
  }

  TEST_CASE("the status filter lists one status, highest priority first") {
    ApiFixture f;
    f.Create("low", "live", R"(,"priority":1)");
    f.Create("high", "live", R"(,"priority":10)");
    f.Create("draft1", "draft", R"(,"priority":50)");
    f.Create("mid", "live", R"(,"priority":5)");
    Response r = f.Get("/v1/campaigns?status=live&limit=2");
    REQUIRE(r.status == 200);
    CHECK(Ids(r.body) == std::vector<std::string>{"high", "mid"});
    std::optional<std::string_view> link = r.headers.Get("Link");
    REQUIRE(link.has_value());
    CHECK(Contains(*link, "status=live"));
    Response second = f.Get(std::string(link->substr(1, link->find('>') - 1)));
    REQUIRE(second.status == 200);
    CHECK(Ids(second.body) == std::vector<std::string>{"low"});
    CHECK(Ids(f.Get("/v1/campaigns?status=draft").body) == std::vector<std::string>{"draft1"});
  }

  TEST_CASE("prev cursors walk back, sort=-priority orders every campaign, fields project") {
    ApiFixture f;
    f.Create("a", "draft", R"(,"priority":1)");
    f.Create("b", "live", R"(,"priority":9)");
    f.Create("c", "paused", R"(,"priority":5)");
    f.Create("d", "draft", R"(,"priority":7)");
    Response first = f.Get("/v1/campaigns?sort=-priority&limit=2");
    REQUIRE_MESSAGE(first.status == 200, first.body);
    CHECK(Ids(first.body) == std::vector<std::string>{"b", "d"});
    Response second = f.Get("/v1/campaigns?sort=-priority&limit=2&after=" +
                           EncodeQueryComponent(Next(first.body)));
    REQUIRE(second.status == 200);
    CHECK(Ids(second.body) == std::vector<std::string>{"c", "a"});
    // Back from the second page: the first again.
    const std::string prev_marker = R"("prev":")";
    const size_t at = second.body.find(prev_marker) + prev_marker.size();
    const std::string prev = second.body.substr(at, second.body.find('"', at) - at);
    Response back = f.Get("/v1/campaigns?sort=-priority&limit=2&before=" +
                          EncodeQueryComponent(prev));
    REQUIRE(back.status == 200);
    CHECK(Ids(back.body) == std::vector<std::string>{"b", "d"});
    // A cursor is bound to its sort.
    CheckProblem(f.Get("/v1/campaigns?sort=id&limit=2&after=" +
                       EncodeQueryComponent(Next(first.body))),
                 400);
    // Sparse fieldsets, in the version's shape.
    Response fields = f.Get("/v1/campaigns?fields=status&limit=1");
    REQUIRE(fields.status == 200);
    CHECK(Contains(fields.body, R"({"data":[{"id":"a","status":"draft"}],)"));
    Response v2 = f.Get("/v2/campaigns?fields=delivery&limit=1");
    REQUIRE(v2.status == 200);
    CHECK(Contains(v2.body, R"({"data":[{"id":"a","delivery":{"priority":1)"));
    for (const char* bad : {"/v1/campaigns?sort=name", "/v1/campaigns?sort=priority",
                            "/v1/campaigns?fields=a/b", "/v1/campaigns?after=x&before=y"}) {
      CAPTURE(bad);
      CheckProblem(f.Get(bad), 400);
    }
  }

  TEST_CASE("a cursor is refused for another filter, and when tampered with") {
    ApiFixture f;
    for (const char* id : {"a", "b", "c"}) f.Create(id, "live");
    const std::string live_next = Next(f.Get("/v1/campaigns?status=live&limit=1").body);
    const std::string all_next = Next(f.Get("/v1/campaigns?limit=1").body);
    REQUIRE_FALSE(live_next.empty());
    REQUIRE_FALSE(all_next.empty());
    CHECK(f.Get("/v1/campaigns?status=live&after=" + live_next).status == 200);
    CheckProblem(f.Get("/v1/campaigns?after=" + live_next), 400);
    CheckProblem(f.Get("/v1/campaigns?status=draft&after=" + live_next), 400);
    CheckProblem(f.Get("/v1/campaigns?status=live&after=" + all_next), 400);
    std::string forged = all_next;
    forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
    Response r = f.Get("/v1/campaigns?after=" + forged);
    CheckProblem(r, 400);
    CHECK(Contains(r.body, "after"));
    CheckProblem(f.Get("/v1/campaigns?after=not-a-cursor"), 400);
    CheckProblem(f.Get("/v1/campaigns?after="), 400);
  }

  TEST_CASE("a cursor from an Api with another key is refused, same key works") {
    ApiOptions options{.cursor_key = CursorKey{.id = "k1", .secret = std::string(32, 'a')}};
    ApiFixture f(options);
    for (const char* id : {"a", "b"}) f.Create(id);
    const std::string next = Next(f.Get("/v1/campaigns?limit=1").body);
    REQUIRE_FALSE(next.empty());
    // A second Api over the same repository: a restart, or another node.
    ApiOptions same = options;
    same.store = f.store.get();
    same.campaigns = f.repo.get();
    same.clock = &f.clock;
    auto twin = Api::Create(same);
    REQUIRE(twin.ok());
    CHECK((*twin)->Handle({.method = "GET", .target = "/v1/campaigns?after=" + next}).status ==
          200);
    ApiOptions other = same;
    other.cursor_key = CursorKey{.id = "k1", .secret = std::string(32, 'b')};
    auto stranger = Api::Create(other);
    REQUIRE(stranger.ok());
    CheckProblem((*stranger)->Handle({.method = "GET", .target = "/v1/campaigns?after=" + next}),
                 400);
  }

  TEST_CASE("cursors expire after cursor_ttl") {
    ApiFixture f(ApiOptions{.cursor_ttl = absl::Minutes(5)});
    for (const char* id : {"a", "b"}) f.Create(id);
    const std::string next = Next(f.Get("/v1/campaigns?limit=1").body);
    REQUIRE_FALSE(next.empty());
    f.clock.Advance(absl::Minutes(6));
    CheckProblem(f.Get("/v1/campaigns?after=" + next), 400);
  }

  TEST_CASE("limit: default, clamped to max_page_size, refused when not 1..n") {
    ApiFixture f(ApiOptions{.default_page_size = 2, .max_page_size = 3});
    for (const char* id : {"a", "b", "c", "d", "e"}) f.Create(id);
    CHECK(Ids(f.Get("/v1/campaigns").body).size() == 2);
    CHECK(Ids(f.Get("/v1/campaigns?limit=1").body).size() == 1);
    Response clamped = f.Get("/v1/campaigns?limit=1000");
    CHECK(Ids(clamped.body).size() == 3);
    CHECK(Contains(std::string(*clamped.headers.Get("Link")), "limit=3"));
    CHECK(Ids(f.Get("/v1/campaigns?limit=99999999999999999999999").body).size() == 3);
    for (const char* bad : {"0", "-1", "+1", "1.5", "abc", "", "1e3", " 1", "0x10"}) {
      CAPTURE(bad);
      Response r = f.Get(std::string("/v1/campaigns?limit=") + EncodeQueryComponent(bad));
      CheckProblem(r, 400);
      CHECK(Contains(r.body, "limit"));
    }
  }

  TEST_CASE("unknown, repeated or invalid parameters are 400 problems") {
    ApiFixture f;
    for (const char* target :
         {"/v1/campaigns?stauts=live", "/v1/campaigns?status=running",
          "/v1/campaigns?status=", "/v1/campaigns?status=LIVE", "/v1/campaigns?limit=1&limit=2",
          "/v1/campaigns?status=live&status=draft", "/v1/campaigns?sort=name"}) {
      CAPTURE(target);
      CheckProblem(f.Get(target), 400);
    }
  }

  TEST_CASE("store failures while listing are 5xx without internal text") {
    ApiFixture f;
    f.Create("a");
    f.store->FailReads(absl::InternalError(test::kSecret));
    CheckProblem(f.Get("/v1/campaigns"), 500);
    f.store->FailReads(absl::UnavailableError(test::kSecret));
    CheckProblem(f.Get("/v1/campaigns"), 503);
  }

  TEST_CASE("HEAD on the list") {
    ApiFixture f;
    f.Create("a");
    Response head = f.Send("HEAD", "/v1/campaigns");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.headers.Get("Content-Length") ==
          std::optional<std::string_view>(std::to_string(f.Get("/v1/campaigns").body.size())));
  }
}

}  // namespace
}  // namespace marquee::http
