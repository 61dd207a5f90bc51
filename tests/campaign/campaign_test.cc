// The campaign model (campaign.h): status names, the transition table, the
// JSON record body (exact round trip, defaults, unknown members), every
// validation error naming its field, WithVariantWeights and IsServable.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/condition.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

// A body in CampaignToJson's form, every member set. Content keeps a key
// order, a repeated key and number spellings that a Value would change.
constexpr std::string_view kFullBody =
    R"({"name":"Spring sale","status":"live",)"
    R"("schedule":{"start":"2026-03-01T09:00:00","end":"2026-04-01T00:00:00","timeZone":"Europe/Paris"},)"
    R"("priority":10,"placements":["home.hero","cart"],)"
    R"("targeting":{"condition":{"country":{"$in":["FR","BE"]},"age":{"$gte":18}},"segments":["vip"]},)"
    R"("variants":[{"key":"control","weight":0.5,"content":{"b":1.50,"a":[1e2,"x"],"b":2}},)"
    R"({"key":"bold","weight":0.5,"content":"<h1>Sale</h1>"}],)"
    R"("experiment":{"hashAttribute":"id","fallbackAttribute":"deviceId","coverage":0.8,"sticky":true,"seed":"s1","hashVersion":2},)"
    R"("tags":["sale","spring"],"attributes":{"owner":"marketing","budget":1.0E3},)"
    R"("rules":[{"id":"r1","option":"yes","firedAt":"2026-03-02T10:00:00Z"}]})";

// The smallest valid body.
constexpr std::string_view kMinimalBody =
    R"({"name":"n","status":"draft","variants":[{"key":"only","weight":1}]})";

// Shorthand: most cases here build many small documents.
constexpr auto& J = test::MustParseJson;

// `base` with its one occurrence of `from` replaced by `to`.
std::string Edit(std::string_view base, std::string_view from, std::string_view to) {
  std::string text(base);
  const size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "no '", std::string(from), "' in the body");
  REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, "'", std::string(from),
                  "' occurs twice");
  text.replace(at, from.size(), to);
  return text;
}

// The error CampaignFromJson gives for `text`.
absl::Status ReadError(std::string_view text) {
  absl::StatusOr<Campaign> c = CampaignFromJson("c1", J(text));
  REQUIRE_FALSE_MESSAGE(c.ok(), "accepted: ", std::string(text));
  return c.status();
}

void CheckInvalid(std::string_view text, std::string_view message) {
  const absl::Status s = ReadError(text);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_MESSAGE(std::string(s.message()).find(message) != std::string::npos,
                "message '", std::string(s.message()), "' lacks '", std::string(message), "'");
}

Campaign Minimal() {
  absl::StatusOr<Campaign> c = CampaignFromJson("c1", J(kMinimalBody));
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  return *c;
}

