// Tests for marquee/api_view.h: per-version rendering with a realistic
// campaign view, the "largest since <= v" rule, NotFound cases, builder
// errors, immutability and concurrent rendering.
#include "marquee/api_view.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/json_writer.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee {
namespace {

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// Writes the string at `pointer` of `body` as the value of `key`; a missing
// or non-string field is the server's problem (FailedPrecondition).
absl::Status CopyString(const Json& body, std::string_view pointer, std::string_view key,
                        JsonWriter* w) {
  MARQUEE_ASSIGN_OR_RETURN(IndexValue value, ValueAt(body, pointer));
  if (value.type() != IndexValue::Type::kString) {
    return absl::FailedPreconditionError(
        absl::StrCat("stored campaign has no string at ", absl::string_view(pointer.data(), pointer.size())));
  }
  w->Key(key).String(value.text());
  return absl::OkStatus();
}

// The v1 wire shape of a campaign stored in its v2 shape:
//   v2 {"title":..., "schedule":{"start":..., "end":...}, ...}
//   v1 {"name":..., "start":..., "end":...}
absl::StatusOr<Json> CampaignV2ToV1(const Record& record) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  MARQUEE_RETURN_IF_ERROR(CopyString(record.body, "/title", "name", &w));
  MARQUEE_RETURN_IF_ERROR(CopyString(record.body, "/schedule/start", "start", &w));
  MARQUEE_RETURN_IF_ERROR(CopyString(record.body, "/schedule/end", "end", &w));
  w.EndObject();
  MARQUEE_RETURN_IF_ERROR(w.Finish());
  return Json::Parse(out);
}

Record Campaign() {
  Record r;
  r.collection = "campaigns";
  r.id = "spring";
  r.version = 7;
  r.schema = 2;
  r.body = *Json::Parse(R"({"title":"Spring sale","schedule":{"start":"2024-03-01T00:00:00Z",)"
                        R"("end":"2024-03-31T23:59:59Z"},"priority":5})");
  return r;
}

Record InCollection(std::string collection) {
  Record r = Campaign();
  r.collection = std::move(collection);
  return r;
}

// campaigns: v1 view, stored shape from v2; segments: unchanged since v1;
// polls: new in v2.
ApiViews TwoVersions() {
  ApiViewsBuilder builder(2);
  REQUIRE(builder.Register("campaigns", 1, CampaignV2ToV1).ok());
  REQUIRE(builder.RegisterIdentity("campaigns", 2).ok());
  REQUIRE(builder.RegisterIdentity("segments", 1).ok());
  REQUIRE(builder.RegisterIdentity("polls", 2).ok());
  absl::StatusOr<ApiViews> views = builder.Build();
  REQUIRE(views.ok());
  return *std::move(views);
}

