// Decider::Decide: ordering, schedules across time zones and DST, placement,
// targeting on profile + context, segments, GrowthBook-compatible
// assignment (checked against an independent implementation here),
// stickiness, coverage, explain, flags, and the hot path reading nothing
// from the store while nothing changed.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "counting_store.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/profile.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

// --- an independent GrowthBook hash (spec: FNV-1a 32, hash version 2) ---
uint32_t Fnv(std::string_view s) {
  uint32_t h = 0x811c9dc5u;
  for (unsigned char c : s) {  // ASCII ids: one UTF-16 unit per byte
    h ^= c;
    h *= 0x01000193u;
  }
  return h;
}
double HashV2(std::string_view seed, std::string_view value) {
  const uint32_t inner = Fnv(std::string(seed) + std::string(value));
  return static_cast<double>(Fnv(std::to_string(inner)) % 10000) / 10000.0;
}
// The variant index GrowthBook picks; -1 outside coverage.
int Expect(double n, const std::vector<double>& weights, double coverage) {
  double start = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (n >= start && n < start + coverage * weights[i]) return static_cast<int>(i);
    start += weights[i];
  }
  return -1;
}

struct Fixture {
  ManualClock clock{absl::FromCivil(absl::CivilSecond(2026, 6, 1, 12, 0, 0), absl::UTCTimeZone())};
  std::unique_ptr<MemoryStore> memory;
  std::unique_ptr<CountingStore> store;
  std::unique_ptr<Decider> decider;

  Fixture() {
    absl::StatusOr<std::unique_ptr<MemoryStore>> s = OpenMemoryStore({.clock = &clock});
    REQUIRE(s.ok());
    memory = *std::move(s);
    store = std::make_unique<CountingStore>(memory.get());
  }
  void Open(DeciderOptions options = {}) {
    options.clock = &clock;
    absl::StatusOr<std::unique_ptr<Decider>> d = Decider::Open(store.get(), options);
    REQUIRE_MESSAGE(d.ok(), d.status().ToString());
    decider = *std::move(d);
  }
  uint64_t Put(std::string_view collection, std::string_view id, std::string_view body) {
    absl::StatusOr<Json> json = Json::Parse(body);
    REQUIRE_MESSAGE(json.ok(), json.status().ToString());
    WriteBatch batch;
    batch.Put(std::string(collection), std::string(id), *json);
    absl::StatusOr<uint64_t> v = memory->Write(batch);
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    return *v;
  }
  // Puts, then waits for the decider to see it.
  void Apply(std::string_view collection, std::string_view id, std::string_view body) {
    const uint64_t v = Put(collection, id, body);
    if (decider) REQUIRE(decider->view().WaitForVersion(v, absl::Seconds(10)).ok());
  }
  Decision Decide(DecideRequest request) {
    absl::StatusOr<Decision> d = decider->Decide(request);
    REQUIRE_MESSAGE(d.ok(), d.status().ToString());
    return *std::move(d);
  }
};

std::string CampaignJson(int priority, const std::string& extra = "",
                     const std::string& variants = R"([{"key":"a","weight":1,"content":{"t":1}}])") {
  return absl::StrCat(R"({"name":"n","status":"live","priority":)", priority,
                      R"(,"variants":)", variants, extra, "}");
}

std::vector<std::string> Ids(const Decision& d) {
  std::vector<std::string> ids;
  for (const auto& c : d.campaigns) ids.push_back(c.campaign_id);
  return ids;
}

std::string Reason(const Decision& d, std::string_view id) {
  for (const auto& s : d.skipped) {
    if (s.campaign_id == id) return s.reason;
  }
  return "(not skipped)";
}

TEST_CASE("bad requests are InvalidArgument") {
  Fixture f;
  f.Open();
  CHECK(absl::IsInvalidArgument(f.decider->Decide({.user = ""}).status()));
  CHECK(absl::IsInvalidArgument(f.decider->Decide({.user = "a/b"}).status()));
  CHECK(absl::IsInvalidArgument(
      f.decider->Decide({.user = "u", .context = *Value::Parse("[1]")}).status()));
  CHECK(absl::IsInvalidArgument(f.decider->Decide({.user = "u", .placement = ""}).status()));
  CHECK(absl::IsInvalidArgument(Decider::Open(nullptr).status()));
  CHECK(absl::IsInvalidArgument(Decider::Open(f.store.get(), {.profile_cache_bytes = 0}).status()));
}

