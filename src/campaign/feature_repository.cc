// Feature definitions in the store (feature_repository.h).
#include "marquee/campaign/feature_repository.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/value.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

constexpr size_t kMaxFeatureKeyBytes = 256;

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

absl::Status NotFound(std::string_view key) {
  return absl::NotFoundError(absl::StrCat("no feature '", Sv(key), "'"));
}

absl::Status Stale(std::string_view key, uint64_t current, uint64_t expected) {
  return absl::FailedPreconditionError(
      absl::StrCat("feature '", Sv(key), "' is at version ", current, ", not ", expected));
}

}  // namespace

absl::Status ValidateFeatureKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxFeatureKeyBytes ||
      !std::all_of(key.begin(), key.end(), IsKeyChar)) {
    return absl::InvalidArgumentError(
        "key: expected 1 to 256 characters of letters, digits, '.', '_', ':' and '-'");
  }
  return absl::OkStatus();
}

absl::Status ValidateFeatureDefinition(const Json& definition) {
  MARQUEE_ASSIGN_OR_RETURN(Value value, Value::FromJson(definition));
  if (!value.is_object()) return absl::InvalidArgumentError("feature: must be a JSON object");
  return FeatureDefinitionFromValue(value, "feature").status();
}

absl::StatusOr<std::unique_ptr<FeatureRepository>> FeatureRepository::Open(Store* store) {
  if (store == nullptr) return absl::InvalidArgumentError("FeatureRepository::Open: null store");
  return std::unique_ptr<FeatureRepository>(new FeatureRepository(store));
}

FeatureRepository::~FeatureRepository() = default;

absl::StatusOr<StoredFeature> FeatureRepository::Create(std::string_view key,
                                                        const Json& definition) {
  MARQUEE_RETURN_IF_ERROR(ValidateFeatureKey(key));
  MARQUEE_RETURN_IF_ERROR(ValidateFeatureDefinition(definition));
  WriteBatch batch;
  batch.Put(std::string(kFeaturesCollection), std::string(key), definition, {.expected_version = 0});
  absl::StatusOr<uint64_t> version = store_->Write(batch);
  if (absl::IsFailedPrecondition(version.status())) {
    return absl::AlreadyExistsError(absl::StrCat("feature '", Sv(key), "' already exists"));
  }
  MARQUEE_RETURN_IF_ERROR(version.status());
  return StoredFeature{.key = std::string(key), .definition = definition, .version = *version};
}

absl::StatusOr<StoredFeature> FeatureRepository::Get(std::string_view key) const {
  MARQUEE_RETURN_IF_ERROR(ValidateFeatureKey(key));
  absl::StatusOr<Record> record = store_->Get(kFeaturesCollection, key);
  if (absl::IsNotFound(record.status())) return NotFound(key);
  MARQUEE_RETURN_IF_ERROR(record.status());
  return StoredFeature{.key = std::string(key), .definition = record->body,
                       .version = record->version};
}

absl::StatusOr<StoredFeature> FeatureRepository::Replace(std::string_view key,
                                                         const Json& definition,
                                                         std::optional<uint64_t> expected_version) {
  MARQUEE_RETURN_IF_ERROR(ValidateFeatureDefinition(definition));
  MARQUEE_ASSIGN_OR_RETURN(StoredFeature current, Get(key));
  if (expected_version && *expected_version != current.version) {
    return Stale(key, current.version, *expected_version);
  }
  WriteBatch batch;
  batch.Put(std::string(kFeaturesCollection), std::string(key), definition,
            {.expected_version = current.version});
  absl::StatusOr<uint64_t> version = store_->Write(batch);
  if (absl::IsFailedPrecondition(version.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("feature '", Sv(key), "' changed while it was replaced"));
  }
  MARQUEE_RETURN_IF_ERROR(version.status());
  return StoredFeature{.key = std::string(key), .definition = definition, .version = *version};
}

absl::Status FeatureRepository::Delete(std::string_view key,
                                       std::optional<uint64_t> expected_version) {
  MARQUEE_ASSIGN_OR_RETURN(StoredFeature current, Get(key));
  if (expected_version && *expected_version != current.version) {
    return Stale(key, current.version, *expected_version);
  }
  WriteBatch batch;
  batch.Erase(std::string(kFeaturesCollection), std::string(key),
              {.expected_version = current.version});
  absl::StatusOr<uint64_t> version = store_->Write(batch);
  if (absl::IsFailedPrecondition(version.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("feature '", Sv(key), "' changed while it was deleted"));
  }
  return version.status();
}

}  // namespace marquee::campaign
