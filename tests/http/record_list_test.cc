// GET /v1/segments and /v1/polls (src/http/record_list.h): keyset pages in
// id order, forward with "next" and back with "prev", Link headers,
// sparse fieldsets, and a 400 for every malformed or foreign cursor,
// limit or field list.
#include <doctest/doctest.h>

#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "api_fixture.h"
#include "marquee/campaign/value.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;
using test::Domain;

struct ListPage {
  std::vector<std::string> ids{};
  std::optional<std::string> next{};
  std::optional<std::string> prev{};
  bool has_more = false;
  campaign::Value doc;
};

ListPage Parse(const Response& r) {
  REQUIRE_MESSAGE(r.status == 200, r.body);
  absl::StatusOr<campaign::Value> doc = campaign::Value::Parse(r.body);
  REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
  ListPage page{.doc = *doc};
  for (const campaign::Value& item : doc->Find("data")->elements()) {
    page.ids.emplace_back(item.Find("id")->as_string());
  }
  const campaign::Value* p = doc->Find("page");
  if (!p->Find("next")->is_null()) page.next = p->Find("next")->as_string();
  if (!p->Find("prev")->is_null()) page.prev = p->Find("prev")->as_string();
  page.has_more = p->Find("has_more")->as_bool();
  return page;
}

void CreateSegments(const ApiFixture& f, int n) {
  for (int i = 0; i < n; ++i) {
    const std::string id = "seg-" + std::to_string(i);
    Response r = f.SendJson("POST", "/v1/segments",
                            R"({"id":")" + id + R"(","name":"Segment )" + std::to_string(i) +
                                R"(","condition":{"tier":"t)" + std::to_string(i) + R"("}})");
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
}