TEST_CASE("campaigns come by priority then id and filtered by placement") {
  Fixture f;
  f.Put("campaigns", "b", CampaignJson(5));
  f.Put("campaigns", "a", CampaignJson(5, R"(,"placements":["hero"])"));
  f.Put("campaigns", "z", CampaignJson(9, R"(,"placements":["footer"])"));
  f.Put("campaigns", "low", CampaignJson(-3));
  f.Open();
  CHECK(Ids(f.Decide({.user = "u1"})) == std::vector<std::string>{"z", "a", "b", "low"});
  CHECK(Ids(f.Decide({.user = "u1", .placement = "hero"})) ==
        std::vector<std::string>{"a", "b", "low"});
  CHECK(Ids(f.Decide({.user = "u1", .placement = "nowhere"})) ==
        std::vector<std::string>{"b", "low"});
}

TEST_CASE("schedule boundaries across time zones and DST") {
  Fixture f;
  // Paris: 02:30 on 2026-03-29 does not exist (clocks jump 02:00 -> 03:00):
  // the window opens at the jump, 01:00 UTC. 02:30 on 2026-10-25 exists
  // twice: the first, 00:30 UTC, ends it.
  f.Put("campaigns", "paris",
        CampaignJson(1, R"(,"schedule":{"start":"2026-03-29T02:30:00","end":"2026-10-25T02:30:00","timeZone":"Europe/Paris"})"));
  // New York 09:00 EST = 14:00 UTC.
  f.Put("campaigns", "ny",
        CampaignJson(0, R"(,"schedule":{"start":"2026-03-01T09:00:00","timeZone":"America/New_York"})"));
  f.Open();
  auto at = [&](int y, int mo, int d, int h, int mi, int s) {
    f.clock.Set(absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone()));
    return Ids(f.Decide({.user = "u"}));
  };
  CHECK(at(2026, 3, 1, 13, 59, 59).empty());
  CHECK(at(2026, 3, 1, 14, 0, 0) == std::vector<std::string>{"ny"});
  CHECK(at(2026, 3, 29, 0, 59, 59) == std::vector<std::string>{"ny"});
  CHECK(at(2026, 3, 29, 1, 0, 0) == std::vector<std::string>{"paris", "ny"});
  CHECK(at(2026, 10, 25, 0, 29, 59) == std::vector<std::string>{"paris", "ny"});
  CHECK(at(2026, 10, 25, 0, 30, 0) == std::vector<std::string>{"ny"});
  f.clock.Set(absl::FromCivil(absl::CivilSecond(2026, 3, 29, 0, 0, 0), absl::UTCTimeZone()));
  Decision d = f.Decide({.user = "u", .explain = true});
  CHECK(Reason(d, "paris").find("schedule: 2026-03-29T00:00:00Z is outside [2026-03-29T01:00:00Z") == 0);
}

TEST_CASE("targeting uses the profile with the context over it") {
  Fixture f;
  f.Put("profiles", "u1", R"({"attributes":{"country":"FR","tier":"vip","age":30}})");
  f.Put("campaigns", "de", CampaignJson(1, R"(,"targeting":{"condition":{"country":"DE"}})"));
  f.Put("campaigns", "adult-vip",
        CampaignJson(0, R"(,"targeting":{"condition":{"age":{"$gte":18}},"segments":["vip"]})"));
  f.Put("campaigns", "self", CampaignJson(0, R"(,"targeting":{"condition":{"id":"u1"}})"));
  f.Put("segments", "vip", R"({"name":"VIP","condition":{"tier":"vip"}})");
  f.Open();
  CHECK(Ids(f.Decide({.user = "u1"})) == std::vector<std::string>{"adult-vip", "self"});
  CHECK(Ids(f.Decide({.user = "u1", .context = *Value::Parse(R"({"country":"DE"})")})) ==
        std::vector<std::string>{"de", "adult-vip", "self"});
  CHECK(Ids(f.Decide({.user = "u1", .context = *Value::Parse(R"({"tier":"basic"})")})) ==
        std::vector<std::string>{"self"});
  CHECK(Ids(f.Decide({.user = "u2", .context = *Value::Parse(R"({"age":40})")})).empty());
}

