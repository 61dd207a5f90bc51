// marquee/schema.h — versioned record shapes: upgrade on read, and Migrate.
//
// Every Record carries `schema`, the version of its body's shape. A
// SchemaRegistry says, per collection, which version the code reads and
// writes now (the current version) and how to upgrade a body from each older
// version n to n + 1. OpenSchemaStore wraps any Store so that readers only
// ever see current bodies:
//   - Get, Scan and Watch return records upgraded to the current version
//     (body and `schema` both); the store itself is not changed;
//   - Write upgrades a Put with an older schema before writing it and
//     refuses one newer than current (InvalidArgument); erases pass through;
//   - a stored record newer than the code knows (written by newer code) is
//     FailedPrecondition naming the record and both versions, never a crash.
// Collections the registry does not list pass through unchanged.
// Migrate (on demand) and BackgroundMigration (on an Executor) rewrite old
// records in place, with compare-and-set, so a concurrent write is never
// lost.
// Thread-safety: a SchemaRegistry is immutable and thread-safe; the store
// from OpenSchemaStore is thread-safe as every Store; BackgroundMigration's
// methods may be called from any thread. Upgrade functions may be called
// concurrently from several threads and must not throw (one that does is
// reported as Internal).
//
//   // v1 {"title":...} -> v2 adds "status" -> v3 renames "title" to "name".
//   auto registry = marquee::SchemaRegistry::Create(
//       {{.collection = "campaigns", .current_version = 3,
//         .upgrades = {{.from_version = 1, .upgrade = AddStatus},
//                      {.from_version = 2, .upgrade = RenameTitle}}}});
//   if (!registry.ok()) return registry.status();  // e.g. a gap: no 1 -> 2
//   auto store = marquee::OpenSchemaStore(base.get(), *registry);
//   absl::StatusOr<marquee::Record> r = (*store)->Get("campaigns", "spring");  // r->schema == 3
//   auto report = marquee::Migrate(*base, **registry, "campaigns", {.batch_size = 500});
#ifndef MARQUEE_SCHEMA_H_
#define MARQUEE_SCHEMA_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/executor.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/record.h"
#include "marquee/store.h"

namespace marquee {

// Turns a body of version n into the same data in the shape of version n + 1.
// A non-OK status fails the read or write that needed the upgrade.
using SchemaUpgrade = std::function<absl::StatusOr<Json>(const Json& body)>;

struct SchemaUpgradeStep {
  // The version this step reads; it produces from_version + 1. At least 1.
  uint32_t from_version = 0;
  // Never null.
  SchemaUpgrade upgrade{};
};

struct CollectionSchema {
  // A valid collection name (marquee/record.h).
  std::string collection{};
  // The version the code reads and writes. At least 1. Default: 1.
  uint32_t current_version = 1;
  // Exactly one step for each version 1 .. current_version - 1, in any order.
  // Default: none (so current_version must be 1).
  std::vector<SchemaUpgradeStep> upgrades{};
};

class MARQUEE_EXPORT SchemaRegistry {
 public:
  // Checks and freezes the schemas of `collections`.
  // Errors: InvalidArgument naming the collection and what is wrong: a bad
  // collection name, a collection listed twice, current_version 0, a step
  // from version 0 or from a version >= current_version, two steps from the
  // same version, a null upgrade function, a missing step (a gap: current 3
  // but no step from 1).
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const SchemaRegistry>> Create(
      std::vector<CollectionSchema> collections);

  ~SchemaRegistry();
  SchemaRegistry(const SchemaRegistry&) = delete;
  SchemaRegistry& operator=(const SchemaRegistry&) = delete;

  // The current version of `collection`; empty when it is not registered.
  std::optional<uint32_t> CurrentVersion(std::string_view collection) const;

  // The registered collections, sorted.
  std::vector<std::string> Collections() const;

  // `record` brought to its collection's current version: each step from
  // record.schema on is applied in order, then `schema` is set to current.
  // A record already current, or of an unregistered collection, is returned
  // unchanged.
  // Errors: FailedPrecondition (record.schema is newer than current, or 0;
  // the message names the record, its version and both schema versions);
  // an upgrade function's own status, its message prefixed with the record's
  // collection/id and the step's from and to versions; Internal (an upgrade
  // function threw).
  [[nodiscard]] absl::StatusOr<Record> Upgrade(Record record) const;

