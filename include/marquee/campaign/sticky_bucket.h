// marquee/campaign/sticky_bucket.h — sticky bucketing storage.
//
// Sticky bucketing keeps a user in the variation they first saw even when an
// experiment's weights or coverage change later. Assignments are stored per
// user identifier (attribute name and value, e.g. "id" / "u42") as one
// document mapping "<experiment key>__<bucket version>" to the variation
// key, exactly as GrowthBook's StickyBucketService does. The evaluator
// (evaluator.h) reads the documents of a user before evaluating and saves
// the ones that change.
//   - StickyBucketService: the interface; implement it over any storage.
//   - InMemoryStickyBucketService: a process-local map (tests, one node).
//   - StoreStickyBucketService: documents in a marquee::Store, collection
//     "sticky_buckets", id "<attribute name>||<attribute value>", body
//     GrowthBook's document JSON; saves are compare-and-set retries, so two
//     nodes saving assignments of one user at once both keep theirs.
// Saving merges: the assignments of the saved document are added to those
// stored (a key in both takes the saved variation).
// Thread-safety: both implementations may be called concurrently.
//
//   auto service = std::make_unique<StoreStickyBucketService>(store.get());
//   context.sticky_bucket_service = service.get();
//   MARQUEE_RETURN_IF_ERROR(LoadStickyBuckets(context));
//   FeatureResult r = EvalFeature(context, "checkout-flow");  // saves new assignments
#ifndef MARQUEE_CAMPAIGN_STICKY_BUCKET_H_
#define MARQUEE_CAMPAIGN_STICKY_BUCKET_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"
#include "marquee/store.h"

namespace marquee::campaign {

// One user identifier's assignments.
struct StickyAssignmentsDoc {
  std::string attribute_name{};
  std::string attribute_value{};
  // "<experiment key>__<bucket version>" -> variation key.
  std::map<std::string, std::string, std::less<>> assignments{};

  friend bool operator==(const StickyAssignmentsDoc&, const StickyAssignmentsDoc&) = default;
};

// "<attribute name>||<attribute value>", the key of a document.
MARQUEE_EXPORT std::string StickyBucketKey(std::string_view attribute_name,
                                           std::string_view attribute_value);

// Documents by StickyBucketKey.
using StickyAssignmentDocs = std::map<std::string, StickyAssignmentsDoc, std::less<>>;

// GrowthBook's JSON: {"attributeName", "attributeValue", "assignments": {}}.
MARQUEE_EXPORT Value StickyAssignmentsDocToValue(const StickyAssignmentsDoc& doc);
// Errors: InvalidArgument naming the field (not an object, attributeName or
// attributeValue not a string, an assignment that is not a string).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<StickyAssignmentsDoc> StickyAssignmentsDocFromValue(
    const Value& value);

class MARQUEE_EXPORT StickyBucketService {
 public:
  virtual ~StickyBucketService() = default;

  // The document of one identifier; nullopt when there is none.
  // Errors: those of the storage (Unavailable, DataLoss, ...).
  [[nodiscard]] virtual absl::StatusOr<std::optional<StickyAssignmentsDoc>> GetAssignments(
      std::string_view attribute_name, std::string_view attribute_value) = 0;

  // Merges doc.assignments into the stored document of its identifier.
  // Errors: InvalidArgument (the identifier does not make a valid key),
  // those of the storage.
  [[nodiscard]] virtual absl::Status SaveAssignments(const StickyAssignmentsDoc& doc) = 0;

  // The documents of several identifiers (attribute name -> value), by key;
  // identifiers without a document are left out. The default calls
  // GetAssignments for each.
  // Errors: the first error of GetAssignments.
  [[nodiscard]] virtual absl::StatusOr<StickyAssignmentDocs> GetAllAssignments(
      const std::map<std::string, std::string, std::less<>>& attributes);
};

class MARQUEE_EXPORT InMemoryStickyBucketService : public StickyBucketService {
 public:
  // Errors: none.
  absl::StatusOr<std::optional<StickyAssignmentsDoc>> GetAssignments(
      std::string_view attribute_name, std::string_view attribute_value) override;
  // Errors: none.
  absl::Status SaveAssignments(const StickyAssignmentsDoc& doc) override;

 private:
  std::mutex mu_;
  StickyAssignmentDocs docs_;
};

struct StoreStickyBucketOptions {
  // Collection of the documents. Default: "sticky_buckets".
  std::string collection = "sticky_buckets";
  // Compare-and-set attempts of one save before giving up with Aborted.
  // Default: 16.
  int max_save_attempts = 16;
};

class MARQUEE_EXPORT StoreStickyBucketService : public StickyBucketService {
 public:
  // `store` is not owned and must outlive the service.
  explicit StoreStickyBucketService(Store* store, StoreStickyBucketOptions options = {});

  // nullopt also when the key is not a valid record id (nothing can be
  // stored under it: over 512 bytes, control characters).
  // Errors: DataLoss (a stored body is not a sticky-bucket document), those
  // of Store::Get.
  absl::StatusOr<std::optional<StickyAssignmentsDoc>> GetAssignments(
      std::string_view attribute_name, std::string_view attribute_value) override;
  // Reads the stored document, merges, and writes it back on condition that
  // its version did not change; retries when it did.
  // Errors: InvalidArgument (the key is not a valid record id), Aborted
  // (max_save_attempts concurrent changes in a row), DataLoss, those of
  // Store::Get and Store::Write.
  absl::Status SaveAssignments(const StickyAssignmentsDoc& doc) override;

 private:
  Store* store_;
  StoreStickyBucketOptions options_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_STICKY_BUCKET_H_