TEST_CASE("a campaign naming a missing segment is not served and explain says why") {
  Fixture f;
  f.Put("campaigns", "c", CampaignJson(0, R"(,"targeting":{"segments":["ghost"]})"));
  f.Open();
  Decision d = f.Decide({.user = "u", .explain = true});
  CHECK(d.campaigns.empty());
  CHECK(Reason(d, "c") == "segment ghost: does not exist");
  f.Apply("segments", "ghost", R"({"name":"G","condition":{}})");
  CHECK(Ids(f.Decide({.user = "u"})) == std::vector<std::string>{"c"});
}

TEST_CASE("assignment matches GrowthBook hashing with weights and coverage") {
  Fixture f;
  const std::string variants =
      R"([{"key":"control","weight":0.3,"content":0},{"key":"treat","weight":0.7,"content":1}])";
  f.Put("campaigns", "exp", CampaignJson(0, "", variants));
  f.Put("campaigns", "half",
        CampaignJson(0, R"(,"experiment":{"coverage":0.5,"seed":"s-half"})", variants));
  f.Put("campaigns", "by-device",
        CampaignJson(0, R"(,"experiment":{"hashAttribute":"device","fallbackAttribute":"anon"})",
                 variants));
  f.Open();
  int seen[2] = {0, 0};
  int outside = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string user = absl::StrCat("user-", i);
    Decision d = f.Decide({.user = user, .context = *Value::Parse(R"({"anon":"x7"})")});
    REQUIRE(d.campaigns.size() == 3);
    for (const CampaignDecision& c : d.campaigns) {
      int expected = 0;
      if (c.campaign_id == "exp") expected = Expect(HashV2("exp", user), {0.3, 0.7}, 1);
      if (c.campaign_id == "half") expected = Expect(HashV2("s-half", user), {0.3, 0.7}, 0.5);
      if (c.campaign_id == "by-device") expected = Expect(HashV2("by-device", "x7"), {0.3, 0.7}, 1);
      CHECK(c.in_experiment == (expected >= 0));
      CHECK(c.variant_index == std::max(expected, 0));
      CHECK(c.variant_key == (c.variant_index == 0 ? "control" : "treat"));
      CHECK(c.content.text() == (c.variant_index == 0 ? "0" : "1"));
      if (c.campaign_id == "exp") ++seen[c.variant_index];
      if (c.campaign_id == "half" && !c.in_experiment) ++outside;
    }
  }
  CHECK(seen[0] > 50);
  CHECK(seen[1] > 150);
  CHECK(outside > 100);
  CHECK(outside < 200);
  // No hash value: variant 0, not in the experiment.
  f.Apply("campaigns", "by-device",
          CampaignJson(0, R"(,"experiment":{"hashAttribute":"device"})", variants));
  Decision d = f.Decide({.user = "u", .placement = "p", .explain = true});
  const CampaignDecision* dev = nullptr;
  for (const auto& c : d.campaigns) {
    if (c.campaign_id == "by-device") dev = &c;
  }
  REQUIRE(dev != nullptr);
  CHECK_FALSE(dev->in_experiment);
  CHECK(dev->variant_index == 0);
  CHECK(dev->explain.back().find("hash: no value for 'device'") == 0);
}

TEST_CASE("a sticky user keeps the variant when weights change and a non-sticky one moves") {
  Fixture f;
  const std::string all_a = R"([{"key":"a","weight":1},{"key":"b","weight":0}])";
  const std::string all_b = R"([{"key":"a","weight":0},{"key":"b","weight":1}])";
  f.Put("campaigns", "sticky", CampaignJson(1, R"(,"experiment":{"sticky":true})", all_a));
  f.Put("campaigns", "plain", CampaignJson(0, "", all_a));
  f.Open();
  Decision first = f.Decide({.user = "u1"});
  REQUIRE(first.campaigns.size() == 2);
  CHECK(first.campaigns[0].variant_key == "a");
  CHECK_FALSE(first.campaigns[0].sticky_used);
  CHECK(first.campaigns[1].variant_key == "a");
  // The assignment was saved in GrowthBook's document layout.
  absl::StatusOr<Record> doc = f.memory->Get("sticky_buckets", "id||u1");
  REQUIRE(doc.ok());
  CHECK(doc->body.text().find(R"("sticky__0":"a")") != std::string::npos);

  f.Apply("campaigns", "sticky", CampaignJson(1, R"(,"experiment":{"sticky":true})", all_b));
  f.Apply("campaigns", "plain", CampaignJson(0, "", all_b));
  Decision later = f.Decide({.user = "u1", .explain = true});
  REQUIRE(later.campaigns.size() == 2);
  CHECK(later.campaigns[0].variant_key == "a");
  CHECK(later.campaigns[0].sticky_used);
  CHECK(later.campaigns[0].explain.back() == "sticky: kept variant a for id=u1");
  CHECK(later.campaigns[1].variant_key == "b");
  // A new user gets the new weights.
  CHECK(f.Decide({.user = "u2"}).campaigns[0].variant_key == "b");
}

