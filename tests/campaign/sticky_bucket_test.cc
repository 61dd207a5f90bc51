// Sticky-bucket services: documents, merging saves, the Store-backed
// service (against a MemoryStore), concurrent saves, and evaluation that
// keeps a user's variation when the experiment's weights change.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

StickyAssignmentsDoc Doc(std::string name, std::string value,
                         std::map<std::string, std::string, std::less<>> assignments) {
  return {.attribute_name = std::move(name), .attribute_value = std::move(value),
          .assignments = std::move(assignments)};
}

std::unique_ptr<MemoryStore> OpenStore() {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

// Both services answer the same way.
void CheckServiceBasics(StickyBucketService& service) {
  absl::StatusOr<std::optional<StickyAssignmentsDoc>> missing = service.GetAssignments("id", "u1");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());

  REQUIRE(service.SaveAssignments(Doc("id", "u1", {{"a__0", "0"}})).ok());
  REQUIRE(service.SaveAssignments(Doc("id", "u1", {{"b__0", "1"}, {"a__0", "2"}})).ok());
  absl::StatusOr<std::optional<StickyAssignmentsDoc>> merged = service.GetAssignments("id", "u1");
  REQUIRE(merged.ok());
  REQUIRE(merged->has_value());
  CHECK((*merged)->assignments ==
        std::map<std::string, std::string, std::less<>>{{"a__0", "2"}, {"b__0", "1"}});

  absl::StatusOr<StickyAssignmentDocs> all =
      service.GetAllAssignments({{"id", "u1"}, {"deviceId", "nope"}});
  REQUIRE(all.ok());
  CHECK(all->size() == 1);
  CHECK(all->count("id||u1") == 1);
}