TEST_SUITE("campaign.model") {
  TEST_CASE("status names parse back and unknown names list the allowed ones") {
    for (CampaignStatus s : {CampaignStatus::kDraft, CampaignStatus::kScheduled,
                             CampaignStatus::kLive, CampaignStatus::kPaused,
                             CampaignStatus::kEnded}) {
      absl::StatusOr<CampaignStatus> back = ParseCampaignStatus(CampaignStatusName(s));
      REQUIRE(back.ok());
      CHECK(*back == s);
    }
    CHECK(CampaignStatusName(CampaignStatus::kScheduled) == "scheduled");
    absl::StatusOr<CampaignStatus> bad = ParseCampaignStatus("running");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(bad.status().message() ==
          "status: unknown status 'running'; expected one of draft, scheduled, live, paused, ended");
    CHECK_FALSE(ParseCampaignStatus("Live").ok());  // exact, lower case
  }

  TEST_CASE("the transition table holds for all 25 pairs") {
    using S = CampaignStatus;
    constexpr std::array<S, 5> kAll = {S::kDraft, S::kScheduled, S::kLive, S::kPaused, S::kEnded};
    // allowed[from][to], as documented in campaign.h.
    constexpr bool allowed[5][5] = {
        /* draft     */ {true, true, true, false, true},
        /* scheduled */ {true, true, true, true, true},
        /* live      */ {false, false, true, true, true},
        /* paused    */ {false, true, true, true, true},
        /* ended     */ {false, false, false, false, true},
    };
    int checked = 0;
    for (size_t f = 0; f < kAll.size(); ++f) {
      for (size_t t = 0; t < kAll.size(); ++t) {
        CAPTURE(CampaignStatusName(kAll[f]));
        CAPTURE(CampaignStatusName(kAll[t]));
        const absl::Status s = CheckTransition(kAll[f], kAll[t]);
        CHECK(s.ok() == allowed[f][t]);
        if (!s.ok()) {
          CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
          CHECK(std::string(s.message()) ==
                "campaign is " + std::string(CampaignStatusName(kAll[f])) + ": cannot go " +
                    std::string(CampaignStatusName(kAll[t])));
        }
        ++checked;
      }
    }
    CHECK(checked == 25);
    CHECK(CheckTransition(S::kEnded, S::kLive).message() == "campaign is ended: cannot go live");
  }

  TEST_CASE("a body in CampaignToJson's form round-trips byte for byte") {
    absl::StatusOr<Campaign> c = CampaignFromJson("spring", J(kFullBody));
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    CHECK(c->id == "spring");
    CHECK(c->name == "Spring sale");
    CHECK(c->status == CampaignStatus::kLive);
    CHECK(c->schedule.start == absl::CivilSecond(2026, 3, 1, 9, 0, 0));
    CHECK(c->schedule.end == absl::CivilSecond(2026, 4, 1, 0, 0, 0));
    CHECK(c->schedule.time_zone == "Europe/Paris");
    CHECK(c->priority == 10);
    CHECK(c->placements == std::vector<std::string>{"home.hero", "cart"});
    REQUIRE(c->targeting.condition.has_value());
    CHECK(c->targeting.condition->Find("country") != nullptr);
    CHECK(c->targeting.segments == std::vector<std::string>{"vip"});
    REQUIRE(c->variants.size() == 2);
    CHECK(c->variants[0].key == "control");
    CHECK(c->variants[0].weight == 0.5);
    // Verbatim: order, the repeated key and "1.50" / "1e2" as written.
    CHECK(c->variants[0].content.text() == R"({"b":1.50,"a":[1e2,"x"],"b":2})");
    CHECK(c->variants[1].content.text() == R"("<h1>Sale</h1>")");
    CHECK(c->experiment.hash_attribute == "id");
    CHECK(c->experiment.fallback_attribute == std::optional<std::string>("deviceId"));
    CHECK(c->experiment.coverage == 0.8);
    CHECK(c->experiment.sticky);
    CHECK(c->experiment.seed == std::optional<std::string>("s1"));
    CHECK(c->experiment.hash_version == 2);
    CHECK(c->tags == std::vector<std::string>{"sale", "spring"});
    CHECK(c->attributes.text() == R"({"owner":"marketing","budget":1.0E3})");
    CHECK(c->rules.text() == R"([{"id":"r1","option":"yes","firedAt":"2026-03-02T10:00:00Z"}])");
    CHECK(c->version == 0);

    absl::StatusOr<Json> back = CampaignToJson(*c);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(back->text() == kFullBody);
  }

  TEST_CASE("a campaign survives ToJson then FromJson unchanged") {
    Campaign c;
    c.id = "hand-made";
    c.name = "Built in C++ \xc3\xa9";
    c.status = CampaignStatus::kScheduled;
    c.schedule = {.start = absl::CivilSecond(2026, 10, 25, 2, 30, 0), .end = std::nullopt,
                  .time_zone = "America/New_York"};
    c.priority = -7;
    c.targeting.condition = *Value::Parse(R"({"tier":"gold"})");
    c.variants = {{.key = "a", .weight = 0.25, .content = J(R"({"x":[1,2]})")},
                  {.key = "b", .weight = 0.75, .content = J("null")}};
    c.experiment.coverage = 0.5;
    c.experiment.hash_version = 1;
    c.attributes = J(R"({"k":true})");
    REQUIRE(ValidateCampaign(c).ok());
    absl::StatusOr<Json> body = CampaignToJson(c);
    REQUIRE_MESSAGE(body.ok(), body.status().ToString());
    absl::StatusOr<Campaign> back = CampaignFromJson("hand-made", *body);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(*back == c);
  }

  TEST_CASE("absent optional members take their defaults") {
    const Campaign c = Minimal();
    CHECK(c.status == CampaignStatus::kDraft);
    CHECK(c.schedule == Schedule{});
    CHECK(c.schedule.time_zone == "UTC");
    CHECK(c.priority == 0);
    CHECK(c.placements.empty());
    CHECK_FALSE(c.targeting.condition.has_value());
    CHECK(c.targeting.segments.empty());
    CHECK(c.variants[0].content.text() == "null");
    CHECK(c.experiment == ExperimentSettings{});
    CHECK(c.experiment.hash_attribute == "id");
    CHECK(c.experiment.coverage == 1);
    CHECK_FALSE(c.experiment.sticky);
    CHECK(c.experiment.hash_version == 2);
    CHECK(c.tags.empty());
    CHECK(c.attributes.text() == "{}");
    CHECK(c.rules.text() == "[]");
    absl::StatusOr<Json> body = CampaignToJson(c);
    REQUIRE(body.ok());
    CHECK(body->text() ==
          R"({"name":"n","status":"draft","schedule":{"timeZone":"UTC"},"priority":0,)"
          R"("placements":[],"targeting":{"segments":[]},)"
          R"("variants":[{"key":"only","weight":1,"content":null}],)"
          R"("experiment":{"hashAttribute":"id","coverage":1,"sticky":false,"hashVersion":2},)"
          R"("tags":[],"attributes":{},"rules":[]})");
  }

  TEST_CASE("missing, mistyped and unknown members are named") {
    CheckInvalid(R"({"status":"draft","variants":[{"key":"a","weight":1}]})", "name: missing");
    CheckInvalid(R"({"name":"n","variants":[{"key":"a","weight":1}]})", "status: missing");
    CheckInvalid(R"({"name":"n","status":"draft"})", "variants: missing");
    CheckInvalid("[1]", "body: expected an object, got array");
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")", R"("name":7)"),
                 "name: expected a string, got number");
    CheckInvalid(Edit(kFullBody, R"("priority":10)", R"("priority":"high")"),
                 "priority: expected an integer, got string");
    CheckInvalid(Edit(kFullBody, R"("priority":10)", R"("priority":1.5)"),
                 "priority: expected an integer, got 1.5");
    CheckInvalid(Edit(kFullBody, R"("tags":["sale","spring"])", R"("tags":["sale",3])"),
                 "tags[1]: expected a string, got number");
    CheckInvalid(Edit(kFullBody, R"("sticky":true)", R"("sticky":"yes")"),
                 "experiment.sticky: expected a boolean, got string");
    CheckInvalid(Edit(kFullBody, R"("weight":0.5,"content":"<h1>)", R"("weight":"half","content":"<h1>)"),
                 "variants[1].weight: expected a number, got string");
    CheckInvalid(Edit(kMinimalBody, R"("key":"only",)", ""), "variants[0].key: missing");
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")", R"("name":"n","colour":"red")"),
                 "colour: unknown member");
    CheckInvalid(Edit(kFullBody, R"("hashAttribute")", R"("hashAtribute")"),
                 "experiment.hashAtribute: unknown member");
    CheckInvalid(Edit(kFullBody, R"("timeZone")", R"("zone")"), "schedule.zone: unknown member");
    CheckInvalid(Edit(kFullBody, R"("segments":["vip"])", R"("segments":["vip"],"x":1)"),
                 "targeting.x: unknown member");
    CheckInvalid(Edit(kMinimalBody, R"("weight":1)", R"("weight":1,"colour":1)"),
                 "variants[0].colour: unknown member");
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")", R"("name":"n","attributes":[])"),
                 "attributes: expected an object, got array");
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")", R"("name":"n","rules":{})"),
                 "rules: expected an array, got object");
    CheckInvalid(Edit(kFullBody, R"("start":"2026-03-01T09:00:00")", R"("start":"2026-02-30T09:00:00")"),
                 "schedule.start: expected a civil time like 2026-03-01T09:00:00, got "
                 "'2026-02-30T09:00:00'");
    CheckInvalid(Edit(kFullBody, R"("start":"2026-03-01T09:00:00")", R"("start":"2026-03-01 09:00")"),
                 "schedule.start: expected a civil time");
  }

  TEST_CASE("every validation rule names its field") {
    CheckInvalid(Edit(kFullBody, R"("status":"live")", R"("status":"running")"),
                 "status: unknown status 'running'; expected one of draft, scheduled, live, "
                 "paused, ended");
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")", R"("name":"")"), "name: must not be empty");
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")",
                      absl::StrCat(R"("name":")", std::string(kMaxCampaignNameBytes + 1, 'x'), "\"")),
                 "name: longer than 1024 bytes");
    CheckInvalid(Edit(kMinimalBody, R"([{"key":"only","weight":1}])", "[]"),
                 "variants: at least one is required");
    CheckInvalid(Edit(kFullBody, R"("key":"bold")", R"("key":"control")"),
                 "variants[1].key: duplicate variant key 'control'");
    CheckInvalid(Edit(kMinimalBody, R"("key":"only")", R"("key":"")"),
                 "variants[0].key: must not be empty");
    CheckInvalid(Edit(kFullBody, R"("weight":0.5,"content":{)", R"("weight":-0.2,"content":{)"),
                 "variants[0].weight: must be a finite number >= 0, got -0.2");
    CheckInvalid(Edit(kFullBody, R"("weight":0.5,"content":{)", R"("weight":0.4,"content":{)"),
                 "variants: weights sum to 0.9, not 1 (within 0.001)");
    // Within the tolerance is fine.
    CHECK(CampaignFromJson("c1", J(Edit(kFullBody, R"("weight":0.5,"content":{)",
                                        R"("weight":0.5009,"content":{)")))
              .ok());
    CheckInvalid(Edit(kFullBody, R"("coverage":0.8)", R"("coverage":1.5)"),
                 "experiment.coverage: must be within [0, 1], got 1.5");
    CheckInvalid(Edit(kFullBody, R"("hashVersion":2)", R"("hashVersion":3)"),
                 "experiment.hashVersion: must be 1 or 2, got 3");
    CheckInvalid(Edit(kFullBody, R"("hashAttribute":"id")", R"("hashAttribute":"")"),
                 "experiment.hashAttribute: must not be empty");
    CheckInvalid(Edit(kFullBody, R"("fallbackAttribute":"deviceId")", R"("fallbackAttribute":"")"),
                 "experiment.fallbackAttribute: must not be empty when set");
    CheckInvalid(Edit(kFullBody, R"("end":"2026-04-01T00:00:00")", R"("end":"2026-02-01T00:00:00")"),
                 "schedule.end: must be after schedule.start");
    CheckInvalid(Edit(kFullBody, R"("end":"2026-04-01T00:00:00")", R"("end":"2026-03-01T09:00:00")"),
                 "schedule.end: must be after schedule.start");
    CheckInvalid(Edit(kFullBody, R"("Europe/Paris")", R"("Europe/Pariss")"),
                 "schedule.timeZone: unknown time zone 'Europe/Pariss'");
    CheckInvalid(Edit(kFullBody, R"("priority":10)", R"("priority":3000000000)"),
                 "priority: must be within [-2147483648, 2147483647], got 3000000000");
    CheckInvalid(Edit(kFullBody, R"(["home.hero","cart"])", R"(["home.hero",""])"),
                 "placements[1]: ");
    CheckInvalid(Edit(kFullBody, R"(["sale","spring"])", R"(["sale","a\u0001b"])"), "tags[1]: ");
    CheckInvalid(Edit(kFullBody, R"("segments":["vip"])", R"("segments":[""])"),
                 "targeting.segments[0]: ");
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")", R"("name":"n","targeting":{"condition":[1]})"),
                 "targeting.condition: expected an object, got array");
    // More distinct regular expressions than a condition may compile.
    std::string many = R"({"$or":[)";
    for (size_t i = 0; i <= kMaxConditionRegexes; ++i) {
      absl::StrAppend(&many, i == 0 ? "" : ",", R"({"a":{"$regex":"x)", i, R"("}})");
    }
    many += "]}";
    CheckInvalid(Edit(kMinimalBody, R"("name":"n")",
                      absl::StrCat(R"("name":"n","targeting":{"condition":)", many, "}")),
                 "targeting.condition: ");
  }

  TEST_CASE("ValidateCampaign refuses what JSON cannot carry") {
    Campaign c = Minimal();
    c.variants[0].weight = std::numeric_limits<double>::quiet_NaN();
    CHECK(ValidateCampaign(c).message().find("variants[0].weight: must be a finite number") == 0);
    c = Minimal();
    c.experiment.coverage = std::numeric_limits<double>::quiet_NaN();
    CHECK(ValidateCampaign(c).message().find("experiment.coverage:") == 0);
    c = Minimal();
    c.id = "";
    CHECK(ValidateCampaign(c).message().find("id: ") == 0);
    c = Minimal();
    c.attributes = J("[]");
    CHECK(ValidateCampaign(c).message() == "attributes: expected an object");
    c = Minimal();
    c.rules = J("{}");
    CHECK(ValidateCampaign(c).message() == "rules: expected an array");
    c = Minimal();
    c.schedule.start = absl::CivilSecond(10000, 1, 1, 0, 0, 0);
    CHECK(ValidateCampaign(c).message() == "schedule.start: year 10000 outside 1..9999");
    c = Minimal();
    c.name = "bad \xff";
    CHECK(ValidateCampaign(c).message() == "name: not valid UTF-8");
    c = Minimal();
    c.experiment.seed = "\xc3";
    CHECK(ValidateCampaign(c).message() == "experiment.seed: not valid UTF-8");
    c = Minimal();
    CHECK(ValidateCampaign(c).ok());
  }

  TEST_CASE("WithVariantWeights changes the weights only") {
    absl::StatusOr<Json> reweighted = WithVariantWeights(J(kFullBody), {0.9, 0.1});
    REQUIRE_MESSAGE(reweighted.ok(), reweighted.status().ToString());
    CHECK(reweighted->text() == Edit(Edit(kFullBody, R"("weight":0.5,"content":{)",
                                          R"("weight":0.9,"content":{)"),
                                     R"("weight":0.5,"content":"<h1>)",
                                     R"("weight":0.1,"content":"<h1>)"));
    absl::StatusOr<Json> count = WithVariantWeights(J(kFullBody), {1});
    REQUIRE_FALSE(count.ok());
    CHECK(count.status().message() == "weights: 1 given for 2 variants");
    absl::StatusOr<Json> sum = WithVariantWeights(J(kFullBody), {0.7, 0.7});
    REQUIRE_FALSE(sum.ok());
    CHECK(sum.status().message().find("variants: weights sum to 1.4") == 0);
    CHECK(WithVariantWeights(J(R"({"name":1})"), {1}).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("IsServable needs a running status and now inside the window") {
    Campaign c = Minimal();
    c.schedule = {.start = absl::CivilSecond(2026, 3, 1, 0, 0, 0),
                  .end = absl::CivilSecond(2026, 3, 2, 0, 0, 0), .time_zone = "UTC"};
    const absl::Time inside = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                              absl::UTCTimeZone());
    const absl::Time before = absl::FromCivil(absl::CivilSecond(2026, 2, 28, 23, 59, 59),
                                              absl::UTCTimeZone());
    const absl::Time at_end = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 0, 0, 0),
                                              absl::UTCTimeZone());
    for (CampaignStatus s : {CampaignStatus::kDraft, CampaignStatus::kPaused,
                             CampaignStatus::kEnded}) {
      c.status = s;
      CHECK_FALSE(IsServable(c, inside));
    }
    for (CampaignStatus s : {CampaignStatus::kScheduled, CampaignStatus::kLive}) {
      c.status = s;
      CHECK(IsServable(c, inside));
      CHECK_FALSE(IsServable(c, before));
      CHECK_FALSE(IsServable(c, at_end));
    }
    c.schedule.time_zone = "Nowhere/Land";
    CHECK_FALSE(IsServable(c, inside));
  }
}

}  // namespace
}  // namespace marquee::campaign
