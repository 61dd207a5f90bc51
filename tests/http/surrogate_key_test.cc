// Surrogate-Key (src/http/surrogate_keys.h): cacheable GET answers name the
// collections and records they were built from, as the change feed names a
// change ("c" and "c/id"; record answers also "c/*"), on 200 and 304;
// writes, errors, personal data and streams carry none. The public key
// mapping (marquee/http/surrogate_keys.h) agrees with the tags.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_fixture.h"
#include "http/surrogate_keys.h"
#include "marquee/campaign/collections.h"
#include "marquee/http/surrogate_keys.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::Domain;

constexpr Domain kDelivery{.decider = true, .polls = true, .profiles = true};
constexpr std::string_view kPoll =
    R"({"id":"colour","question":"?","options":[{"key":"red","label":"Red"},{"key":"blue","label":"Blue"}]})";

std::optional<std::string_view> KeysOf(const Response& r) { return r.headers.Get("Surrogate-Key"); }

TEST_SUITE("http.surrogate_keys") {
  TEST_CASE("delivery answers name what they were built from") {
    ApiFixture f({}, kDelivery);
    f.PutRecord(campaign::kFeaturesCollection, "banner", R"({"defaultValue":"hello"})");
    REQUIRE(f.SendJson("POST", "/v1/polls", std::string(kPoll)).status == 201);
    f.Sync();
    CHECK(KeysOf(f.Get("/v1/features")) == std::optional<std::string_view>("features"));
    CHECK(KeysOf(f.Get("/api/features/sdk-abc")) == std::optional<std::string_view>("features"));
    CHECK(KeysOf(f.Get("/v1/decide?user=u1")) ==
          std::optional<std::string_view>("campaigns segments features"));
    CHECK(KeysOf(f.Get("/v1/polls/colour/results")) ==
          std::optional<std::string_view>("poll_tallies/colour poll_tallies/* polls/colour polls/*"));
    CHECK(KeysOf(f.Get("/v1/polls/colour")) == std::optional<std::string_view>("polls/colour polls/*"));
  }

  TEST_CASE("campaign and segment reads name their record and lists their collection") {
    ApiFixture f;
    f.Create("spring");
    CHECK(KeysOf(f.Get("/v1/campaigns/spring")) ==
          std::optional<std::string_view>("campaigns/spring campaigns/*"));
    CHECK(KeysOf(f.Get("/v1/campaigns?limit=5")) == std::optional<std::string_view>("campaigns"));
    CHECK(KeysOf(f.Send("HEAD", "/v1/campaigns/spring")) ==
          std::optional<std::string_view>("campaigns/spring campaigns/*"));
    REQUIRE(f.SendJson("POST", "/v1/segments", R"({"id":"vip","name":"VIP","condition":{"tier":"vip"}})")
                .status == 201);
    CHECK(KeysOf(f.Get("/v1/segments/vip")) == std::optional<std::string_view>("segments/vip segments/*"));
  }

  TEST_CASE("a 304 carries the keys of the answer it stands for") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    Response r = f.Get("/v1/campaigns/spring", {{"If-None-Match", etag}});
    REQUIRE(r.status == 304);
    CHECK(KeysOf(r) == std::optional<std::string_view>("campaigns/spring campaigns/*"));
  }

  TEST_CASE("writes errors profiles and unknown records carry no key") {
    ApiFixture f({}, kDelivery);
    Response created = f.SendJson("POST", "/v1/campaigns", test::CampaignBody("spring"));
    REQUIRE(created.status == 201);
    CHECK_FALSE(KeysOf(created).has_value());
    CHECK_FALSE(KeysOf(f.Get("/v1/campaigns/missing")).has_value());
    REQUIRE(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"plan":"pro"}})").status / 100 == 2);
    CHECK_FALSE(KeysOf(f.Get("/v1/profiles/u1")).has_value());
    CHECK_FALSE(KeysOf(f.Get("/healthz")).has_value());
  }

  TEST_CASE("an id that is not key-safe falls back to its collection key") {
    Target target{.segments = {"v1", "campaigns", "has space"}};
    CHECK(internal::SurrogateKeys("/v1/campaigns/{id}", target) == "campaigns campaigns/*");
    target.segments[2] = "ok-id_1.2";
    CHECK(internal::SurrogateKeys("/v1/campaigns/{id}", target) == "campaigns/ok-id_1.2 campaigns/*");
    CHECK(internal::SurrogateKeys("/v1/profiles/{id}", target).empty());
  }

  TEST_CASE("a change maps to the keys of the answers it makes stale") {
    CHECK(ChangePurgeKeys("campaigns", "spring") ==
          std::vector<std::string>{"campaigns", "campaigns/spring"});
    CHECK(ChangePurgeKeys("campaigns", "has space") == std::vector<std::string>{"campaigns"});
    CHECK(CollectionPurgeKeys("features") == std::vector<std::string>{"features", "features/*"});
    CHECK_FALSE(IsSurrogateKeySafe(""));
    CHECK_FALSE(IsSurrogateKeySafe("a,b"));
    CHECK(IsSurrogateKeySafe("user@example.com"));
    const std::vector<std::string>& tagged = TaggedCollections();
    CHECK(tagged.size() == 5);
    CHECK(std::find(tagged.begin(), tagged.end(), "features") != tagged.end());
    CHECK(std::find(tagged.begin(), tagged.end(), "votes") == tagged.end());
  }
}

}  // namespace
}  // namespace marquee::http
