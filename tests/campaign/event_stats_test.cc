// Stats over pre-computed aggregates (event_stats.h): totals, series and
// conversion rates, the two-proportion z-test against values derived by
// hand, the choice of control, range boundaries, and bad ranges.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

// 2026-03-10T12:00:00Z.
const absl::Time kNoon = absl::FromUnixSeconds(1773144000);

constexpr size_t kImp = static_cast<size_t>(EventType::kImpression);
constexpr size_t kConv = static_cast<size_t>(EventType::kConversion);
constexpr size_t kClick = static_cast<size_t>(EventType::kClick);

// Works for std::string_view, absl::string_view (Status messages) and std::string.
template <typename Text>
bool Contains(const Text& haystack, std::string_view needle) {
  return std::string_view(haystack.data(), haystack.size()).find(needle) != std::string_view::npos;
}

std::unique_ptr<MemoryStore> OpenStore(bool prepare = true) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  if (prepare) REQUIRE(PrepareCampaignStore(**store).ok());
  return *std::move(store);
}

// `n` events of one kind at `time`, value 1 each.
void Add(std::vector<Event>* out, int n, EventType type, const std::string& variant,
         absl::Time time, std::string campaign = "spring") {
  for (int i = 0; i < n; ++i) {
    out->push_back({.type = type, .campaign = campaign, .variant = variant, .user = "u",
                    .time = time, .value = 1});
  }
}

// control: 1000 impressions, 200 conversions; b: 1000 and 260; split over
// the hours 10:00 and 11:00; plus 3 clicks on b and noise in another
// campaign.
std::unique_ptr<MemoryStore> StoreWithResults() {
  auto store = OpenStore();
  ManualClock clock(kNoon);
  absl::StatusOr<std::unique_ptr<EventIngestor>> ingestor =
      EventIngestor::Open(store.get(), {.clock = &clock});
  REQUIRE(ingestor.ok());
  std::vector<Event> events;
  const absl::Time ten = kNoon - absl::Hours(2) + absl::Minutes(5);
  const absl::Time eleven = kNoon - absl::Hours(1) + absl::Minutes(30);
  Add(&events, 600, EventType::kImpression, "control", ten);
  Add(&events, 400, EventType::kImpression, "control", eleven);
  Add(&events, 120, EventType::kConversion, "control", ten);
  Add(&events, 80, EventType::kConversion, "control", eleven);
  Add(&events, 500, EventType::kImpression, "b", ten);
  Add(&events, 500, EventType::kImpression, "b", eleven);
  Add(&events, 260, EventType::kConversion, "b", eleven);
  Add(&events, 3, EventType::kClick, "b", eleven);
  Add(&events, 50, EventType::kImpression, "control", ten, "summer");
  REQUIRE((*ingestor)->Ingest(events).ok());
  REQUIRE((*ingestor)->Flush().ok());
  return store;
}