TEST_CASE("explain lists the deciding clauses and every campaign not selected") {
  Fixture f;
  f.Put("campaigns", "hit", CampaignJson(3, R"(,"targeting":{"condition":{"a":1},"segments":["s"]})"));
  f.Put("campaigns", "miss", CampaignJson(2, R"(,"targeting":{"condition":{"a":2}})"));
  f.Put("campaigns", "seg", CampaignJson(2, R"(,"targeting":{"segments":["t"]})"));
  f.Put("campaigns", "elsewhere", CampaignJson(1, R"(,"placements":["footer"])"));
  f.Put("campaigns", "off", R"({"name":"n","status":"paused","variants":[{"key":"a","weight":1}]})");
  f.Put("segments", "s", R"({"name":"S","condition":{}})");
  f.Put("segments", "t", R"({"name":"T","condition":{"b":1}})");
  f.Open();
  Decision d = f.Decide({.user = "u", .context = *Value::Parse(R"({"a":1})"),
                         .placement = "hero", .explain = true});
  REQUIRE(Ids(d) == std::vector<std::string>{"hit"});
  CHECK(d.campaigns[0].explain == std::vector<std::string>{
                                      "placement: fills 'hero'", "status: live",
                                      "schedule: running (UTC)", "condition: true",
                                      "segment s: true", d.campaigns[0].explain.back()});
  CHECK(d.campaigns[0].explain.back().find("variant: a (index 0) by hash") == 0);
  CHECK(Reason(d, "miss") == "condition: false");
  CHECK(Reason(d, "seg") == "segment t: false");
  CHECK(Reason(d, "elsewhere") == "placement: does not fill 'hero'");
  CHECK(Reason(d, "off") == "status paused");
  CHECK(d.skipped.size() == 4);
  // Without explain, nothing of it.
  Decision quiet = f.Decide({.user = "u", .context = *Value::Parse(R"({"a":1})")});
  CHECK(quiet.skipped.empty());
  CHECK(quiet.campaigns[0].explain.empty());
}

TEST_CASE("feature flags are evaluated on the merged attributes") {
  Fixture f;
  f.Put("profiles", "u1", R"({"attributes":{"country":"FR"}})");
  f.Put("features", "dark", R"({"defaultValue":false,"rules":[{"condition":{"country":"FR"},"force":true}]})");
  f.Put("features", "limit", R"({"defaultValue":10})");
  f.Open();
  Decision d = f.Decide({.user = "u1"});
  REQUIRE(d.flags.size() == 2);
  CHECK(d.flags[0].key == "dark");
  CHECK(d.flags[0].on);
  CHECK(d.flags[0].source == FeatureSource::kForce);
  CHECK(d.flags[1].key == "limit");
  CHECK(d.flags[1].value.as_number() == 10);
  CHECK(d.flags[1].source == FeatureSource::kDefaultValue);
  Decision other = f.Decide({.user = "u1", .context = *Value::Parse(R"({"country":"US"})")});
  CHECK_FALSE(other.flags[0].on);
}