TEST_SUITE("http.record_list") {
  TEST_CASE("segments page forward with next and back with prev") {
    ApiFixture f;
    CreateSegments(f, 5);
    Response first_r = f.Get("/v1/segments?limit=2");
    ListPage first = Parse(first_r);
    CHECK(first.ids == std::vector<std::string>{"seg-0", "seg-1"});
    CHECK(first.has_more);
    CHECK_FALSE(first.prev.has_value());
    REQUIRE(first.next.has_value());
    std::optional<std::string_view> link = first_r.headers.Get("Link");
    REQUIRE(link.has_value());
    CHECK(Contains(*link, "</v1/segments?limit=2&after="));
    CHECK(Contains(*link, "rel=\"next\""));
    CHECK_FALSE(Contains(*link, "rel=\"prev\""));

    Response second_r = f.Get("/v1/segments?limit=2&after=" + EncodeQueryComponent(*first.next));
    ListPage second = Parse(second_r);
    CHECK(second.ids == std::vector<std::string>{"seg-2", "seg-3"});
    REQUIRE(second.prev.has_value());
    CHECK(Contains(*second_r.headers.Get("Link"), "rel=\"prev\""));
    ListPage last = Parse(f.Get("/v1/segments?limit=2&after=" + EncodeQueryComponent(*second.next)));
    CHECK(last.ids == std::vector<std::string>{"seg-4"});
    CHECK_FALSE(last.has_more);
    CHECK_FALSE(last.next.has_value());

    ListPage back = Parse(f.Get("/v1/segments?limit=2&before=" + EncodeQueryComponent(*second.prev)));
    CHECK(back.ids == first.ids);
  }

  TEST_CASE("fields keeps the id and the named members only") {
    ApiFixture f;
    CreateSegments(f, 2);
    ListPage page = Parse(f.Get("/v1/segments?fields=name"));
    REQUIRE(page.ids.size() == 2);
    const campaign::Value& item = page.doc.Find("data")->elements()[0];
    CHECK(item.Find("id")->as_string() == "seg-0");
    CHECK(item.Find("name")->as_string() == "Segment 0");
    CHECK(item.Find("condition") == nullptr);
    CHECK(item.members().size() == 2);
  }

  TEST_CASE("polls are listed the same way") {
    ApiFixture f({}, Domain{.polls = true});
    for (const std::string id : {"a", "b", "c"}) {
      REQUIRE(f.SendJson("POST", "/v1/polls",
                         R"({"id":")" + id +
                             R"(","question":"?","options":[{"key":"x","label":"X"},{"key":"y","label":"Y"}]})")
                  .status == 201);
    }
    ListPage page = Parse(f.Get("/v1/polls?limit=2"));
    CHECK(page.ids == std::vector<std::string>{"a", "b"});
    CHECK(page.has_more);
  }

  TEST_CASE("sort orders by a declared index and its cursors keep that order") {
    ApiFixture f({}, Domain{.polls = true});
    for (const auto& [id, name] : std::vector<std::pair<std::string, std::string>>{
             {"s1", "Zebra"}, {"s2", "Apple"}, {"s3", "Mango"}}) {
      REQUIRE(f.SendJson("POST", "/v1/segments",
                         R"({"id":")" + id + R"(","name":")" + name + R"(","condition":{}})")
                  .status == 201);
    }
    ListPage first = Parse(f.Get("/v1/segments?sort=name&limit=2"));
    CHECK(first.ids == std::vector<std::string>{"s2", "s3"});
    REQUIRE(first.next.has_value());
    Response next = f.Get("/v1/segments?sort=name&limit=2&after=" + EncodeQueryComponent(*first.next));
    CHECK(Parse(next).ids == std::vector<std::string>{"s1"});
    // The cursor belongs to the name order.
    CheckProblem(f.Get("/v1/segments?limit=2&after=" + EncodeQueryComponent(*first.next)), 400);
    CHECK(Parse(f.Get("/v1/segments?sort=id")).ids == std::vector<std::string>{"s1", "s2", "s3"});

    for (const auto& [id, closes] : std::vector<std::pair<std::string, std::string>>{
             {"p1", "2026-03-09T00:00:00Z"}, {"p2", "2026-03-05T00:00:00Z"}}) {
      REQUIRE(f.SendJson("POST", "/v1/polls",
                         R"({"id":")" + id + R"(","question":"?","closesAt":")" + closes +
                             R"(","options":[{"key":"x","label":"X"},{"key":"y","label":"Y"}]})")
                  .status == 201);
    }
    CHECK(Parse(f.Get("/v1/polls?sort=closesAt")).ids == std::vector<std::string>{"p2", "p1"});
  }

  TEST_CASE("malformed limits cursors and fields are 400 problems") {
    ApiFixture f({}, Domain{.polls = true});
    CreateSegments(f, 3);
    for (const std::string target :
         {"/v1/segments?limit=0", "/v1/segments?limit=-1", "/v1/segments?limit=x",
          "/v1/segments?after=", "/v1/segments?after=garbage", "/v1/segments?before=garbage",
          "/v1/segments?fields=", "/v1/segments?fields=a/b", "/v1/segments?fields=name,,x",
          "/v1/segments?limit=1&limit=2", "/v1/segments?order=name",
          "/v1/segments?sort=condition", "/v1/segments?sort=name&sort=id"}) {
      CAPTURE(target);
      CheckProblem(f.Get(target), 400);
    }
    ListPage page = Parse(f.Get("/v1/segments?limit=1"));
    REQUIRE(page.next.has_value());
    const std::string cursor = EncodeQueryComponent(*page.next);
    CheckProblem(f.Get("/v1/segments?after=" + cursor + "&before=" + cursor), 400);
    // A cursor of the segment list is refused by the poll list.
    Response foreign = f.Get("/v1/polls?after=" + cursor);
    CheckProblem(foreign, 400);
    CHECK(Contains(foreign.body, "after: "));
    // Clamped, not refused: a huge limit gives the largest page.
    CHECK(Parse(f.Get("/v1/segments?limit=99999999999999999999999")).ids.size() == 3);
  }
}

}  // namespace
}  // namespace marquee::http
