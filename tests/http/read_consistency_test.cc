// Consistency per read (api.h "Consistency"): GETs of a campaign or segment
// go through ApiOptions::read_cache unless the request asks for a strong
// read (?consistency=strong, Cache-Control: no-cache or max-age=0, Pragma:
// no-cache), which reads the store; features and decide wait for the
// delivery view to reach the store's version when asked for strong. Shown
// with the store's reads failing: an eventual read of a cached record is
// still answered, a strong one is 503.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "api_fixture.h"
#include "marquee/campaign/decide.h"
#include "marquee/tiered_cache.h"

namespace marquee::http::test {
namespace {

// An Api whose campaign and segment reads go through a TieredCache (L1
// only) over the failing store, with a Decider for features and decide.
struct CachedApi {
  ManualClock clock{absl::FromCivil(absl::CivilSecond(2026, 3, 1, 0, 0, 0), absl::UTCTimeZone())};
  std::unique_ptr<MemoryStore> memory;
  std::unique_ptr<FailingStore> store;
  std::unique_ptr<TieredCache> cache;
  std::unique_ptr<campaign::CampaignRepository> repo;
  std::unique_ptr<campaign::Decider> decider;
  std::unique_ptr<Api> api;

  CachedApi() {
    auto m = OpenMemoryStore({.clock = &clock});
    REQUIRE(m.ok());
    memory = *std::move(m);
    store = std::make_unique<FailingStore>(memory.get());
    auto c = TieredCache::Open(store.get(), {});
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    cache = *std::move(c);
    auto r = campaign::CampaignRepository::Open(store.get(), {.clock = &clock, .cache = cache.get()});
    REQUIRE(r.ok());
    repo = *std::move(r);
    auto d = campaign::Decider::Open(store.get(), {.clock = &clock});
    REQUIRE(d.ok());
    decider = *std::move(d);
    ApiOptions options;
    options.store = store.get();
    options.campaigns = repo.get();
    options.decider = decider.get();
    options.delivery_view = &decider->view();
    options.read_cache = cache.get();
    options.clock = &clock;
    auto a = Api::Create(std::move(options));
    REQUIRE_MESSAGE(a.ok(), a.status().ToString());
    api = *std::move(a);
  }

