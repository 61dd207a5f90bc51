// StoreStickyBucketService: sticky-bucket documents as records of a Store,
// saved by compare-and-set so concurrent saves merge instead of overwriting.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/record.h"

namespace marquee::campaign {
namespace {

struct StoredDoc {
  std::optional<StickyAssignmentsDoc> doc;  // nullopt: no record
  uint64_t version = 0;                     // 0: no record
};

absl::StatusOr<StoredDoc> ReadDoc(const Store& store, const std::string& collection,
                                  const std::string& id) {
  absl::StatusOr<Record> record = store.Get(collection, id);
  if (absl::IsNotFound(record.status())) return StoredDoc{};
  if (!record.ok()) return record.status();
  absl::StatusOr<Value> body = Value::FromJson(record->body);
  absl::StatusOr<StickyAssignmentsDoc> doc =
      body.ok() ? StickyAssignmentsDocFromValue(*body)
                : absl::StatusOr<StickyAssignmentsDoc>(body.status());
  if (!doc.ok()) {
    return absl::DataLossError(absl::StrCat("sticky-bucket record ", collection, "/", id,
                                            " is not a sticky-bucket document: ",
                                            doc.status().message()));
  }
  return StoredDoc{.doc = *std::move(doc), .version = record->version};
}

}  // namespace

StoreStickyBucketService::StoreStickyBucketService(Store* store, StoreStickyBucketOptions options)
    : store_(store), options_(std::move(options)) {}

absl::StatusOr<std::optional<StickyAssignmentsDoc>> StoreStickyBucketService::GetAssignments(
    std::string_view attribute_name, std::string_view attribute_value) {
  const std::string id = StickyBucketKey(attribute_name, attribute_value);
  // Nothing can be stored under a key that is not a valid record id (too
  // long, control characters): such a user simply has no document.
  if (!ValidateRecordId(id).ok()) return std::optional<StickyAssignmentsDoc>();
  absl::StatusOr<StoredDoc> stored = ReadDoc(*store_, options_.collection, id);
  if (!stored.ok()) return stored.status();
  return std::move(stored->doc);
}

absl::Status StoreStickyBucketService::SaveAssignments(const StickyAssignmentsDoc& doc) {
  const std::string id = StickyBucketKey(doc.attribute_name, doc.attribute_value);
  if (absl::Status valid = ValidateRecordId(id); !valid.ok()) return valid;
  for (int attempt = 0; attempt < options_.max_save_attempts; ++attempt) {
    absl::StatusOr<StoredDoc> stored = ReadDoc(*store_, options_.collection, id);
    if (!stored.ok()) return stored.status();
    StickyAssignmentsDoc merged;
    if (stored->doc) merged = *stored->doc;
    merged.attribute_name = doc.attribute_name;
    merged.attribute_value = doc.attribute_value;
    for (const auto& [key, variation] : doc.assignments) merged.assignments[key] = variation;
    if (stored->doc && merged == *stored->doc) return absl::OkStatus();  // nothing new
    absl::StatusOr<Json> body = StickyAssignmentsDocToValue(merged).ToJson();
    if (!body.ok()) return body.status();
    WriteBatch batch;
    batch.Put(options_.collection, id, *std::move(body), {.expected_version = stored->version});
    absl::StatusOr<uint64_t> written = store_->Write(batch);
    if (written.ok()) return absl::OkStatus();
    // Another save changed the record since it was read: merge again.
    if (!absl::IsFailedPrecondition(written.status())) return written.status();
  }
  return absl::AbortedError(absl::StrCat("sticky-bucket document ", id, " changed concurrently ",
                                         options_.max_save_attempts, " times in a row"));
}

}  // namespace marquee::campaign
