// Evaluation behaviour the GrowthBook conformance cases leave out: the
// tracking callback, deep prerequisite chains, failing sticky-bucket
// services, attribute types, and sharing one FeatureSet across contexts.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "campaign/growthbook_context.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/features.h"

namespace marquee::campaign {
namespace {

std::shared_ptr<const FeatureSet> Features(std::string_view json) {
  absl::StatusOr<FeatureSet> set = FeatureSet::Parse(json);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  return std::make_shared<const FeatureSet>(*std::move(set));
}

Context UserContext(std::string_view attributes, std::shared_ptr<const FeatureSet> features) {
  Context c;
  absl::StatusOr<Value> attrs = Value::Parse(attributes);
  REQUIRE(attrs.ok());
  c.attributes = *attrs;
  c.features = std::move(features);
  return c;
}

class FailingService : public StickyBucketService {
 public:
  absl::StatusOr<std::optional<StickyAssignmentsDoc>> GetAssignments(std::string_view,
                                                                      std::string_view) override {
    return absl::UnavailableError("storage down");
  }
  absl::Status SaveAssignments(const StickyAssignmentsDoc&) override {
    return absl::UnavailableError("storage down");
  }
};

TEST_SUITE("campaign.evaluator") {
  TEST_CASE("the callback fires for hash assignments only") {
    auto features = Features(R"({"f": {"rules": [{"key": "e", "variations": [1, 2]}]}})");
    Context c = UserContext(R"({"id": "u1"})", features);
    std::vector<std::string> seen;
    c.on_experiment_viewed = [&](const Experiment& e, const ExperimentResult& r) {
      seen.push_back(e.key + ":" + r.key);
    };
    const FeatureResult hashed = EvalFeature(c, "f");
    REQUIRE(hashed.experiment_result.has_value());
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == "e:" + hashed.experiment_result->key);

    c.forced_variations["e"] = 0;
    const FeatureResult forced = EvalFeature(c, "f");
    CHECK(forced.source == FeatureSource::kExperiment);
    CHECK_FALSE(forced.experiment_result->hash_used);
    CHECK(seen.size() == 1);
  }

  TEST_CASE("a prerequisite chain deeper than the limit is cut as cyclic") {
    std::string json = "{";
    const int kChain = kMaxPrerequisiteDepth + 5;
    for (int i = 0; i < kChain; ++i) {
      if (i > 0) json += ",";
      json += "\"f" + std::to_string(i) + "\": {\"defaultValue\": true";
      if (i + 1 < kChain) {
        json += ", \"rules\": [{\"parentConditions\": [{\"id\": \"f" + std::to_string(i + 1) +
                "\", \"condition\": {\"value\": true}, \"gate\": true}]}]";
      }
      json += "}";
    }
    json += "}";
    Context c = UserContext("{}", Features(json));
    CHECK(EvalFeature(c, "f0").source == FeatureSource::kCyclicPrerequisite);
    // A chain within the limit evaluates.
    CHECK(EvalFeature(c, "f10").source == FeatureSource::kDefaultValue);
  }

  TEST_CASE("diamond-shaped prerequisites stop at the evaluation budget") {
    // d_i needs d_{i+1} twice: 2^40 evaluations without a budget.
    std::string json = "{";
    const int kLevels = 40;
    for (int i = 0; i <= kLevels; ++i) {
      if (i > 0) json += ",";
      json += "\"d" + std::to_string(i) + "\": {\"defaultValue\": 1";
      if (i < kLevels) {
        const std::string parent = "{\"id\": \"d" + std::to_string(i + 1) +
                                   "\", \"condition\": {\"value\": 1}}";
        json += ", \"rules\": [{\"parentConditions\": [" + parent + "," + parent +
                "], \"force\": 2}]";
      }
      json += "}";
    }
    json += "}";
    Context c = UserContext("{}", Features(json));
    CHECK(EvalFeature(c, "d0").source == FeatureSource::kCyclicPrerequisite);
    // A shallow diamond is evaluated normally.
    CHECK(EvalFeature(c, "d35").value == Value::Number(2));
  }

  TEST_CASE("a failing sticky-bucket service does not stop evaluation") {
    auto features = Features(
        R"({"f": {"rules": [{"key": "e", "variations": [1, 2], "meta": [{"key": "a"}, {"key": "b"}]}]}})");
    FailingService service;
    Context c = UserContext(R"({"id": "u1"})", features);
    c.sticky_bucket_service = &service;
    CHECK(LoadStickyBuckets(c).code() == absl::StatusCode::kUnavailable);
    const FeatureResult r = EvalFeature(c, "f");
    CHECK(r.source == FeatureSource::kExperiment);
    CHECK(c.sticky_bucket_save_status.code() == absl::StatusCode::kUnavailable);
    // The assignment is still kept in the context.
    CHECK(c.sticky_bucket_assignment_docs.count("id||u1") == 1);
  }