  Response Send(std::string method, std::string target, std::string body = "",
                Headers headers = {}) const {
    if (!body.empty()) headers.Add("Content-Type", "application/json");
    return api->Handle({.method = std::move(method), .target = std::move(target),
                        .headers = std::move(headers), .body = std::move(body),
                        .remote_address = "192.0.2.1:40000"});
  }
  uint64_t l1_hits() const { return cache->stats().l1.hits; }
};

TEST_CASE("campaign GETs are eventual through the read cache and strong ones read the store") {
  CachedApi f;
  REQUIRE(f.Send("POST", "/v1/campaigns", CampaignBody("spring")).status == 201);
  REQUIRE(f.Send("GET", "/v1/campaigns/spring").status == 200);  // loads into L1
  const uint64_t hits = f.l1_hits();
  REQUIRE(f.Send("GET", "/v1/campaigns/spring").status == 200);
  CHECK(f.l1_hits() == hits + 1);

  SUBCASE("each way of asking for strong bypasses the cache") {
    for (const Headers& headers :
         {Headers{}, Headers{{"Cache-Control", "no-cache"}}, Headers{{"cache-control", "max-age=0"}},
          Headers{{"Cache-Control", "private, max-age=\"0\""}}, Headers{{"Pragma", "no-cache"}}}) {
      const std::string target = headers.Has("Cache-Control") || headers.Has("Pragma")
                                     ? "/v1/campaigns/spring"
                                     : "/v1/campaigns/spring?consistency=strong";
      CAPTURE(target);
      const uint64_t before = f.l1_hits();
      Response r = f.Send("GET", target, "", headers);
      CHECK(r.status == 200);
      CHECK(f.l1_hits() == before);
    }
    // max-age=60 does not ask for a fresh answer; consistency=eventual
    // overrides the headers.
    uint64_t before = f.l1_hits();
    CHECK(f.Send("GET", "/v1/campaigns/spring", "", Headers{{"Cache-Control", "max-age=60"}}).status == 200);
    CHECK(f.l1_hits() == before + 1);
    before = f.l1_hits();
    CHECK(f.Send("GET", "/v1/campaigns/spring?consistency=eventual", "",
                 Headers{{"Cache-Control", "no-cache"}}).status == 200);
    CHECK(f.l1_hits() == before + 1);
  }

  SUBCASE("with the store's reads failing, eventual reads are served from L1, strong ones are 503") {
    f.store->FailReads(absl::UnavailableError(kSecret));
    Response eventual = f.Send("GET", "/v1/campaigns/spring");
    CHECK(eventual.status == 200);
    CHECK(Contains(eventual.body, "\"id\":\"spring\""));
    CheckProblem(f.Send("GET", "/v1/campaigns/spring?consistency=strong"), 503);
    CheckProblem(f.Send("GET", "/v2/campaigns/spring", "", Headers{{"Cache-Control", "no-cache"}}), 503);
  }

  SUBCASE("a bad or repeated consistency is a 400 naming it") {
    Response bad = f.Send("GET", "/v1/campaigns/spring?consistency=linearizable");
    CheckProblem(bad, 400);
    CHECK(Contains(bad.body, "consistency: expected strong or eventual"));
    CheckProblem(f.Send("GET", "/v1/campaigns/spring?consistency=strong&consistency=strong"), 400);
  }
}

TEST_CASE("segment GETs are eventual through the read cache and strong ones read the store") {
  CachedApi f;
  REQUIRE(f.Send("POST", "/v1/segments", R"({"id":"fr","name":"FR","condition":{"country":"FR"}})")
              .status == 201);
  REQUIRE(f.Send("GET", "/v1/segments/fr").status == 200);
  f.store->FailReads(absl::UnavailableError(kSecret));
  CHECK(f.Send("GET", "/v1/segments/fr").status == 200);
  CheckProblem(f.Send("GET", "/v1/segments/fr?consistency=strong"), 503);
}

TEST_CASE("strong features and decisions reflect a write committed just before") {
  CachedApi f;
  // Written straight to the store, as another node would: the view learns
  // of it from the change feed, a strong read waits for that.
  for (int round = 0; round < 20; ++round) {
    WriteBatch batch;
    const std::string key = "flag-" + std::to_string(round);
    batch.Put("features", key, *Json::Parse(R"({"defaultValue":true})"));
    REQUIRE(f.memory->Write(batch).ok());
    Response features = f.Send("GET", "/v1/features?consistency=strong");
    REQUIRE(features.status == 200);
    CHECK(Contains(features.body, "\"" + key + "\""));
    Response decision = f.Send("GET", "/v1/decide?user=u1&consistency=strong");
    REQUIRE(decision.status == 200);
    CHECK(Contains(decision.body, "\"" + key + "\""));
    Response posted = f.Send("POST", "/v1/decide?consistency=strong", R"({"user":"u1"})");
    REQUIRE(posted.status == 200);
    CHECK(Contains(posted.body, "\"" + key + "\""));
  }
  // The store cannot be read: a strong read says so instead of answering
  // from the view as it is; an eventual one answers.
  f.store->FailReads(absl::UnavailableError(kSecret));
  CheckProblem(f.Send("GET", "/v1/features", "", Headers{{"Cache-Control", "no-cache"}}), 503);
  CheckProblem(f.Send("GET", "/v1/decide?user=u1&consistency=strong"), 503);
  CHECK(f.Send("GET", "/v1/features").status == 200);
  // The SDK payload takes consistency and nothing else.
  f.store->FailReads(absl::OkStatus());
  CheckProblem(f.Send("GET", "/v1/features?limit=3"), 400);
  CHECK(f.Send("GET", "/api/features/sdk-key?consistency=eventual").status == 200);
}

}  // namespace
}  // namespace marquee::http::test
