// The migration pass shared by Migrate (on demand) and BackgroundMigration:
// Migrate with a way to cancel it and to watch its counts from other threads.
#ifndef MARQUEE_SRC_INTERNAL_MIGRATION_H_
#define MARQUEE_SRC_INTERNAL_MIGRATION_H_

#include <atomic>
#include <mutex>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/schema.h"
#include "marquee/store.h"

namespace marquee::internal {

// Cancellation flag and published counts of one migration.
// Thread-safety: every method may be called concurrently.
class MigrationControl {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  void Publish(const MigrationReport& report) {
    std::lock_guard<std::mutex> lock(mu_);
    report_ = report;
  }
  MigrationReport report() const {
    std::lock_guard<std::mutex> lock(mu_);
    return report_;
  }

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  MigrationReport report_;
};

// Checks the ranges of MigrateOptions.
// Errors: InvalidArgument naming the field.
absl::Status ValidateMigrateOptions(const MigrateOptions& options);

// Migrate (marquee/schema.h), publishing its counts to `control` (null: no
// control) after each page read and each batch written.
// Errors: as Migrate, plus Cancelled once `control` is cancelled; nothing is
// written after that.
absl::StatusOr<MigrationReport> RunMigration(Store& base, const SchemaRegistry& registry,
                                             std::string_view collection,
                                             const MigrateOptions& options,
                                             MigrationControl* control);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_MIGRATION_H_
