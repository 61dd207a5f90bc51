// Feature evaluation cost: all 50 features of a realistic generated set for
// one user, with the definitions compiled once (FeatureSet, the form a
// server keeps) against interpreting them from JSON on every call (parse
// the definitions JSON, then evaluate). 20 of the features end in an
// experiment rule; every rule condition has 3 to 10 clauses mixing $in,
// comparisons, $regex, $elemMatch, version operators, $exists and $or.
// Items are features evaluated.
//
//   cmake --build <release-dir> --target feature_eval_bench
//   <release-dir>/bench/feature_eval_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/value.h"

namespace {

using marquee::campaign::Context;
using marquee::campaign::EvalFeature;
using marquee::campaign::FeatureResult;
using marquee::campaign::FeatureSet;
using marquee::campaign::Value;

constexpr int kFeatures = 50;
constexpr int kExperiments = 20;

// One clause of a condition, over the attributes of kUser; about two in
// three match that user, so evaluation walks most of each condition.
std::string Clause(std::mt19937& rng) {
  static const char* const kClauses[] = {
      R"("country": {"$in": ["US", "CA", "GB", "DE"]})",
      R"("country": {"$nin": ["FR", "IT"]})",
      R"("age": {"$gte": 21})",
      R"("age": {"$lt": 30})",
      R"("browser": "chrome")",
      R"("browser": {"$ne": "safari"})",
      R"("plan": {"$in": ["pro", "enterprise"]})",
      R"("email": {"$regex": "@example\\.com$"})",
      R"("email": {"$notRegex": "@competitor\\.io$"})",
      R"("beta": true)",
      R"("tags": {"$elemMatch": {"$eq": "early-adopter"}})",
      R"("tags": {"$size": {"$gt": 1}})",
      R"("appVersion": {"$vgte": "2.3.0"})",
      R"("appVersion": {"$vlt": "3.0.0-beta"})",
      R"("company.seats": {"$gt": 10})",
      R"("company.name": {"$exists": true})",
      R"("$or": [{"plan": "enterprise"}, {"age": {"$gt": 60}}])",
      R"("$not": {"country": "FR"})",
      R"("signupDay": {"$gte": 19000, "$lte": 21000})",
      R"("device": {"$in": ["mobile", "desktop"]})",
  };
  std::uniform_int_distribution<size_t> pick(0, std::size(kClauses) - 1);
  return kClauses[pick(rng)];
}

std::string Condition(std::mt19937& rng) {
  std::uniform_int_distribution<int> count(3, 10);
  const int n = count(rng);
  // $or and $not may repeat as keys: a clause that repeats would be
  // dropped by JSON.parse, so repeated clauses are wrapped in $and.
  std::string out = R"({"$and": [)";
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ",";
    out += "{" + Clause(rng) + "}";
  }
  return out + "]}";
}

// The definitions: 50 features with 1 to 3 rules each; features 0..19 end
// with an experiment rule.
std::string DefinitionsJson() {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> extra_rules(0, 2);
  std::string out = "{";
  for (int f = 0; f < kFeatures; ++f) {
    if (f > 0) out += ",";
    const std::string key = "feature-" + std::to_string(f);
    out += "\"" + key + "\": {\"defaultValue\": false, \"rules\": [";
    const int forced = extra_rules(rng);
    for (int r = 0; r < forced; ++r) {
      if (r > 0) out += ",";
      out += R"({"id": "r)" + std::to_string(r) + R"(", "condition": )" + Condition(rng) +
             R"(, "force": true, "coverage": 0.8, "hashAttribute": "id"})";
    }
    if (f < kExperiments) {
      if (forced > 0) out += ",";
      out += R"({"id": "exp", "key": ")" + key + R"(-exp", "condition": )" + Condition(rng) +
             R"(, "variations": [false, true], "weights": [0.5, 0.5], "coverage": 1,)"
             R"( "hashVersion": 2, "seed": ")" + key +
             R"(", "meta": [{"key": "control"}, {"key": "treatment"}]})";
    } else if (forced == 0) {
      out += R"({"condition": )" + Condition(rng) + R"(, "force": true})";
    }
    out += "]}";
  }
  return out + "}";
}

constexpr const char* kUser = R"({
  "id": "user-4711", "country": "US", "age": 27, "browser": "chrome", "plan": "pro",
  "email": "jane@example.com", "beta": true, "tags": ["early-adopter", "newsletter"],
  "appVersion": "2.7.1", "company": {"name": "Acme", "seats": 40}, "signupDay": 19876,
  "device": "mobile"})";

Context UserContext() {
  Context context;
  context.attributes = *Value::Parse(kUser);
  return context;
}

const std::vector<std::string>& FeatureKeys() {
  static const auto* keys = [] {
    auto* k = new std::vector<std::string>();
    for (int f = 0; f < kFeatures; ++f) k->push_back("feature-" + std::to_string(f));
    return k;
  }();
  return *keys;
}

// The definitions compiled once; each iteration evaluates all 50 features.
void BM_EvalAll_Compiled(benchmark::State& state) {
  absl::StatusOr<FeatureSet> set = FeatureSet::Parse(DefinitionsJson());
  if (!set.ok()) {
    state.SkipWithError(std::string(set.status().message()).c_str());
    return;
  }
  Context context = UserContext();
  context.features = std::make_shared<const FeatureSet>(*std::move(set));
  for (auto _ : state) {
    for (const std::string& key : FeatureKeys()) {
      FeatureResult r = EvalFeature(context, key);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * kFeatures);
}
BENCHMARK(BM_EvalAll_Compiled);

// Interpreted from JSON: each iteration parses the definitions JSON (and
// compiles its conditions), then evaluates all 50 features.
void BM_EvalAll_InterpretedFromJson(benchmark::State& state) {
  const std::string json = DefinitionsJson();
  Context context = UserContext();
  for (auto _ : state) {
    absl::StatusOr<FeatureSet> set = FeatureSet::Parse(json);
    context.features = std::make_shared<const FeatureSet>(*std::move(set));
    for (const std::string& key : FeatureKeys()) {
      FeatureResult r = EvalFeature(context, key);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * kFeatures);
  state.counters["json_bytes"] = static_cast<double>(json.size());
}
BENCHMARK(BM_EvalAll_InterpretedFromJson);

// Checks the generated set is what the comment says before timing it.
bool CheckDefinitions() {
  absl::StatusOr<FeatureSet> set = FeatureSet::Parse(DefinitionsJson());
  if (!set.ok()) {
    std::cerr << "definitions do not parse: " << set.status() << "\n";
    return false;
  }
  Context context = UserContext();
  context.features = std::make_shared<const FeatureSet>(*std::move(set));
  int experiments = 0, forced = 0;
  for (const std::string& key : FeatureKeys()) {
    const FeatureResult r = EvalFeature(context, key);
    experiments += r.source == marquee::campaign::FeatureSource::kExperiment;
    forced += r.source == marquee::campaign::FeatureSource::kForce;
  }
  std::cerr << "features: " << kFeatures << ", for this user: " << experiments
            << " from experiments, " << forced << " forced, "
            << (kFeatures - experiments - forced) << " default\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!CheckDefinitions()) return EXIT_FAILURE;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return EXIT_FAILURE;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return EXIT_SUCCESS;
}
