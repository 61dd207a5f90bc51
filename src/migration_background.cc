// BackgroundMigration: Migrate as one task on an Executor.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "internal/migration.h"
#include "marquee/schema.h"
#include "marquee/status.h"

namespace marquee {

// Shared by the handle and the task, so a task the executor runs late (after
// the handle is gone) finds valid memory, sees kAbandoned and does nothing.
struct BackgroundMigration::State {
  enum class Phase { kPending, kRunning, kDone, kAbandoned };

  Store* base = nullptr;
  std::shared_ptr<const SchemaRegistry> registry;
  std::string collection;
  MigrateOptions options;
  internal::MigrationControl control;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  Phase phase = Phase::kPending;                     // guarded by mu
  std::optional<absl::StatusOr<MigrationReport>> result;  // guarded by mu; set when kDone

  void Run() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (phase == Phase::kAbandoned) return;  // base may be gone: touch nothing
      phase = Phase::kRunning;
    }
    absl::StatusOr<MigrationReport> outcome =
        internal::RunMigration(*base, *registry, collection, options, &control);
    std::lock_guard<std::mutex> lock(mu);
    result = std::move(outcome);
    phase = Phase::kDone;
    cv.notify_all();
  }
};

absl::StatusOr<std::unique_ptr<BackgroundMigration>> BackgroundMigration::Start(
    Store* base, std::shared_ptr<const SchemaRegistry> registry, std::string collection,
    Executor* executor, const MigrateOptions& options) {
  if (base == nullptr) return absl::InvalidArgumentError("a migration needs a base store");
  if (registry == nullptr) return absl::InvalidArgumentError("a migration needs a schema registry");
  if (executor == nullptr) return absl::InvalidArgumentError("a migration needs an executor");
  MARQUEE_RETURN_IF_ERROR(internal::ValidateMigrateOptions(options));
  if (!registry->CurrentVersion(collection).has_value()) {
    return absl::NotFoundError("collection '" + collection + "' is not in the schema registry");
  }
  auto state = std::make_shared<State>();
  state->base = base;
  state->registry = std::move(registry);
  state->collection = std::move(collection);
  state->options = options;
  executor->Post([state] { state->Run(); });
  return std::unique_ptr<BackgroundMigration>(new BackgroundMigration(std::move(state)));
}

BackgroundMigration::BackgroundMigration(std::shared_ptr<State> state) : state_(std::move(state)) {}

BackgroundMigration::~BackgroundMigration() {
  state_->control.Cancel();
  std::unique_lock<std::mutex> lock(state_->mu);
  if (state_->phase == State::Phase::kPending) {
    state_->phase = State::Phase::kAbandoned;
    return;
  }
  state_->cv.wait(lock, [&] { return state_->phase == State::Phase::kDone; });
}

MigrationReport BackgroundMigration::progress() const { return state_->control.report(); }

void BackgroundMigration::Cancel() { state_->control.Cancel(); }

bool BackgroundMigration::done() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->phase == State::Phase::kDone;
}

absl::StatusOr<MigrationReport> BackgroundMigration::Wait() const {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait(lock, [&] { return state_->phase == State::Phase::kDone; });
  return *state_->result;
}

}  // namespace marquee
