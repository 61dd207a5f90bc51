// Migrate: one pass over a collection in id order, rewriting old records
// with compare-and-set so that a concurrent write always wins.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/migration.h"
#include "marquee/schema.h"
#include "marquee/status.h"

namespace marquee {
namespace internal {
namespace {

constexpr size_t kMaxBatchSize = 100'000;
constexpr uint32_t kMaxRetriesPerRecord = 1'000'000;

// A record read at an old schema and the current body made from it.
struct Pending {
  Record stored;
  Json body;
};

class MigrationPass {
 public:
  MigrationPass(Store& base, const SchemaRegistry& registry, std::string_view collection,
                uint32_t current, const MigrateOptions& options, MigrationControl* control)
      : base_(base),
        registry_(registry),
        collection_(collection),
        current_(current),
        options_(options),
        control_(control) {}

  absl::StatusOr<MigrationReport> Run() {
    std::optional<ScanPosition> after;
    while (true) {
      MARQUEE_RETURN_IF_ERROR(CheckCancelled());
      MARQUEE_ASSIGN_OR_RETURN(ScanResult page,
                               base_.Scan({.collection = collection_,
                                           .limit = options_.batch_size,
                                           .max_scanned = options_.batch_size,
                                           .after = after}));
      report_.scanned += page.records.size();
      Publish();
      MARQUEE_RETURN_IF_ERROR(MigratePage(page.records));
      if (!page.more) break;
      if (!page.end.has_value()) {
        return absl::InternalError(absl::StrCat("the store's scan of '", Sv(collection_),
                                                "' said more rows follow but gave no position"));
      }
      after = std::move(page.end);
    }
    Publish();
    return report_;
  }

 private:
  absl::Status MigratePage(std::vector<Record>& records) {
    std::vector<Pending> pending;
    WriteBatch batch;
    for (Record& record : records) {
      if (record.schema == current_) {
        ++report_.skipped;
        continue;
      }
      // Newer-than-known records fail here, as they do on read.
      MARQUEE_ASSIGN_OR_RETURN(Record upgraded, registry_.Upgrade(record));
      batch.Put(collection_, record.id, upgraded.body, {.expected_version = record.version},
                current_);
      pending.push_back({.stored = std::move(record), .body = std::move(upgraded.body)});
    }
    if (batch.empty()) return absl::OkStatus();
    MARQUEE_RETURN_IF_ERROR(CheckCancelled());
    absl::StatusOr<uint64_t> written = base_.Write(batch, options_.write);
    if (written.ok()) {
      report_.rewritten += pending.size();
      Publish();
      return absl::OkStatus();
    }
    // FailedPrecondition: someone wrote one of these records since the scan.
    // ResourceExhausted: the batch is too large for the store. Either way,
    // one record at a time still works.
    if (!absl::IsFailedPrecondition(written.status()) &&
        !absl::IsResourceExhausted(written.status())) {
      return written.status();
    }
    for (Pending& one : pending) {
      MARQUEE_RETURN_IF_ERROR(CheckCancelled());
      MARQUEE_RETURN_IF_ERROR(RewriteOne(std::move(one)));
      Publish();
    }
    return absl::OkStatus();
  }

  // Writes one record with its expected version; when a concurrent write got
  // there first, reads the record again and starts over from what is stored.
  absl::Status RewriteOne(Pending one) {
    for (uint32_t conflicts = 1;; ++conflicts) {
      WriteBatch batch;
      batch.Put(collection_, one.stored.id, one.body, {.expected_version = one.stored.version},
                current_);
      absl::StatusOr<uint64_t> written = base_.Write(batch, options_.write);
      if (written.ok()) {
        ++report_.rewritten;
        return absl::OkStatus();
      }
      if (!absl::IsFailedPrecondition(written.status())) return written.status();
      if (conflicts > options_.max_retries_per_record) {
        return absl::AbortedError(absl::StrCat(
            "gave up migrating '", Sv(collection_), "/", Sv(one.stored.id), "' after ",
            conflicts, " conflicting writes"));
      }
      ++report_.conflicts_retried;
      MARQUEE_RETURN_IF_ERROR(CheckCancelled());
      absl::StatusOr<Record> now = base_.Get(collection_, one.stored.id);
      if (absl::IsNotFound(now.status())) {
        ++report_.gone;
        return absl::OkStatus();
      }
      if (!now.ok()) return now.status();
      if (now->schema == current_) {
        ++report_.skipped;
        return absl::OkStatus();
      }
      MARQUEE_ASSIGN_OR_RETURN(Record upgraded, registry_.Upgrade(*now));
      one = Pending{.stored = *std::move(now), .body = std::move(upgraded.body)};
    }
  }

  absl::Status CheckCancelled() const {
    if (control_ == nullptr || !control_->cancelled()) return absl::OkStatus();
    return absl::CancelledError(absl::StrCat("the migration of '", Sv(collection_),
                                             "' was cancelled after rewriting ",
                                             report_.rewritten, " records"));
  }

  void Publish() const {
    if (control_ != nullptr) control_->Publish(report_);
  }

  Store& base_;
  const SchemaRegistry& registry_;
  std::string collection_;
  uint32_t current_;
  const MigrateOptions& options_;
  MigrationControl* control_;
  MigrationReport report_;
};

}  // namespace

absl::Status ValidateMigrateOptions(const MigrateOptions& options) {
  if (options.batch_size == 0 || options.batch_size > kMaxBatchSize) {
    return absl::InvalidArgumentError(absl::StrCat("batch_size must be 1..", kMaxBatchSize,
                                                   ", not ", options.batch_size));
  }
  if (options.max_retries_per_record == 0 ||
      options.max_retries_per_record > kMaxRetriesPerRecord) {
    return absl::InvalidArgumentError(absl::StrCat("max_retries_per_record must be 1..",
                                                   kMaxRetriesPerRecord, ", not ",
                                                   options.max_retries_per_record));
  }
  return absl::OkStatus();
}

absl::StatusOr<MigrationReport> RunMigration(Store& base, const SchemaRegistry& registry,
                                             std::string_view collection,
                                             const MigrateOptions& options,
                                             MigrationControl* control) {
  MARQUEE_RETURN_IF_ERROR(ValidateMigrateOptions(options));
  std::optional<uint32_t> current = registry.CurrentVersion(collection);
  if (!current.has_value()) {
    return absl::NotFoundError(absl::StrCat("collection '", Sv(collection),
                                            "' is not in the schema registry"));
  }
  return MigrationPass(base, registry, collection, *current, options, control).Run();
}

}  // namespace internal

absl::StatusOr<MigrationReport> Migrate(Store& base, const SchemaRegistry& registry,
                                        std::string_view collection,
                                        const MigrateOptions& options) {
  return internal::RunMigration(base, registry, collection, options, nullptr);
}

}  // namespace marquee
