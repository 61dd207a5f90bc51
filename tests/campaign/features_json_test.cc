// GrowthBook feature JSON: round trips and the errors of bad definitions.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "campaign/growthbook_context.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/value.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {



// Every rule field GrowthBook writes, plus members this library does not
// know (which must survive).
constexpr std::string_view kFullFeatures = R"({
  "checkout": {
    "defaultValue": {"layout": "classic", "steps": 3},
    "rules": [
      {"id": "r1", "condition": {"country": {"$in": ["US", "CA"]}, "age": {"$gte": 18}},
       "force": {"layout": "fast"}, "coverage": 0.5, "range": [0, 0.5], "seed": "s",
       "hashAttribute": "company", "fallbackAttribute": "anon", "hashVersion": 2,
       "filters": [{"seed": "f", "ranges": [[0, 0.3], [0.6, 1]], "hashVersion": 2,
                    "attribute": "id", "futureFilterField": 1}],
       "parentConditions": [{"id": "parent", "condition": {"value": true}, "gate": true}],
       "tracks": [{"experiment": {"key": "e"}, "result": {"variationId": 0}}]},
      {"id": "r2", "key": "exp", "variations": [{"layout": "a"}, {"layout": "b"}],
       "weights": [0.25, 0.75], "coverage": 0.9, "namespace": ["ns", 0, 0.5],
       "ranges": [[0, 0.2], [0.2, 0.9]], "name": "Checkout test", "phase": "2",
       "meta": [{"key": "control", "name": "Control"}, {"key": "fast", "passthrough": true,
                "color": "red"}],
       "disableStickyBucketing": false, "bucketVersion": 2, "minBucketVersion": 1,
       "condition": {}, "futureRuleField": [1, 2, {"x": null}]},
      {"contextualVariations": ["x", "y"], "contextualBanditRef": "cb", "weights": [0.5, 0.5]},
      {"force": null}
    ],
    "futureFeatureField": "kept"
  },
  "empty": {},
  "no-default": {"rules": []}
})";

