// The filters of the lists (record_list.h): campaigns by status, tag and
// placement together; segments by name prefix; polls by close time; the
// feature definitions' paged list (GET /v1/features?view=list) beside the
// SDK payload. Each filter narrows the pages, repeats itself in the Link
// header, binds the cursor (continuing without it or with another value is
// a 400), and refuses a malformed value with a 400 problem.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;
using test::Domain;

// The "id" members of a list body's items, in order.
std::vector<std::string> Ids(const Response& r) {
  REQUIRE_MESSAGE(r.status == 200, r.body);
  std::vector<std::string> ids;
  const std::string marker = R"({"id":")";
  for (size_t at = r.body.find(marker); at != std::string::npos; at = r.body.find(marker, at + 1)) {
    const size_t start = at + marker.size();
    ids.push_back(r.body.substr(start, r.body.find('"', start) - start));
  }
  return ids;
}

// The "next" cursor of a list body, query-encoded; "" when it is null.
std::string Next(const Response& r) {
  const std::string marker = R"("next":")";
  const size_t at = r.body.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return EncodeQueryComponent(r.body.substr(start, r.body.find('"', start) - start));
}

using Ids_ = std::vector<std::string>;

void CreateTaggedCampaigns(const ApiFixture& f) {
  f.Create("a", "live", R"(,"tags":["sale","spring"],"placements":["home.hero"],"priority":1)");
  f.Create("b", "live", R"(,"tags":["spring"],"placements":["home.hero","cart"],"priority":3)");
  f.Create("c", "draft", R"(,"tags":["sale"],"placements":["cart"],"priority":2)");
  f.Create("d", "live", R"(,"priority":9)");  // no tags, any placement
}

