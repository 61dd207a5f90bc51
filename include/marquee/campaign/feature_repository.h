// marquee/campaign/feature_repository.h — GrowthBook feature definitions
// kept in the store, one record per feature (features/<key>), validated on
// every write.
//
// A feature's body is its definition exactly as in GrowthBook's SDK payload
// ({"defaultValue": ..., "rules": [...]}; features.h), stored as sent
// (minified), so it moves between GrowthBook and Marquee unchanged. Every
// write checks it with FeatureDefinitionFromValue first: a definition that
// would not compile (a bad condition, a non-integer hashVersion) is
// refused with the field named, never stored. The delivery view
// (delivery_view.h) serves the features from these records. Writes are
// compare-and-set on the record version.
// Thread-safety: every method may be called concurrently.
//
//   auto features = FeatureRepository::Open(store.get());
//   auto created = (*features)->Create("dark-mode",
//       *Json::Parse(R"({"defaultValue":false,"rules":[{"force":true}]})"));
//   auto read = (*features)->Get("dark-mode");   // read->version is the ETag
#ifndef MARQUEE_CAMPAIGN_FEATURE_REPOSITORY_H_
#define MARQUEE_CAMPAIGN_FEATURE_REPOSITORY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign {

struct StoredFeature {
  std::string key{};
  Json definition{};  // the GrowthBook definition, as stored
  uint64_t version = 0;
};

// A feature key: 1..256 characters of letters, digits, '.', '_', ':' and
// '-'. Errors: InvalidArgument naming "key".
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateFeatureKey(std::string_view key);

// Errors: InvalidArgument naming the field ("feature.rules[0].condition:
// ..."), as FeatureDefinitionFromValue.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateFeatureDefinition(const Json& definition);

class MARQUEE_EXPORT FeatureRepository {
 public:
  // Errors: InvalidArgument (null store).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FeatureRepository>> Open(Store* store);
  ~FeatureRepository();
  FeatureRepository(const FeatureRepository&) = delete;
  FeatureRepository& operator=(const FeatureRepository&) = delete;

  // Errors: InvalidArgument (key, definition), AlreadyExists, those of
  // Store::Write.
  [[nodiscard]] absl::StatusOr<StoredFeature> Create(std::string_view key, const Json& definition);

  // Errors: InvalidArgument (key), NotFound, Unavailable.
  [[nodiscard]] absl::StatusOr<StoredFeature> Get(std::string_view key) const;

  // Replaces the definition of an existing feature whose version is
  // `expected_version` (nullopt: any).
  // Errors: InvalidArgument, NotFound, FailedPrecondition (version
  // mismatch), those of Store::Write.
  [[nodiscard]] absl::StatusOr<StoredFeature> Replace(std::string_view key, const Json& definition,
                                                      std::optional<uint64_t> expected_version);

  // Errors: InvalidArgument (key), NotFound, FailedPrecondition (version
  // mismatch), those of Store::Write.
  [[nodiscard]] absl::Status Delete(std::string_view key, std::optional<uint64_t> expected_version);

 private:
  explicit FeatureRepository(Store* store) : store_(store) {}
  Store* const store_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_FEATURE_REPOSITORY_H_