TEST_SUITE("campaign.features_json") {
  TEST_CASE("parse then write gives the same JSON text") {
    // Realistic payloads: member orders GrowthBook writes and others,
    // unknown members in the middle, absent conditions, integer-like keys.
    const std::string_view payloads[] = {
        kFullFeatures,
        R"({"zeta": {"defaultValue": 1}, "alpha": {"rules": [{"force": 2}], "defaultValue": 0}})",
        R"({"onboarding": {"defaultValue": "v1", "rules": [
            {"coverage": 0.2, "hashAttribute": "deviceId", "seed": "onb", "force": "v2",
             "id": "fr_1", "hashVersion": 2},
            {"variations": ["v1", "v2", "v3"], "key": "onboarding-test",
             "meta": [{"key": "0"}, {"name": "B", "key": "1"}, {"key": "2", "x": 1}],
             "weights": [0.3333, 0.3333, 0.3334], "coverage": 1, "phase": "0",
             "hashAttribute": "id", "name": "Onboarding", "seed": "s-1", "id": "fr_2"}]},
          "10": {"defaultValue": true, "futureField": {"b": 1, "a": 2}},
          "price": {"rules": [{"parentConditions": [{"gate": true, "condition": {"value": true},
             "id": "onboarding"}], "id": "p", "force": 9.99,
             "filters": [{"ranges": [[0, 0.5]], "seed": "f"}]}], "defaultValue": 10}})",
    };
    for (std::string_view payload : payloads) {
      const Value in = test::MustParse(payload);
      absl::StatusOr<FeatureSet> set = FeatureSet::FromValue(in);
      REQUIRE_MESSAGE(set.ok(), set.status().ToString());
      CHECK(set->ToValue().ToJsonText() == in.ToJsonText());
      // And again from the written form.
      absl::StatusOr<FeatureSet> again = FeatureSet::FromValue(set->ToValue());
      REQUIRE(again.ok());
      CHECK(again->ToValue().ToJsonText() == in.ToJsonText());
    }
  }

  TEST_CASE("definitions built by hand are written in key order, known fields first") {
    FeatureRule rule;
    rule.force = Value::Number(1);
    rule.id = "r";
    rule.extra = test::MustParse(R"({"z": 0})");
    std::map<std::string, FeatureDefinition> defs;
    defs["b"].rules = std::vector<FeatureRule>{rule};
    defs["a"].default_value = Value::Bool(true);
    CHECK(FeatureSet::FromDefinitions(std::move(defs)).ToValue().ToJsonText() ==
          R"({"a":{"defaultValue":true},"b":{"rules":[{"id":"r","force":1,"z":0}]}})");
  }

  TEST_CASE("skip_invalid_features keeps the good features and reports the others") {
    const Value in = test::MustParse(R"({"good": {"defaultValue": 1},
        "bad": {"rules": [{"coverage": "half"}]}, "also-good": {"defaultValue": 2},
        "worse": 3})");
    absl::StatusOr<FeatureSet::ParseResult> lenient =
        FeatureSet::FromValue(in, {.skip_invalid_features = true});
    REQUIRE_MESSAGE(lenient.ok(), lenient.status().ToString());
    CHECK(lenient->features.size() == 2);
    CHECK(lenient->features.definitions().count("good") == 1);
    CHECK(lenient->features.definitions().count("also-good") == 1);
    REQUIRE(lenient->skipped.size() == 2);
    CHECK(std::string(lenient->skipped[0].message()) ==
          "features.bad.rules[0].coverage: expected a number, got string");
    CHECK(std::string(lenient->skipped[1].message()) ==
          "features.worse: expected an object, got number");
    CHECK(lenient->features.ToValue().ToJsonText() ==
          R"({"good":{"defaultValue":1},"also-good":{"defaultValue":2}})");

    // Strict (the default) rejects the payload, naming the first bad field.
    absl::StatusOr<FeatureSet::ParseResult> strict = FeatureSet::FromValue(in, {});
    REQUIRE_FALSE(strict.ok());
    CHECK(std::string(strict.status().message()) ==
          "features.bad.rules[0].coverage: expected a number, got string");
    CHECK_FALSE(FeatureSet::FromValue(in).ok());

    // The payload itself must still be an object.
    absl::StatusOr<FeatureSet::ParseResult> not_object =
        FeatureSet::Parse("[1]", {.skip_invalid_features = true});
    REQUIRE_FALSE(not_object.ok());
    CHECK(not_object.status().code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("absent fields stay absent and null force is kept") {
    absl::StatusOr<FeatureSet> set = FeatureSet::FromValue(test::MustParse(kFullFeatures));
    REQUIRE(set.ok());
    const FeatureDefinition& empty = set->definitions().at("empty");
    CHECK_FALSE(empty.default_value.has_value());
    CHECK_FALSE(empty.rules.has_value());
    const FeatureRule& null_force = set->definitions().at("checkout").rules->at(3);
    REQUIRE(null_force.force.has_value());
    CHECK(null_force.force->is_null());
    CHECK(FeatureDefinitionToValue(empty).ToJsonText() == "{}");
  }

  TEST_CASE("an experiment round-trips") {
    const Value in = test::MustParse(R"({"key": "k", "variations": [0, 1], "weights": [0.5, 0.5],
        "active": false, "force": 1, "coverage": 0.3, "hashVersion": 2, "seed": "x",
        "namespace": ["n", 0, 1], "condition": {"a": 1}, "status": "running",
        "parentConditions": [{"id": "p", "condition": {"value": {"$exists": true}}}],
        "contextualBandit": {"leafId": 3, "variationWeights": [1, 0], "banditVersion": 2}})");
    absl::StatusOr<Experiment> e = ExperimentFromValue(in);
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    CHECK(e->force == 1);
    CHECK(e->active == false);
    REQUIRE(e->contextual_bandit.has_value());
    CHECK(e->contextual_bandit->leaf_id == 3);
    CHECK(ExperimentToValue(*e).ToJsonText() == in.ToJsonText());
  }

  TEST_CASE("bad definitions are InvalidArgument naming the field") {
    struct Bad {
      const char* json;
      const char* field;
    };
    const Bad cases[] = {
        {R"([1])", "features: expected an object"},
        {R"({"f": 1})", "features.f: expected an object"},
        {R"({"f": {"rules": {}}})", "features.f.rules: expected an array"},
        {R"({"f": {"rules": [{"coverage": "half"}]}})",
         "features.f.rules[0].coverage: expected a number, got string"},
        {R"({"f": {"rules": [{}, {"weights": [0.5, "x"]}]}})",
         "features.f.rules[1].weights[1]: expected a number"},
        {R"({"f": {"rules": [{"hashVersion": 1.5}]}})",
         "features.f.rules[0].hashVersion: expected an integer"},
        {R"({"f": {"rules": [{"range": [0]}]}})", "features.f.rules[0].range"},
        {R"({"f": {"rules": [{"ranges": [[0, 1], [1, "x"]]}]}})",
         "features.f.rules[0].ranges[1]"},
        {R"({"f": {"rules": [{"namespace": ["n", 0]}]}})", "features.f.rules[0].namespace"},
        {R"({"f": {"rules": [{"condition": [1]}]}})", "features.f.rules[0].condition"},
        {R"({"f": {"rules": [{"filters": [{"ranges": [[0, 1]]}]}]}})",
         "features.f.rules[0].filters[0].seed: missing"},
        {R"({"f": {"rules": [{"meta": [{"key": 3}]}]}})",
         "features.f.rules[0].meta[0].key: expected a string"},
        {R"({"f": {"rules": [{"parentConditions": [{"id": "p"}]}]}})",
         "features.f.rules[0].parentConditions[0].condition: missing"},
        {R"({"f": {"rules": [{"disableStickyBucketing": "yes"}]}})",
         "features.f.rules[0].disableStickyBucketing: expected a boolean"},
        {R"({"f": {"rules": [{"variations": "ab"}]}})",
         "features.f.rules[0].variations: expected an array"},
        {R"({"f": {"rules": [{"force": 1, "tracks": {}}]}})",
         "features.f.rules[0].tracks: expected an array"},
        {R"({"f": {"rules": [{"force": 1, "tracks": [{"result": {}}]}]}})",
         "features.f.rules[0].tracks[0].experiment: missing"},
        {R"({"f": {"rules": [{"force": 1, "tracks": [{"experiment": {"key": "e"}}]}]}})",
         "features.f.rules[0].tracks[0].result: missing"},
        {R"({"f": {"rules": [{"force": 1, "tracks": [{"experiment": {}, "result": {}}]}]}})",
         "features.f.rules[0].tracks[0].experiment.key: missing"},
        {R"({"f": {"rules": [{"force": 1,
             "tracks": [{"experiment": {"key": "e"}, "result": {"variationId": "1"}}]}]}})",
         "features.f.rules[0].tracks[0].result.variationId: expected an integer"},
    };
    for (const Bad& bad : cases) {
      CAPTURE(bad.json);
      absl::StatusOr<FeatureSet> set = FeatureSet::Parse(bad.json);
      REQUIRE_FALSE(set.ok());
      CHECK(set.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK_MESSAGE(std::string(set.status().message()).find(bad.field) != std::string::npos,
                    set.status().message());
    }
  }

  TEST_CASE("an experiment without key or variations is rejected") {
    absl::StatusOr<Experiment> no_key = ExperimentFromValue(test::MustParse(R"({"variations": [1]})"));
    REQUIRE_FALSE(no_key.ok());
    CHECK(std::string(no_key.status().message()) == "experiment.key: missing");
    absl::StatusOr<Experiment> no_variations = ExperimentFromValue(test::MustParse(R"({"key": "k"})"));
    REQUIRE_FALSE(no_variations.ok());
    CHECK(std::string(no_variations.status().message()) == "experiment.variations: missing");
  }

  TEST_CASE("malformed JSON text is InvalidArgument") {
    absl::StatusOr<FeatureSet> set = FeatureSet::Parse(R"({"f": {"defaultValue": })");
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace marquee::campaign