TEST_SUITE("campaign.event_stats") {
  TEST_CASE("totals, series and conversion rates per variant") {
    auto store = StoreWithResults();
    absl::StatusOr<CampaignStats> stats =
        Stats(*store, "spring", kNoon - absl::Hours(3), kNoon, Bucket::kHour);
    REQUIRE_MESSAGE(stats.ok(), stats.status().ToString());
    CHECK(stats->campaign == "spring");
    CHECK(stats->control_variant == "control");  // the default control
    REQUIRE(stats->variants.size() == 2);
    const VariantStats& b = stats->variants[0];
    const VariantStats& control = stats->variants[1];
    CHECK(b.variant == "b");
    CHECK(control.variant == "control");
    CHECK(control.totals[kImp] == EventTotals{1000, 1000});
    CHECK(control.totals[kConv].count == 200);
    CHECK(b.totals[kConv].count == 260);
    CHECK(b.totals[kClick].count == 3);
    REQUIRE(control.conversion_rate.has_value());
    CHECK(*control.conversion_rate == doctest::Approx(0.2).epsilon(1e-12));
    CHECK(*b.conversion_rate == doctest::Approx(0.26).epsilon(1e-12));
    REQUIRE(control.series.size() == 2);
    CHECK(control.series[0].start == kNoon - absl::Hours(2));
    CHECK(control.series[0].totals[kImp].count == 600);
    CHECK(control.series[1].start == kNoon - absl::Hours(1));
    CHECK(control.series[1].totals[kConv].count == 80);
    // Hourly: 2 variants' records of 10:00 and 11:00 (control 2 types x 2
    // hours, b impressions x 2 + conversions + clicks).
    CHECK(stats->records_read == 8);

    // The same by minute and by day.
    absl::StatusOr<CampaignStats> minutes =
        Stats(*store, "spring", kNoon - absl::Hours(3), kNoon, Bucket::kMinute);
    REQUIRE(minutes.ok());
    CHECK(minutes->variants[1].totals == control.totals);
    CHECK(minutes->variants[1].series.size() == 2);
    CHECK(minutes->variants[1].series[0].start == kNoon - absl::Hours(2) + absl::Minutes(5));
    absl::StatusOr<CampaignStats> days =
        Stats(*store, "spring", kNoon - absl::Hours(3), kNoon, Bucket::kDay);
    REQUIRE(days.ok());
    CHECK(days->variants[0].totals == b.totals);
    CHECK(days->variants[0].series.size() == 1);
    CHECK(days->from == absl::FromUnixSeconds(1773100800));  // 2026-03-10T00:00Z
  }

  TEST_CASE("the z-test matches values derived by hand") {
    auto store = StoreWithResults();
    absl::StatusOr<CampaignStats> stats =
        Stats(*store, "spring", kNoon - absl::Hours(3), kNoon, Bucket::kHour);
    REQUIRE(stats.ok());
    const VariantStats& b = stats->variants[0];
    const VariantStats& control = stats->variants[1];
    CHECK_FALSE(control.test.has_value());
    CHECK(control.no_test_reason == "control");
    REQUIRE_MESSAGE(b.test.has_value(), b.no_test_reason);
    // By hand: p = 460 / 2000 = 0.23; se = sqrt(0.23 * 0.77 * 2 / 1000)
    // = sqrt(0.0003542) = 0.0188202...; z = 0.06 / se = 3.18806...;
    // two-sided p = erfc(3.18806 / sqrt 2) = 0.0014323 (normal table:
    // P(|Z| > 3.19) = 0.00142).
    CHECK(b.test->pooled_rate == doctest::Approx(0.23).epsilon(1e-12));
    CHECK(b.test->standard_error == doctest::Approx(0.01882020191177555).epsilon(1e-12));
    CHECK(b.test->z == doctest::Approx(3.188063564953509).epsilon(1e-12));
    CHECK(b.test->p_value == doctest::Approx(0.001432290465813645).epsilon(1e-9));
  }

  TEST_CASE("TwoProportionZTest with unequal sizes and where no test is possible") {
    std::string why;
    // variant 30/400 = 0.075, control 50/500 = 0.1; p = 80/900;
    // se = sqrt(p (1 - p) (1/400 + 1/500)) = 0.0190904...; z = -0.025 / se.
    std::optional<ZTest> t = TwoProportionZTest(30, 400, 50, 500, &why);
    REQUIRE(t.has_value());
    CHECK(t->z == doctest::Approx(-1.3095568045679593).epsilon(1e-12));
    CHECK(t->p_value == doctest::Approx(0.19034580926121658).epsilon(1e-9));
    CHECK_FALSE(TwoProportionZTest(0, 0, 5, 10, &why).has_value());
    CHECK(why == "no impressions for the variant");
    CHECK_FALSE(TwoProportionZTest(5, 10, 0, 0, &why).has_value());
    CHECK(why == "no impressions for the control");
    CHECK_FALSE(TwoProportionZTest(0, 10, 0, 10, &why).has_value());
    CHECK(why == "pooled conversion rate is 0");
    CHECK_FALSE(TwoProportionZTest(10, 10, 7, 7, &why).has_value());
    CHECK(why == "pooled conversion rate is 1");
    CHECK_FALSE(TwoProportionZTest(11, 10, 1, 10, &why).has_value());
    CHECK(Contains(why, "more conversions than impressions"));
  }

  TEST_CASE("the control is the option, else \"control\", else there are no tests") {
    auto store = StoreWithResults();
    const absl::Time from = kNoon - absl::Hours(3);
    absl::StatusOr<CampaignStats> by_b =
        Stats(*store, "spring", from, kNoon, Bucket::kHour, {.control_variant = "b"});
    REQUIRE(by_b.ok());
    CHECK(by_b->control_variant == "b");
    REQUIRE(by_b->variants[1].test.has_value());
    CHECK(by_b->variants[1].test->z == doctest::Approx(-3.188063564953509).epsilon(1e-12));
    absl::StatusOr<CampaignStats> missing =
        Stats(*store, "spring", from, kNoon, Bucket::kHour, {.control_variant = "zzz"});
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->variants[0].test.has_value());
    CHECK(Contains(missing->variants[0].no_test_reason, "'zzz' has no events"));

    // A campaign without a variant named "control" and no option: no tests.
    auto plain = OpenStore();
    ManualClock clock(kNoon);
    auto ingestor = *EventIngestor::Open(plain.get(), {.clock = &clock});
    std::vector<Event> events;
    Add(&events, 10, EventType::kImpression, "a", kNoon - absl::Minutes(1));
    Add(&events, 10, EventType::kImpression, "b", kNoon - absl::Minutes(1));
    REQUIRE(ingestor->Ingest(events).ok());
    REQUIRE(ingestor->Flush().ok());
    absl::StatusOr<CampaignStats> none = Stats(*plain, "spring", from, kNoon, Bucket::kHour);
    REQUIRE(none.ok());
    CHECK(none->control_variant.empty());
    REQUIRE(none->variants.size() == 2);
    for (const VariantStats& v : none->variants) {
      CHECK_FALSE(v.test.has_value());
      CHECK(Contains(v.no_test_reason, "no control variant"));
      CHECK(*v.conversion_rate == 0);
    }
  }

  TEST_CASE("the range is from (inclusive, rounded down to its bucket) to (exclusive)") {
    auto store = StoreWithResults();
    // from 10:59 rounds down to 10:00: both hours.
    absl::StatusOr<CampaignStats> both = Stats(*store, "spring", kNoon - absl::Minutes(61),
                                               kNoon, Bucket::kHour);
    REQUIRE(both.ok());
    CHECK(both->from == kNoon - absl::Hours(2));
    CHECK(both->variants[1].totals[kImp].count == 1000);
    // to = 11:00 exactly excludes the 11:00 bucket.
    absl::StatusOr<CampaignStats> first = Stats(*store, "spring", kNoon - absl::Hours(2),
                                                kNoon - absl::Hours(1), Bucket::kHour);
    REQUIRE(first.ok());
    CHECK(first->variants[1].totals[kImp].count == 600);
    // One second later it is included.
    absl::StatusOr<CampaignStats> more =
        Stats(*store, "spring", kNoon - absl::Hours(2),
              kNoon - absl::Hours(1) + absl::Seconds(1), Bucket::kHour);
    REQUIRE(more.ok());
    CHECK(more->variants[1].totals[kImp].count == 1000);
  }

  TEST_CASE("an empty range, an unknown campaign and a store without events are empty") {
    auto store = StoreWithResults();
    for (auto [campaign, from] : {std::pair<std::string, absl::Time>{"spring", kNoon},
                                  {"nobody", kNoon - absl::Hours(5)}}) {
      absl::StatusOr<CampaignStats> s = Stats(*store, campaign, from, from + absl::Hours(1),
                                              Bucket::kMinute);
      REQUIRE(s.ok());
      CHECK(s->variants.empty());
      CHECK(s->records_read == 0);
    }
    // "summer" is not mixed into "spring", and vice versa.
    absl::StatusOr<CampaignStats> summer =
        Stats(*store, "summer", kNoon - absl::Hours(3), kNoon, Bucket::kDay);
    REQUIRE(summer.ok());
    REQUIRE(summer->variants.size() == 1);
    CHECK(summer->variants[0].totals[kImp].count == 50);
  }

  TEST_CASE("bad ranges, names and options are InvalidArgument naming them") {
    auto store = OpenStore();
    auto check = [&](absl::StatusOr<CampaignStats> s, std::string_view message) {
      CHECK_MESSAGE(absl::IsInvalidArgument(s.status()), message);
      CHECK_MESSAGE(Contains(s.status().message(), message), s.status().message());
    };
    check(Stats(*store, "spring", kNoon, kNoon, Bucket::kHour), "must be after from");
    check(Stats(*store, "spring", kNoon, kNoon - absl::Hours(1), Bucket::kHour),
          "must be after from");
    check(Stats(*store, "spring", absl::InfinitePast(), kNoon, Bucket::kDay), "finite");
    check(Stats(*store, "spring", kNoon, absl::InfiniteFuture(), Bucket::kDay), "finite");
    // 8 days of minutes are 11,520 buckets; 6 days (8,640) are fine.
    check(Stats(*store, "spring", kNoon - absl::Hours(24 * 8), kNoon, Bucket::kMinute),
          "more than max_buckets (10000) minute buckets");
    CHECK(Stats(*store, "spring", kNoon - absl::Hours(24 * 6), kNoon, Bucket::kMinute).ok());
    CHECK(Stats(*store, "spring", kNoon - absl::Hours(24 * 9000), kNoon, Bucket::kDay).ok());
    check(Stats(*store, "spring", kNoon - absl::Hours(3), kNoon, Bucket::kHour,
                {.max_buckets = 2}),
          "max_buckets (2)");
    check(Stats(*store, "spring", kNoon - absl::Hours(1), kNoon, Bucket::kHour,
                {.max_buckets = 0}),
          "max_buckets: 0");
    check(Stats(*store, "a|b", kNoon - absl::Hours(1), kNoon, Bucket::kHour), "campaign:");
    check(Stats(*store, "", kNoon - absl::Hours(1), kNoon, Bucket::kHour), "campaign: empty");
  }

  TEST_CASE("a store without the index is FailedPrecondition, a malformed record DataLoss") {
    auto bare = OpenStore(/*prepare=*/false);
    absl::Status s = Stats(*bare, "spring", kNoon - absl::Hours(1), kNoon, Bucket::kHour).status();
    CHECK(absl::IsFailedPrecondition(s));
    CHECK(Contains(s.message(), "PrepareCampaignStore"));

    auto store = OpenStore();
    WriteBatch batch;
    batch.Put("event_aggregates", "spring|b|click|hour|1773140400",
              *Json::Parse(R"({"campaign":"spring","variant":"b","type":"click",)"
                           R"("bucket":"hour","start":1773140400,"count":"many","valueSum":0})"));
    REQUIRE(store->Write(batch).ok());
    absl::Status bad = Stats(*store, "spring", kNoon - absl::Hours(1), kNoon, Bucket::kHour).status();
    CHECK(absl::IsDataLoss(bad));
    CHECK(Contains(bad.message(), "spring|b|click|hour|1773140400"));
    CHECK(Contains(bad.message(), "count"));
  }
}

}  // namespace
}  // namespace marquee::campaign
