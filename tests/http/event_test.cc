// POST /v1/events (202 with the count; a refused batch ingests nothing, the
// problem names the bad index) and GET /v1/campaigns/{id}/stats (totals,
// conversion rates, the z-test against the control, query checks), 404
// without an EventIngestor.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_fixture.h"
#include "marquee/campaign/aggregate_store.h"
#include "marquee/campaign/collections.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;
using test::Domain;

constexpr Domain kEvents{.events = true};
constexpr char kRange[] = "from=2026-02-28T00:00:00Z&to=2026-03-02T00:00:00Z&bucket=day";

std::string Event(std::string_view type, std::string_view variant,
                  std::string_view time = "2026-02-28T12:00:00Z") {
  return std::string(R"({"type":")") + std::string(type) +
         R"(","campaign":"spring","variant":")" + std::string(variant) + R"(","user":"u1","time":")" +
         std::string(time) + "\"}";
}

// `n` copies of `event`, comma-separated.
std::string Repeat(const std::string& event, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i == 0 ? "" : ",") + event;
  return out;
}

TEST_SUITE("http.events") {
  TEST_CASE("POST /v1/events accepts a batch: 202 with the count") {
    ApiFixture f({}, kEvents);
    Response r = f.SendJson("POST", "/v1/events",
                            "[" + Event("impression", "control") + "," + Event("click", "control") + "]");
    REQUIRE_MESSAGE(r.status == 202, r.body);
    CHECK(r.body == R"({"accepted":2})");
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
    REQUIRE(f.events->Flush().ok());
    Response stats = f.Get(std::string("/v1/campaigns/spring/stats?") + kRange);
    REQUIRE_MESSAGE(stats.status == 200, stats.body);
    CHECK(Contains(stats.body, R"("variant":"control","totals":{"impression":{"count":1,"valueSum":0},"click":{"count":1,"valueSum":0},"conversion":{"count":0,"valueSum":0},"custom":{"count":0,"valueSum":0}})"));
    CHECK(f.SendJson("POST", "/v1/events", "[]").body == R"({"accepted":0})");
  }

  TEST_CASE("stats: conversion rates and the z-test against the control") {
    ApiFixture f({}, kEvents);
    const std::string batch = "[" + Repeat(Event("impression", "control"), 100) + "," +
                              Repeat(Event("conversion", "control"), 10) + "," +
                              Repeat(Event("impression", "treatment"), 100) + "," +
                              Repeat(Event("conversion", "treatment"), 20) + "]";
    REQUIRE(f.SendJson("POST", "/v1/events", batch).status == 202);
    REQUIRE(f.events->Flush().ok());
    Response r = f.Get(std::string("/v1/campaigns/spring/stats?") + kRange);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(Contains(r.body, R"({"campaign":"spring","bucket":"day","from":"2026-02-28T00:00:00Z","to":"2026-03-02T00:00:00Z","control":"control")"));
    CHECK(Contains(r.body, R"("conversionRate":0.1,"test":null,"noTestReason":"control")"));
    CHECK(Contains(r.body, R"("conversionRate":0.2,"test":{"z":)"));
    CHECK(Contains(r.body, R"("series":[{"start":"2026-02-28T00:00:00Z")"));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("no-cache"));
    // Defaults: the 24 hours before now, hourly; control named explicitly.
    Response defaults = f.Get("/v1/campaigns/spring/stats?control=treatment");
    REQUIRE(defaults.status == 200);
    CHECK(Contains(defaults.body, R"("bucket":"hour","from":"2026-02-28T00:00:00Z","to":"2026-03-01T00:00:00Z","control":"treatment")"));
    CHECK(Contains(f.Get("/v1/campaigns/other/stats").body, R"("variants":[])"));
  }

  TEST_CASE("stats carry a weak ETag that revalidates until new events arrive") {
    ApiFixture f({}, kEvents);
    REQUIRE(f.SendJson("POST", "/v1/events", "[" + Event("impression", "control") + "]").status == 202);
    REQUIRE(f.events->Flush().ok());
    const std::string target = std::string("/v1/campaigns/spring/stats?") + kRange;
    Response first = f.Get(target);
    REQUIRE(first.status == 200);
    const std::optional<std::string_view> etag = first.headers.Get("ETag");
    REQUIRE(etag.has_value());
    CHECK(etag->starts_with("W/\""));
    Headers conditional;
    conditional.Add("If-None-Match", std::string(*etag));
    Response same = f.Get(target, conditional);
    CHECK(same.status == 304);
    CHECK(same.body.empty());
    CHECK(same.headers.Get("ETag") == etag);
    // Another query is another representation: its own tag.
    Response hourly = f.Get(
        "/v1/campaigns/spring/stats?from=2026-02-28T00:00:00Z&to=2026-03-02T00:00:00Z&bucket=hour");
    REQUIRE(hourly.status == 200);
    CHECK(hourly.headers.Get("ETag") != etag);
    REQUIRE(f.SendJson("POST", "/v1/events", "[" + Event("click", "control") + "]").status == 202);
    REQUIRE(f.events->Flush().ok());
    Response moved = f.Get(target, conditional);
    CHECK(moved.status == 200);
    CHECK(moved.headers.Get("ETag") != etag);
    CheckProblem(f.Get(target, Headers{{"If-None-Match", "not a tag"}}), 400);
  }

  TEST_CASE("a batch with one bad event is a 400 naming it, nothing ingested") {
    ApiFixture f({}, kEvents);
    struct Case {
      std::string body;
      std::string names;
    };
    const Case cases[] = {
        {"[" + Event("click", "a") + R"(,{"type":"click","campaign":"spring"}])", "[1]"},
        {"[" + Event("click", "a") + "," + Event("hover", "a") + "]", "[1].type"},
        {"[" + Event("click", "a|b") + "]", "variant"},
        {"[" + Event("click", "a", "yesterday") + "]", "[0].time"},
        {"[" + Event("click", "a", "2026-03-05T00:00:00Z") + "]", "time"},
        {"[" + Event("click", "a", "2025-01-01T00:00:00Z") + "]", "time"},
        {R"({"events":[]})", "array"},
        {R"([1])", "[0]"},
        {R"([)", "body"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      Response r = f.SendJson("POST", "/v1/events", c.body);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, c.names));
    }
    CheckProblem(f.Send("POST", "/v1/events", {}, "[" + Event("click", "a") + "]"), 415);
    CHECK(f.events->stats().accepted_events == 0);
    REQUIRE(f.events->Flush().ok());
    CHECK(Contains(f.Get(std::string("/v1/campaigns/spring/stats?") + kRange).body,
                   R"("variants":[])"));
    CHECK(f.store->CurrentVersion() == 0);
  }

  TEST_CASE("a body over max_body_bytes is 413") {
    ApiFixture f({.max_body_bytes = 1024}, kEvents);
    CheckProblem(f.SendJson("POST", "/v1/events", "[" + Repeat(Event("click", "a"), 20) + "]"),
                 413);
    CHECK(f.events->stats().accepted_events == 0);
  }

  TEST_CASE("bad stats queries are 400 naming the parameter") {
    ApiFixture f({}, kEvents);
    struct Case {
      std::string query;
      std::string names;
    };
    const Case cases[] = {
        {"bucket=week", "bucket"},
        {"from=yesterday", "from"},
        {"to=2026-13-01T00:00:00Z", "to"},
        {"from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z", "to"},
        {"bucket=day&bucket=hour", "bucket"},
        {"limit=5", "limit"},
        {"bucket=minute&from=2020-01-01T00:00:00Z", "bucket"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.query);
      Response r = f.Get("/v1/campaigns/spring/stats?" + c.query);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, c.names));
    }
  }

  TEST_CASE("stats read the aggregates given in ApiOptions when set") {
    absl::StatusOr<std::unique_ptr<MemoryStore>> elsewhere = OpenMemoryStore();
    REQUIRE(elsewhere.ok());
    REQUIRE(campaign::PrepareCampaignStore(**elsewhere).ok());
    absl::StatusOr<std::unique_ptr<campaign::AggregateStore>> aggregates =
        campaign::OpenStoreAggregateStore(elsewhere->get());
    REQUIRE(aggregates.ok());
    ApiFixture f({.aggregates = aggregates->get()}, kEvents);
    const std::vector<campaign::AggregateRow> rows = {
        {.key = {.campaign = "spring", .variant = "b", .type = campaign::EventType::kClick,
                 .bucket = campaign::Bucket::kDay,
                 .start = absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2026, 2, 28),
                                                              absl::UTCTimeZone()))},
         .totals = {.count = 7, .value_sum = 0}}};
    REQUIRE((*aggregates)->Add(rows).ok());
    Response r = f.Get(std::string("/v1/campaigns/spring/stats?") + kRange);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(Contains(r.body, R"("variant":"b","totals":{"impression":{"count":0,"valueSum":0},"click":{"count":7,"valueSum":0})"));
  }

  TEST_CASE("without an EventIngestor both routes are 404") {
    ApiFixture f;
    CheckProblem(f.SendJson("POST", "/v1/events", "[]"), 404);
    CheckProblem(f.Get("/v1/campaigns/spring/stats"), 404);
  }

  TEST_CASE("a store that fails reads makes stats a 5xx without internal text") {
    ApiFixture f({}, kEvents);
    f.store->FailReads(absl::InternalError(test::kSecret));
    CheckProblem(f.Get("/v1/campaigns/spring/stats"), 500);
  }
}

}  // namespace
}  // namespace marquee::http