  TEST_CASE("numbers hash as JavaScript writes them") {
    const Experiment e{.key = "k", .variations = {Value::Number(0), Value::Number(1)}};
    Context as_string = UserContext(R"({"id": "123"})", nullptr);
    Context as_number = UserContext(R"({"id": 123.0})", nullptr);
    const ExperimentResult a = Run(as_string, e);
    const ExperimentResult b = Run(as_number, e);
    CHECK(a.bucket == b.bucket);
    CHECK(b.hash_value.is_number());
    // Falsy attributes (0, false) keep the user out.
    Context zero = UserContext(R"({"id": 0})", nullptr);
    CHECK_FALSE(Run(zero, e).in_experiment);
  }

  TEST_CASE("nested hash attributes are read by path") {
    Experiment e{.key = "k", .variations = {Value::Number(0), Value::Number(1)}};
    e.hash_attribute = "user.id";
    Context nested = UserContext(R"({"user": {"id": "u7"}})", nullptr);
    Context flat = UserContext(R"({"id": "u7"})", nullptr);
    const ExperimentResult a = Run(nested, e);
    CHECK(a.in_experiment);
    CHECK(a.hash_attribute == "user.id");
    CHECK(a.bucket == Run(flat, Experiment{.key = "k", .variations = e.variations}).bucket);
  }

  TEST_CASE("one feature set serves many contexts and results serialize") {
    auto features = Features(R"({"f": {"defaultValue": 0, "rules": [
        {"id": "exp", "key": "e", "variations": [10, 20], "meta": [{"key": "lo", "name": "Low"},
         {"key": "hi", "name": "High"}]}]}})");
    int in_experiment = 0;
    for (int i = 0; i < 100; ++i) {
      Context c = UserContext("{\"id\": \"user" + std::to_string(i) + "\"}", features);
      const FeatureResult r = EvalFeature(c, "f");
      if (r.source == FeatureSource::kExperiment) ++in_experiment;
      const Value json = FeatureResultToValue(r);
      CHECK(json.Find("ruleId")->as_string() == "exp");
      const Value* er = json.Find("experimentResult");
      REQUIRE(er != nullptr);
      CHECK(er->Find("name")->is_string());
    }
    CHECK(in_experiment == 100);
  }

  TEST_CASE("a force rule fires its tracks when it applies") {
    auto features = Features(R"({"f": {"defaultValue": 0, "rules": [
        {"condition": {"beta": true}, "force": 1, "tracks": [
          {"experiment": {"key": "remote-exp", "variations": [0, 1]},
           "result": {"key": "1", "variationId": 1, "inExperiment": true, "hashUsed": true,
                      "value": 1, "hashAttribute": "id", "hashValue": "u1"}},
          {"experiment": {"key": "other"}, "result": {"variationId": 0}}]}]}})");
    Context c = UserContext(R"({"id": "u1", "beta": false})", features);
    std::vector<std::string> seen;
    c.on_experiment_viewed = [&](const Experiment& e, const ExperimentResult& r) {
      seen.push_back(e.key + ":" + std::to_string(r.variation_id) + ":" +
                     (r.in_experiment ? "in" : "out"));
    };
    CHECK(EvalFeature(c, "f").source == FeatureSource::kDefaultValue);
    CHECK(seen.empty());  // the rule did not apply

    c.attributes = *Value::Parse(R"({"id": "u1", "beta": true})");
    const FeatureResult r = EvalFeature(c, "f");
    CHECK(r.source == FeatureSource::kForce);
    CHECK(seen == std::vector<std::string>{"remote-exp:1:in", "other:0:out"});
  }

  TEST_CASE("truthiness follows JavaScript") {
    CHECK_FALSE(IsTruthy(Value()));
    CHECK_FALSE(IsTruthy(Value::Number(0)));
    CHECK_FALSE(IsTruthy(Value::String("")));
    CHECK(IsTruthy(Value::Array({})));
    CHECK(IsTruthy(Value::Object({})));
    CHECK(IsTruthy(Value::String("0")));
  }
}

}  // namespace
}  // namespace marquee::campaign