TEST_SUITE("campaign.sticky_bucket") {
  TEST_CASE("documents convert to and from GrowthBook's JSON") {
    const StickyAssignmentsDoc doc = Doc("id", "u1", {{"exp__0", "control"}});
    const Value v = StickyAssignmentsDocToValue(doc);
    CHECK(v.ToJsonText() ==
          R"({"attributeName":"id","attributeValue":"u1","assignments":{"exp__0":"control"}})");
    absl::StatusOr<StickyAssignmentsDoc> back = StickyAssignmentsDocFromValue(v);
    REQUIRE(back.ok());
    CHECK(*back == doc);
    absl::StatusOr<StickyAssignmentsDoc> bad = StickyAssignmentsDocFromValue(
        *Value::Parse(R"({"attributeName":"id","attributeValue":"u","assignments":{"e":1}})"));
    REQUIRE_FALSE(bad.ok());
    CHECK(std::string(bad.status().message()).find("assignments.e") != std::string::npos);
  }

  TEST_CASE("the in-memory service merges saves") {
    InMemoryStickyBucketService service;
    CheckServiceBasics(service);
  }

  TEST_CASE("the Store service merges saves") {
    auto store = OpenStore();
    StoreStickyBucketService service(store.get());
    CheckServiceBasics(service);
    absl::StatusOr<Record> record = store->Get("sticky_buckets", "id||u1");
    REQUIRE(record.ok());
    CHECK(record->body.text().find("\"b__0\":\"1\"") != std::string::npos);
  }

  TEST_CASE("the Store service skips writes that change nothing") {
    auto store = OpenStore();
    StoreStickyBucketService service(store.get());
    REQUIRE(service.SaveAssignments(Doc("id", "u1", {{"a__0", "0"}})).ok());
    const uint64_t version = store->CurrentVersion();
    REQUIRE(service.SaveAssignments(Doc("id", "u1", {{"a__0", "0"}})).ok());
    CHECK(store->CurrentVersion() == version);
  }

  TEST_CASE("the Store service reports bad ids and corrupt documents") {
    auto store = OpenStore();
    StoreStickyBucketService service(store.get());
    absl::Status bad_id = service.SaveAssignments(Doc("id", "line\nbreak", {{"a__0", "0"}}));
    CHECK(bad_id.code() == absl::StatusCode::kInvalidArgument);
    absl::StatusOr<std::optional<StickyAssignmentsDoc>> long_id =
        service.GetAssignments("id", std::string(600, 'x'));
    REQUIRE(long_id.ok());
    CHECK_FALSE(long_id->has_value());
    CHECK(service.SaveAssignments(Doc("id", std::string(600, 'x'), {{"a__0", "0"}})).code() ==
          absl::StatusCode::kInvalidArgument);

    WriteBatch batch;
    batch.Put("sticky_buckets", "id||u9", *Json::Parse(R"({"attributeName": 5})"));
    REQUIRE(store->Write(batch).ok());
    absl::StatusOr<std::optional<StickyAssignmentsDoc>> corrupt = service.GetAssignments("id", "u9");
    CHECK(corrupt.status().code() == absl::StatusCode::kDataLoss);
    CHECK(service.SaveAssignments(Doc("id", "u9", {{"a__0", "0"}})).code() ==
          absl::StatusCode::kDataLoss);
  }

  TEST_CASE("two threads saving for the same user keep every assignment" *
            doctest::test_suite("concurrent")) {
    auto store = OpenStore();
    StoreStickyBucketService service(store.get(), {.max_save_attempts = 1000});
    constexpr int kPerThread = 50;
    std::vector<absl::Status> failures[2];
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string key = "exp" + std::to_string(t) + "_" + std::to_string(i) + "__0";
          absl::Status s = service.SaveAssignments(Doc("id", "shared-user", {{key, "1"}}));
          if (!s.ok()) failures[t].push_back(s);
        }
      });
    }
    for (std::thread& th : threads) th.join();
    CHECK(failures[0].empty());
    CHECK(failures[1].empty());
    absl::StatusOr<std::optional<StickyAssignmentsDoc>> doc =
        service.GetAssignments("id", "shared-user");
    REQUIRE(doc.ok());
    REQUIRE(doc->has_value());
    CHECK((*doc)->assignments.size() == 2 * kPerThread);
  }

  TEST_CASE("a saved bucket keeps the user's variation after the weights change") {
    auto store = OpenStore();
    StoreStickyBucketService service(store.get());
    const auto features_with = [](std::string_view weights) {
      const std::string json = std::string(R"({"f": {"defaultValue": "none", "rules": [{
          "key": "exp", "variations": ["a", "b"], "weights": )") + std::string(weights) +
          R"(, "meta": [{"key": "a"}, {"key": "b"}], "hashVersion": 2}]}})";
      absl::StatusOr<FeatureSet> set = FeatureSet::Parse(json);
      REQUIRE_MESSAGE(set.ok(), set.status().ToString());
      return std::make_shared<const FeatureSet>(*std::move(set));
    };
    Context first;
    first.attributes = *Value::Parse(R"({"id": "u42"})");
    first.features = features_with("[0.5, 0.5]");
    first.sticky_bucket_service = &service;
    REQUIRE(LoadStickyBuckets(first).ok());
    const FeatureResult before = EvalFeature(first, "f");
    REQUIRE(before.source == FeatureSource::kExperiment);
    CHECK(first.sticky_bucket_save_status.ok());

    // All traffic now goes to the other variation, but the user stays.
    const std::string other = before.value.as_string() == "a" ? "[0, 1]" : "[1, 0]";
    Context later;
    later.attributes = first.attributes;
    later.features = features_with(other);
    later.sticky_bucket_service = &service;
    REQUIRE(LoadStickyBuckets(later).ok());
    CHECK(later.sticky_bucket_assignment_docs.count("id||u42") == 1);
    const FeatureResult after = EvalFeature(later, "f");
    CHECK(after.value == before.value);
    REQUIRE(after.experiment_result.has_value());
    CHECK(after.experiment_result->sticky_bucket_used);

    // Without sticky bucketing the new weights apply.
    Context plain;
    plain.attributes = first.attributes;
    plain.features = later.features;
    CHECK_FALSE(EvalFeature(plain, "f").value == before.value);
  }
}

}  // namespace
}  // namespace marquee::campaign