 private:
  struct Impl;
  explicit SchemaRegistry(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

// Wraps `base` so that reads return current records and writes store them.
// `base` is not owned and must outlive the returned store; `registry` is
// shared. Per method of the returned Store:
//   - Get: the base record upgraded (errors as SchemaRegistry::Upgrade, plus
//     the base's).
//   - Write: a Put with schema 0, or newer than current, is InvalidArgument
//     naming the key (and both versions); one with an older schema is upgraded
//     first (an upgrade failure is its annotated status) and written as
//     current. Nothing is written when any operation fails. Otherwise the
//     base's Write, errors and all.
//   - Scan: the base scan, each record upgraded; a record that cannot be
//     upgraded (newer than known, a failing upgrade) fails the whole call
//     with that record's error, so no page silently lacks a row.
//     LIMITATION: the range, the order and the filter are evaluated by the
//     base store on the stored (possibly old) bodies, and index keys are
//     computed from them too. An upgraded record is checked against the
//     filter again and left out if its current body does not match, so every
//     returned record matches; but an old body that does not match where its
//     upgrade would is not returned, and old records sort by their old
//     values. `end`, `more` and `scanned` are the base's. Migrate the
//     collection to remove both effects.
//   - Watch: changes with upgraded records (erases are passed as they are).
//     A change that cannot be upgraded is delivered as its error (e.g.
//     FailedPrecondition naming the record, its commit version and both
//     schema versions) and, as every error in a change feed, ends the
//     subscription: nothing later is delivered, nothing is skipped silently.
//     position() is the version of the last change delivered; after
//     deploying code that knows the schema, watch again from the failed
//     change's version - 1 (changes of that commit delivered before the
//     error then come again).
//   - DefineIndex, Indexes, CurrentVersion: the base's (see the limitation).
// Errors: InvalidArgument (null base or registry).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::unique_ptr<Store>> OpenSchemaStore(
    Store* base, std::shared_ptr<const SchemaRegistry> registry);

struct MigrateOptions {
  // Records read and rewritten per atomic batch, 1..100,000. Default: 500.
  size_t batch_size = 500;
  // Conflicting writes tolerated on one record (each one re-reads and
  // retries it) before Migrate gives up with Aborted, 1..1,000,000.
  // Default: 100.
  uint32_t max_retries_per_record = 100;
  // Passed to each rewrite. Default: {}.
  WriteOptions write{};
};

// What a migration did. scanned == rewritten + skipped + gone once it ends
// successfully.
struct MigrationReport {
  uint64_t scanned = 0;            // records read by the pass over the collection
  uint64_t rewritten = 0;          // records written at the current version
  uint64_t conflicts_retried = 0;  // rewrites refused by a concurrent write, re-read and retried
  uint64_t skipped = 0;            // already current (when read, or when re-read after a conflict)
  uint64_t gone = 0;               // erased by someone else before they could be rewritten

  friend bool operator==(const MigrationReport&, const MigrationReport&) = default;
};

// Rewrites every record of `collection` in `base` whose schema is older than
// the registry's current version: one pass in id order, `batch_size` records
// per batch. Each batch is one atomic Write with every record's expected
// version as read; if a concurrent write changed one of them, the batch's
// records are rewritten one by one instead, and a record whose version moved
// is read again, upgraded again and retried, so a concurrent write is never
// overwritten. A rewrite is a write like any other: it gets a new version and
// `updated` time and appears in the change feed. Records written at an old
// schema behind the pass, while it runs, are left for the next Migrate.
// Batches written before an error stay written; running Migrate again
// continues where it failed. Pass the base store, not one from
// OpenSchemaStore: that one reads every record as current already, so
// Migrate would find nothing to rewrite.
// Errors: InvalidArgument (bad options), NotFound (collection not in the
// registry), FailedPrecondition (a stored record is newer than the registry
// knows), an upgrade function's annotated status (as
// SchemaRegistry::Upgrade), Aborted (a record kept changing for
// max_retries_per_record retries), the base store's Scan, Get and Write
// errors.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<MigrationReport> Migrate(
    Store& base, const SchemaRegistry& registry, std::string_view collection,
    const MigrateOptions& options = {});

// Migrate, run as one task on an Executor, with progress and cancellation.
// Destroying the handle cancels the migration and waits for the task if it
// is running (a task the executor has not started yet will do nothing).
//
//   auto migration = marquee::BackgroundMigration::Start(
//       base.get(), registry, "campaigns", executor.get(), {.batch_size = 200});
//   ... (*migration)->progress().rewritten ...
//   absl::StatusOr<marquee::MigrationReport> report = (*migration)->Wait();
class MARQUEE_EXPORT BackgroundMigration {
 public:
  // Posts the migration of `collection` to `executor`. `base` and `executor`
  // are not owned and must outlive the handle.
  // Errors: InvalidArgument (null base, registry or executor; bad options),
  // NotFound (collection not in the registry).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BackgroundMigration>> Start(
      Store* base, std::shared_ptr<const SchemaRegistry> registry, std::string collection,
      Executor* executor, const MigrateOptions& options = {});

  ~BackgroundMigration();
  BackgroundMigration(const BackgroundMigration&) = delete;
  BackgroundMigration& operator=(const BackgroundMigration&) = delete;

  // Counts so far; updated after each page read and each batch written.
  MigrationReport progress() const;

  // Asks the migration to stop before its next write; its final status is
  // then Cancelled (unless it had already ended). Batches already written
  // stay written.
  void Cancel();

  // True once the migration has ended (successfully or not).
  bool done() const;

  // Blocks until the migration ends, then returns its final report. (The
  // executor must run the task: a pool destroyed without running it never
  // ends the migration.)
  // Errors: Cancelled (Cancel was called), and Migrate's errors; progress()
  // still tells what was done.
  [[nodiscard]] absl::StatusOr<MigrationReport> Wait() const;

 private:
  struct State;
  explicit BackgroundMigration(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace marquee

#endif  // MARQUEE_SCHEMA_H_