TEST_CASE("a repeated Decide reads nothing from the store while nothing changed") {
  Fixture f;
  f.Put("profiles", "known", R"({"attributes":{"tier":"vip"}})");
  f.Put("campaigns", "sticky",
        CampaignJson(1, R"(,"experiment":{"sticky":true},"targeting":{"segments":["vip"]})",
                 R"([{"key":"a","weight":0.5},{"key":"b","weight":0.5}])"));
  f.Put("campaigns", "plain", CampaignJson(0));
  f.Put("segments", "vip", R"({"name":"V","condition":{"tier":"vip"}})");
  f.Put("features", "exp",
        R"({"defaultValue":0,"rules":[{"variations":[0,1],"weights":[0.5,0.5],"key":"e1"}]})");
  f.Open();
  // Warm up: a known user, an unknown one (negative caching), and the
  // sticky save with its feed catching up.
  f.Decide({.user = "known"});
  f.Decide({.user = "stranger"});
  REQUIRE(f.decider->view().WaitForVersion(f.memory->CurrentVersion(), absl::Seconds(10)).ok());
  f.Decide({.user = "known"});
  f.Decide({.user = "stranger"});
  const uint64_t reads = f.store->reads();
  const uint64_t writes = f.store->writes();
  for (int i = 0; i < 100; ++i) {
    Decision d = f.Decide({.user = i % 2 == 0 ? "known" : "stranger"});
    CHECK(d.campaigns.size() == (i % 2 == 0 ? 2u : 1u));
    CHECK(d.flags.size() == 1);
  }
  CHECK(f.store->reads() == reads);
  CHECK(f.store->writes() == writes);
  CHECK(f.decider->profile_cache_stats().negative_hits >= 50);
}

TEST_CASE("a profile write is seen once the view caught up") {
  Fixture f;
  f.Put("campaigns", "pro", CampaignJson(0, R"(,"targeting":{"condition":{"plan":"pro"}})"));
  f.Open();
  CHECK(f.Decide({.user = "u1"}).campaigns.empty());
  absl::StatusOr<std::unique_ptr<ProfileRepository>> profiles =
      ProfileRepository::Open(f.memory.get());
  REQUIRE(profiles.ok());
  absl::StatusOr<Profile> p = (*profiles)->Patch("u1", *Json::Parse(R"({"plan":"pro"})"));
  REQUIRE(p.ok());
  REQUIRE(f.decider->view().WaitForVersion(p->version, absl::Seconds(10)).ok());
  CHECK(Ids(f.Decide({.user = "u1"})) == std::vector<std::string>{"pro"});
  p = (*profiles)->Patch("u1", *Json::Parse(R"({"plan":null})"));
  REQUIRE(p.ok());
  REQUIRE(f.decider->view().WaitForVersion(p->version, absl::Seconds(10)).ok());
  CHECK(f.Decide({.user = "u1"}).campaigns.empty());
}

TEST_CASE("a corrupt profile is DataLoss") {
  Fixture f;
  f.Put("profiles", "bad", R"({"attrs":{}})");
  f.Open();
  CHECK(absl::IsDataLoss(f.decider->Decide({.user = "bad"}).status()));
}

TEST_CASE("concurrent decisions during updates" * doctest::test_suite("concurrent")) {
  Fixture f;
  f.Put("segments", "s", R"({"name":"S","condition":{"n":{"$gte":0}}})");
  for (int i = 0; i < 10; ++i) {
    f.Put("campaigns", absl::StrCat("c", i),
          CampaignJson(i, R"(,"experiment":{"sticky":true},"targeting":{"segments":["s"]})",
                   R"([{"key":"a","weight":0.5},{"key":"b","weight":0.5}])"));
  }
  f.Open();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> decided{0};
  std::atomic<uint64_t> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      int i = 0;
      while (!stop.load()) {
        absl::StatusOr<Decision> d = f.decider->Decide(
            {.user = absl::StrCat("u", (i++ + t) % 20), .context = *Value::Parse(R"({"n":1})")});
        if (!d.ok() || d->campaigns.size() != 10) wrong.fetch_add(1);
        decided.fetch_add(1);
      }
    });
  }
  // Updates start once the deciders run, so they overlap.
  while (decided.load() < 3) std::this_thread::yield();
  uint64_t v = 0;
  for (int i = 0; i < 100; ++i) {
    v = f.Put("profiles", absl::StrCat("u", i % 20), absl::StrCat(R"({"attributes":{"k":)", i, "}}"));
    if (i % 10 == 0) v = f.Put("segments", "s", R"({"name":"S","condition":{"n":{"$gte":0}}})");
  }
  REQUIRE(f.decider->view().WaitForVersion(v, absl::Seconds(30)).ok());
  stop = true;
  for (auto& t : threads) t.join();
  CHECK(wrong.load() == 0);
}

}  // namespace
}  // namespace marquee::campaign