TEST_SUITE("ApiViews rendering") {
  TEST_CASE("a v2 campaign is rendered in its v1 shape for v1 clients") {
    const absl::StatusOr<Json> v1 = TwoVersions().Render(Campaign(), 1);
    REQUIRE(v1.ok());
    CHECK(v1->text() ==
          R"({"name":"Spring sale","start":"2024-03-01T00:00:00Z","end":"2024-03-31T23:59:59Z"})");
  }

  TEST_CASE("under an identity registration the stored body is returned, not copied") {
    const Record record = Campaign();
    const absl::StatusOr<Json> v2 = TwoVersions().Render(record, 2);
    REQUIRE(v2.ok());
    CHECK(*v2 == record.body);
    CHECK(v2->text().data() == record.body.text().data());
  }

  TEST_CASE("the rendered body goes into the record envelope without the stored schema") {
    const Record record = Campaign();
    Record wire = record;
    wire.body = *TwoVersions().Render(record, 1);
    std::string out;
    REQUIRE(AppendRecordJson(wire, &out, {.include_schema = false}).ok());
    CHECK(out == R"({"id":"spring","collection":"campaigns","version":"7",)"
                 R"("created_at":"1970-01-01T00:00:00.000Z","updated_at":"1970-01-01T00:00:00.000Z",)"
                 R"("body":{"name":"Spring sale","start":"2024-03-01T00:00:00Z",)"
                 R"("end":"2024-03-31T23:59:59Z"}})");
  }

  TEST_CASE("a registration serves every version up to the next registration") {
    // v1 view A, v2 and v3 view B, stored shape from v4, up to latest 5.
    ApiViewsBuilder builder(5);
    auto constant = [](const char* text) {
      return [text](const Record&) -> absl::StatusOr<Json> { return Json::Parse(text); };
    };
    REQUIRE(builder.Register("campaigns", 1, constant(R"("A")")).ok());
    REQUIRE(builder.Register("campaigns", 2, constant(R"("B")")).ok());
    REQUIRE(builder.RegisterIdentity("campaigns", 4).ok());
    const ApiViews views = *builder.Build();
    CHECK(views.Render(Campaign(), 1)->text() == R"("A")");
    CHECK(views.Render(Campaign(), 2)->text() == R"("B")");
    CHECK(views.Render(Campaign(), 3)->text() == R"("B")");
    CHECK(*views.Render(Campaign(), 4) == Campaign().body);
    CHECK(*views.Render(Campaign(), 5) == Campaign().body);
    CHECK(views.Versions("campaigns") == std::vector<int>{1, 2, 3, 4, 5});
  }

  TEST_CASE("a view also covers the newer versions when nothing later is registered") {
    ApiViewsBuilder builder(3);
    REQUIRE(builder.Register("campaigns", 2, CampaignV2ToV1).ok());
    const ApiViews views = *builder.Build();
    CHECK(absl::IsNotFound(views.Render(Campaign(), 1).status()));
    CHECK(views.Render(Campaign(), 3)->text().find(R"("name")") != std::string_view::npos);
  }

  TEST_CASE("the view sees the whole record") {
    ApiViewsBuilder builder(1);
    REQUIRE(builder
                .Register("campaigns", 1,
                          [](const Record& r) -> absl::StatusOr<Json> {
                            return Json::FromString(absl::StrCat(r.id, "@", r.version));
                          })
                .ok());
    CHECK(builder.Build()->Render(Campaign(), 1)->text() == R"("spring@7")");
  }

  TEST_CASE("a view's error keeps its code and says where it came from") {
    Record broken = Campaign();
    broken.body = *Json::Parse(R"({"title":"no schedule"})");
    const absl::StatusOr<Json> v1 = TwoVersions().Render(broken, 1);
    CHECK(absl::IsFailedPrecondition(v1.status()));
    CHECK(Message(v1.status()) ==
          "view of collection 'campaigns' for API v1 failed on record 'spring': "
          "stored campaign has no string at /schedule/start");
  }
}

TEST_SUITE("ApiViews NotFound") {
  TEST_CASE("an API version outside 1..latest") {
    const ApiViews views = TwoVersions();
    for (int v : {0, -1, 3, 1000}) {
      const absl::StatusOr<Json> body = views.Render(Campaign(), v);
      CHECK(absl::IsNotFound(body.status()));
      CHECK(Message(body.status()) ==
            absl::StrCat("API version ", v, " does not exist; the versions are 1..2"));
    }
  }

  TEST_CASE("a collection never registered is not exposed") {
    const absl::StatusOr<Json> body = TwoVersions().Render(InCollection("_sessions"), 2);
    CHECK(absl::IsNotFound(body.status()));
    CHECK(Message(body.status()) == "collection '_sessions' is not part of API v2");
  }

  TEST_CASE("a collection added in a later version is not part of the earlier one") {
    const ApiViews views = TwoVersions();
    CHECK(absl::IsNotFound(views.Render(InCollection("polls"), 1).status()));
    CHECK(views.Render(InCollection("polls"), 2).ok());
  }

  TEST_CASE("a collection name from outside is escaped in the message") {
    const absl::StatusOr<Json> body = TwoVersions().Render(InCollection("a\nb'"), 1);
    CHECK(Message(body.status()) == R"(collection 'a\nb\'' is not part of API v1)");
  }

  TEST_CASE("a default ApiViews serves nothing") {
    const ApiViews views;
    CHECK(views.latest_api_version() == 0);
    CHECK(absl::IsNotFound(views.Render(Campaign(), 1).status()));
    CHECK(views.Versions("campaigns").empty());
    CHECK(views.Collections(1).empty());
  }
}

TEST_SUITE("ApiViews listing") {
  TEST_CASE("Versions lists where a collection is served") {
    const ApiViews views = TwoVersions();
    CHECK(views.latest_api_version() == 2);
    CHECK(views.Versions("campaigns") == std::vector<int>{1, 2});
    CHECK(views.Versions("polls") == std::vector<int>{2});
    CHECK(views.Versions("segments") == std::vector<int>{1, 2});
    CHECK(views.Versions("unknown").empty());
  }

  TEST_CASE("Collections lists what a version serves, sorted") {
    const ApiViews views = TwoVersions();
    CHECK(views.Collections(1) == std::vector<std::string>{"campaigns", "segments"});
    CHECK(views.Collections(2) == std::vector<std::string>{"campaigns", "polls", "segments"});
    CHECK(views.Collections(3).empty());
    CHECK(views.Collections(0).empty());
  }
}

