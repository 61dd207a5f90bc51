// One FeatureSet (and one set of saved groups) evaluated from several
// threads at once gives the answers it gives on one thread: compiled
// conditions, shared regexes and the cache of hashed saved groups are safe
// to share. Run under TSan (test suite "concurrent").
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/features.h"

namespace marquee::campaign {
namespace {

constexpr int kUsers = 150;
constexpr int kThreads = 4;
const std::vector<std::string> kFeatures = {"by-regex", "by-list", "by-group", "experiment",
                                            "by-string-or", "unknown"};

// Saved groups large enough to be hashed; built afresh for each use so the
// threads hash new groups concurrently instead of finding them cached.
std::shared_ptr<const SavedGroups> Groups() {
  auto groups = std::make_shared<SavedGroups>();
  for (int g = 0; g < 3; ++g) {
    std::vector<Value> members;
    for (int i = g; i < kUsers; i += 3) members.push_back(Value::String(absl::StrCat("u", i)));
    groups->emplace(absl::StrCat("g", g), Value::Array(std::move(members)));
  }
  return groups;
}

std::shared_ptr<const FeatureSet> Features() {
  std::string list;
  for (int i = 0; i < 40; ++i) absl::StrAppend(&list, i == 0 ? "" : ",", "\"u", i * 2, "\"");
  absl::StatusOr<FeatureSet> set = FeatureSet::Parse(absl::StrCat(R"({
    "by-regex": {"defaultValue": 0, "rules": [
      {"condition": {"email": {"$regex": "@example\\.com$"}}, "force": 1},
      {"condition": {"email": {"$regexi": "^U[0-9]*7@"}}, "force": 2}]},
    "by-list": {"defaultValue": false, "rules": [
      {"condition": {"id": {"$in": [)", list, R"(]}}, "force": true}]},
    "by-group": {"defaultValue": "none", "rules": [
      {"condition": {"id": {"$inGroup": "g0"}}, "force": "g0"},
      {"condition": {"tags": {"$inGroup": "g1"}}, "force": "g1"},
      {"condition": {"id": {"$notInGroup": "g2"}}, "force": "not g2"}]},
    "experiment": {"defaultValue": "control", "rules": [
      {"key": "exp", "variations": ["control", "a", "b"], "weights": [0.2, 0.4, 0.4],
       "coverage": 0.9, "hashAttribute": "id", "hashVersion": 2}]},
    "by-string-or": {"defaultValue": 0, "rules": [
      {"condition": {"$or": "abc"}, "force": 1}]}
  })"));
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  return std::make_shared<const FeatureSet>(*std::move(set));
}

Value Attributes(int user) {
  std::string domain = user % 2 == 0 ? "example.com" : "other.org";
  return Value::Object({
      {"id", Value::String(absl::StrCat("u", user))},
      {"email", Value::String(absl::StrCat("u", user, "@", domain))},
      {"tags", Value::Array({Value::String(absl::StrCat("u", user + 1))})},
      {"0", Value::String(user % 5 == 0 ? "b" : "z")},
  });
}

// Every (user, feature) answer, as GrowthBook's JSON.
std::vector<std::string> Answers(const std::shared_ptr<const FeatureSet>& features,
                                 const std::shared_ptr<const SavedGroups>& groups) {
  std::vector<std::string> out;
  for (int user = 0; user < kUsers; ++user) {
    Context context;
    context.attributes = Attributes(user);
    context.features = features;
    context.saved_groups = groups;
    for (const std::string& key : kFeatures) {
      out.push_back(FeatureResultToValue(EvalFeature(context, key)).ToJsonText());
    }
  }
  return out;
}

TEST_CASE("one FeatureSet evaluated from several threads gives single-threaded answers" *
          doctest::test_suite("concurrent")) {
  std::shared_ptr<const FeatureSet> features = Features();
  const std::vector<std::string> expected = Answers(features, Groups());
  // The answers are not all alike, so a wrong one would show.
  CHECK(expected[0] != expected[kFeatures.size()]);

  std::shared_ptr<const SavedGroups> fresh_groups = Groups();
  std::vector<std::vector<std::string>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) got[t] = Answers(features, fresh_groups);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    CAPTURE(t);
    CHECK(got[t] == expected);
  }
}

}  // namespace
}  // namespace marquee::campaign