void CreatePoll(const ApiFixture& f, std::string_view id, std::string_view closes_at) {
  std::string body = R"({"id":")" + std::string(id) + R"(","question":"?",)";
  if (!closes_at.empty()) body += R"("closesAt":")" + std::string(closes_at) + R"(",)";
  body += R"("options":[{"key":"x","label":"X"},{"key":"y","label":"Y"}]})";
  Response r = f.SendJson("POST", "/v1/polls", body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
}

TEST_SUITE("http.list_filters") {
  TEST_CASE("campaigns filter by tag and placement and status together") {
    ApiFixture f;
    CreateTaggedCampaigns(f);
    CHECK(Ids(f.Get("/v1/campaigns?tag=sale")) == Ids_{"a", "c"});
    CHECK(Ids(f.Get("/v1/campaigns?tag=spring")) == Ids_{"a", "b"});
    CHECK(Ids(f.Get("/v1/campaigns?tag=winter")).empty());
    CHECK(Ids(f.Get("/v1/campaigns?placement=cart")) == Ids_{"b", "c"});
    // A campaign without placements may appear anywhere, but it does not
    // name the placement, so the filter leaves it out.
    CHECK(Ids(f.Get("/v1/campaigns?placement=home.hero")) == Ids_{"a", "b"});
    CHECK(Ids(f.Get("/v1/campaigns?tag=sale&status=live")) == Ids_{"a"});
    // With a status the default order is by priority, highest first.
    CHECK(Ids(f.Get("/v1/campaigns?status=live&tag=spring")) == Ids_{"b", "a"});
    CHECK(Ids(f.Get("/v1/campaigns?tag=spring&sort=-priority")) == Ids_{"b", "a"});
    CHECK(Ids(f.Get("/v2/campaigns?tag=spring&placement=cart")) == Ids_{"b"});
    // Case matters: tags are ids.
    CHECK(Ids(f.Get("/v1/campaigns?tag=SALE")).empty());
  }

  TEST_CASE("a filter repeats in the Link header and binds the cursor") {
    ApiFixture f;
    CreateTaggedCampaigns(f);
    Response first = f.Get("/v1/campaigns?tag=spring&limit=1");
    CHECK(Ids(first) == Ids_{"a"});
    const std::string next = Next(first);
    REQUIRE_FALSE(next.empty());
    std::optional<std::string_view> link = first.headers.Get("Link");
    REQUIRE(link.has_value());
    CHECK(Contains(*link, "</v1/campaigns?limit=1&tag=spring&after=" + next + ">"));
    CHECK(Ids(f.Get("/v1/campaigns?tag=spring&limit=1&after=" + next)) == Ids_{"b"});
    // The cursor was issued for tag=spring: not for another tag, nor none.
    CheckProblem(f.Get("/v1/campaigns?tag=sale&limit=1&after=" + next), 400);
    CheckProblem(f.Get("/v1/campaigns?limit=1&after=" + next), 400);
  }

  TEST_CASE("segments filter by name prefix in either order") {
    ApiFixture f;
    for (const auto& [id, name] : std::vector<std::pair<std::string, std::string>>{
             {"s1", "Beta testers"}, {"s2", "Big spenders"}, {"s3", "Bargain hunters"},
             {"s4", "beta (lower case)"}}) {
      REQUIRE(f.SendJson("POST", "/v1/segments",
                         R"({"id":")" + id + R"(","name":")" + name + R"(","condition":{}})")
                  .status == 201);
    }
    CHECK(Ids(f.Get("/v1/segments?name_prefix=B")) == Ids_{"s1", "s2", "s3"});
    CHECK(Ids(f.Get("/v1/segments?name_prefix=Be")) == Ids_{"s1"});
    CHECK(Ids(f.Get("/v1/segments?name_prefix=B&sort=name")) == Ids_{"s3", "s1", "s2"});
    CHECK(Ids(f.Get("/v1/segments?name_prefix=Beta%20testers%20and%20more")).empty());
    Response page = f.Get("/v1/segments?name_prefix=B&sort=name&limit=2");
    CHECK(Ids(page) == Ids_{"s3", "s1"});
    CHECK(Contains(*page.headers.Get("Link"), "&name_prefix=B&sort=name&after="));
    CHECK(Ids(f.Get("/v1/segments?name_prefix=B&sort=name&limit=2&after=" + Next(page))) ==
          Ids_{"s2"});
  }

  TEST_CASE("polls filter by close time with exclusive bounds") {
    ApiFixture f({}, Domain{.polls = true});
    CreatePoll(f, "p1", "2026-03-05T00:00:00Z");
    CreatePoll(f, "p2", "2026-03-09T00:00:00Z");
    CreatePoll(f, "p3", "2026-03-20T12:00:00Z");
    CreatePoll(f, "open-ended", "");
    CHECK(Ids(f.Get("/v1/polls?closes_after=2026-03-06T00:00:00Z")) == Ids_{"p2", "p3"});
    CHECK(Ids(f.Get("/v1/polls?closes_before=2026-03-09T00:00:00Z")) == Ids_{"p1"});
    CHECK(Ids(f.Get("/v1/polls?closes_after=2026-03-01T00:00:00Z&closes_before=2026-03-10T00:00:00Z"
                    "&sort=closesAt")) == Ids_{"p1", "p2"});
    // Offsets are read and compared in UTC: 01:00+01:00 is midnight UTC.
    CHECK(Ids(f.Get("/v1/polls?closes_after=2026-03-09T01:00:00%2B01:00")) == Ids_{"p3"});
    CHECK(Ids(f.Get("/v1/polls?closes_before=2026-03-09T01:00:00%2B01:00")) == Ids_{"p1"});
  }

  TEST_CASE("the feature definitions page with view=list") {
    ApiFixture f({}, Domain{.decider = true, .features = true});
    for (const std::string key : {"dark-mode", "banner", "checkout-v2"}) {
      Response r = f.SendJson("POST", "/v1/features",
                              R"({"id":")" + key + R"(","defaultValue":false,"rules":[]})");
      REQUIRE_MESSAGE(r.status == 201, r.body);
    }
    Response first = f.Get("/v1/features?view=list&limit=2");
    CHECK(Ids(first) == Ids_{"banner", "checkout-v2"});
    CHECK(Contains(first.body, R"({"id":"banner","defaultValue":false,"rules":[]})"));
    CHECK(Contains(*first.headers.Get("Link"), "</v1/features?limit=2&view=list&after="));
    CHECK(Ids(f.Get("/v1/features?view=list&limit=2&after=" + Next(first))) == Ids_{"dark-mode"});
    Response fields = f.Get("/v1/features?view=list&fields=defaultValue&limit=1");
    CHECK(Contains(fields.body, R"({"id":"banner","defaultValue":false})"));
    // Without view=list it stays GrowthBook's SDK payload, unpaged.
    Response payload = f.Get("/v1/features");
    CHECK(payload.status == 200);
    CHECK(Contains(payload.body, R"("features":{)"));
    CHECK_FALSE(Contains(payload.body, R"("page":)"));
  }

  TEST_CASE("malformed filter values are 400 problems") {
    ApiFixture f({}, Domain{.decider = true, .polls = true, .features = true});
    CreateTaggedCampaigns(f);
    for (const std::string& target : std::vector<std::string>{
             "/v1/campaigns?tag=", "/v1/campaigns?placement=", "/v1/campaigns?tag=a&tag=b",
          "/v1/campaigns?tag=%FF%FE", "/v1/campaigns?tag=" + std::string(513, 'x'),
          "/v1/campaigns?status=Live", "/v1/campaigns?labels=sale", "/v1/segments?name_prefix=",
          "/v1/segments?name=B", "/v1/polls?closes_after=tomorrow",
          "/v1/polls?closes_after=2026-03-01", "/v1/polls?closes_before=2026-13-01T00:00:00Z",
          "/v1/polls?closes_after=" + std::string(100, '1'), "/v1/features?view=table",
          "/v1/features?view=list&view=list", "/v1/features?limit=2", "/v1/features?sort=id",
          "/v1/features?view=list&tag=x", "/v1/features?view=list&sort=name"}) {
      CAPTURE(target);
      CheckProblem(f.Get(target), 400);
    }
    Response detail = f.Get("/v1/polls?closes_after=tomorrow");
    CHECK(Contains(detail.body, "closes_after: must be an RFC 3339 date-time"));
    Response status = f.Get("/v1/campaigns?status=Live");
    CHECK(Contains(status.body, "status: expected one of draft, scheduled, live, paused, ended"));
    Response paged = f.Get("/v1/features?limit=2");
    CHECK(Contains(paged.body, "add view=list"));
    // A 513-byte value is refused; 512 bytes is a value like any other.
    CHECK(Ids(f.Get("/v1/campaigns?tag=" + std::string(512, 'x'))).empty());
  }
}

}  // namespace
}  // namespace marquee::http