TEST_SUITE("ApiViewsBuilder errors") {
  TEST_CASE("registrations are checked") {
    ApiViewsBuilder builder(2);
    CHECK(absl::IsInvalidArgument(builder.RegisterIdentity("bad name", 1)));
    CHECK(absl::IsInvalidArgument(builder.RegisterIdentity("", 1)));
    const absl::Status zero = builder.RegisterIdentity("campaigns", 0);
    CHECK(Message(zero) == "API version 0 of collection 'campaigns' is outside 1..2");
    CHECK(absl::IsInvalidArgument(builder.RegisterIdentity("campaigns", 3)));
    const absl::Status empty = builder.Register("campaigns", 1, ViewFunction());
    CHECK(absl::IsInvalidArgument(empty));
    CHECK(Message(empty).find("RegisterIdentity") != std::string::npos);
    REQUIRE(builder.RegisterIdentity("campaigns", 1).ok());
    const absl::Status again = builder.Register("campaigns", 1, CampaignV2ToV1);
    CHECK(absl::IsAlreadyExists(again));
    CHECK(Message(again) == "collection 'campaigns' already has a view from API v1");
  }

  TEST_CASE("Build fails with the first registration error") {
    ApiViewsBuilder builder(2);
    (void)builder.RegisterIdentity("campaigns", 5);
    (void)builder.RegisterIdentity("", 1);
    REQUIRE(builder.RegisterIdentity("segments", 1).ok());
    const absl::StatusOr<ApiViews> views = builder.Build();
    CHECK(absl::IsInvalidArgument(views.status()));
    CHECK(Message(views.status()) == "API version 5 of collection 'campaigns' is outside 1..2");
  }

  TEST_CASE("a latest API version out of range fails every call and Build") {
    for (int latest : {0, -3, kMaxApiVersion + 1}) {
      ApiViewsBuilder builder(latest);
      CHECK(absl::IsInvalidArgument(builder.RegisterIdentity("campaigns", 1)));
      const absl::StatusOr<ApiViews> views = builder.Build();
      CHECK(absl::IsInvalidArgument(views.status()));
      CHECK(Message(views.status()) ==
            absl::StrCat("latest API version ", latest, " is outside 1..", kMaxApiVersion));
    }
    ApiViewsBuilder largest(kMaxApiVersion);
    REQUIRE(largest.RegisterIdentity("campaigns", kMaxApiVersion).ok());
    CHECK(largest.Build()->Versions("campaigns") == std::vector<int>{kMaxApiVersion});
  }
}

TEST_SUITE("ApiViews immutability") {
  TEST_CASE("a built ApiViews does not see later registrations") {
    ApiViewsBuilder builder(2);
    REQUIRE(builder.RegisterIdentity("campaigns", 2).ok());
    const ApiViews first = *builder.Build();
    REQUIRE(builder.Register("campaigns", 1, CampaignV2ToV1).ok());
    const ApiViews second = *builder.Build();
    CHECK(absl::IsNotFound(first.Render(Campaign(), 1).status()));
    CHECK(second.Render(Campaign(), 1).ok());
  }

  TEST_CASE("copies render the same and outlive the builder") {
    ApiViews copy;
    {
      ApiViewsBuilder builder(1);
      REQUIRE(builder.Register("campaigns", 1, CampaignV2ToV1).ok());
      const ApiViews views = *builder.Build();
      copy = views;
    }
    CHECK(copy.Render(Campaign(), 1)->text().find(R"("name":"Spring sale")") != std::string_view::npos);
  }

  TEST_CASE("concurrent Render from four threads" * doctest::test_suite("concurrent")) {
    const ApiViews views = TwoVersions();
    const Record record = Campaign();
    const std::string expected_v1 = std::string(views.Render(record, 1)->text());
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        const ApiViews mine = views;  // copies share the state
        for (int i = 0; i < 500; ++i) {
          const int v = 1 + (i + t) % 2;
          const absl::StatusOr<Json> body = mine.Render(record, v);
          const bool good = body.ok() && (v == 1 ? body->text() == expected_v1 : *body == record.body);
          if (!good) mismatches.fetch_add(1);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(mismatches.load() == 0);
  }
}

}  // namespace
}  // namespace marquee
