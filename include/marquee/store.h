// marquee/store.h — the backend-neutral campaign data store.
//
// A Store holds Records in named collections. Writes are atomic batches of
// puts and erases, optionally conditional on expected versions (compare and
// set); each committed batch gets the next store-wide version. Reads are
// point Gets and ordered Scans over declared secondary indexes. Watch is the
// change feed: every committed change, in commit order, exactly once.
// Backends: MemoryStore (embedded, durable; marquee/memory_store.h) and
// PostgresStore (shared by several machines; marquee/postgres/
// postgres_store.h, target marquee::postgres). Every backend passes the
// same contract test suite (tests/support/store_contract.h).
// Thread-safety: every method may be called concurrently.
//
//   marquee::WriteBatch batch;
//   batch.Put("campaigns", "spring", *marquee::Json::Parse(R"({"priority":5})"),
//             {.expected_version = 0});  // create only
//   absl::StatusOr<uint64_t> version = store->Write(batch);
//   absl::StatusOr<marquee::Record> r = store->Get("campaigns", "spring");
//   auto page = store->Scan({.collection = "campaigns", .index = "by_priority", .limit = 50});
#ifndef MARQUEE_STORE_H_
#define MARQUEE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/export.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/record.h"

namespace marquee {

// Conditions on one operation of a WriteBatch.
struct WriteCondition {
  // The version the record must have now: 0 means "must not exist". Empty: no
  // condition. Default: empty.
  std::optional<uint64_t> expected_version{};
};

// An atomic group of puts and erases, possibly across collections.
// Thread-safety: a value; not safe to mutate concurrently.
class MARQUEE_EXPORT WriteBatch {
 public:
  enum class OpKind : uint8_t { kPut, kErase };
  struct Op {
    OpKind kind = OpKind::kPut;
    std::string collection{};
    std::string id{};
    Json body{};            // kPut only
    uint32_t schema = 1;  // kPut only
    std::optional<uint64_t> expected_version{};
  };

  // Creates or replaces a record. `schema` is the version of the body's shape.
  WriteBatch& Put(std::string collection, std::string id, Json body,
                  WriteCondition condition = {}, uint32_t schema = 1);
  // Removes a record. Erasing an absent record without a condition is a
  // no-op that still appears in the change feed.
  WriteBatch& Erase(std::string collection, std::string id, WriteCondition condition = {});

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void Clear() { ops_.clear(); }

 private:
  std::vector<Op> ops_;
};

struct WriteOptions {
  // Make this write durable on disk (fsync) before acknowledging it, whatever
  // the store's fsync policy. Default: false.
  bool sync = false;
};

// A position in an index: the index field values and id of one row.
struct ScanPosition {
  std::vector<IndexValue> values{};  // one per index field; empty for the primary order
  std::string id{};

  friend bool operator==(const ScanPosition&, const ScanPosition&) = default;
};

// A bound on the first index field after the equality prefix.
struct RangeBound {
  IndexValue value{};
  // Default: true (>= for a lower bound, <= for an upper bound).
  bool inclusive = true;
};

struct ScanRequest {
  std::string collection{};
  // A declared index of the collection; "" scans in id order. Default: "".
  std::string index{};
  // Equality on the leading index fields, in order (fewer values than the
  // index has fields when lower or upper is set). Must be empty for the id
  // order.
  std::vector<IndexValue> prefix{};
  // Range on the field that follows the prefix (on the id, as strings, for
  // the id order), in value order: the index's direction on that field does
  // not change what lower and upper mean. InvalidArgument when the prefix
  // already covers every field of the index.
  std::optional<RangeBound> lower{};
  std::optional<RangeBound> upper{};
  // Evaluated on each row in the range; rows that fail are skipped.
  Filter filter{};
  // Most rows returned. Default: 100. 0 is InvalidArgument.
  size_t limit = 100;
  // Most rows examined (matching or not) before returning a short page with
  // `more` set, so a filter that matches nothing cannot scan forever.
  // Default: 10,000.
  size_t max_scanned = 10'000;
  // Start strictly after this position (forward), or end strictly before it
  // (backward: the rows just before it). At most one of the two.
  std::optional<ScanPosition> after{};
  std::optional<ScanPosition> before{};
};

struct ScanResult {
  // Matching rows in index order (also for a backward scan).
  std::vector<Record> records{};
  // Positions of the first and last rows examined in the direction of the
  // scan: continue a forward scan with after = *end, a backward one with
  // before = *end. Set when rows were examined, even if none matched.
  std::optional<ScanPosition> end{};
  // True when the range may hold more rows in the scan's direction.
  bool more = false;
  // Rows examined.
  size_t scanned = 0;
};

// One committed change, delivered by Watch.
struct Change {
  enum class Kind : uint8_t { kPut, kErase };
  uint64_t version = 0;  // the commit version; several changes may share it
  Kind kind = Kind::kPut;
  std::string collection{};
  std::string id{};
  Record record{};  // kPut: the new record; kErase: collection, id and version only
};

// Receives changes in commit order. A non-OK status ends the subscription:
// OutOfRange when the history it needs was discarded (the watcher fell too
// far behind), Cancelled at store shutdown.
using WatchHandler = std::function<void(const absl::StatusOr<Change>&)>;

// A live Watch. Destroying it stops delivery; it waits for a handler call in
// progress, so it must not be destroyed from inside its own handler.
class MARQUEE_EXPORT Subscription {
 public:
  virtual ~Subscription() = default;
  // The version of the last change delivered (or the starting version).
  virtual uint64_t position() const = 0;
};

class MARQUEE_EXPORT Store {
 public:
  virtual ~Store() = default;

  // Declares a secondary index; existing records are indexed at once.
  // Declaring the same spec again is a no-op.
  // Errors: InvalidArgument (bad spec), AlreadyExists (same name, other
  // fields).
  [[nodiscard]] virtual absl::Status DefineIndex(const IndexSpec& spec) = 0;

  // The indexes declared for `collection`.
  virtual std::vector<IndexSpec> Indexes(std::string_view collection) const = 0;

  // Errors: NotFound, InvalidArgument (bad collection or id), Unavailable.
  [[nodiscard]] virtual absl::StatusOr<Record> Get(std::string_view collection,
                                                   std::string_view id) const = 0;

  // Commits `batch` atomically and returns its version. Nothing is written if
  // any operation fails.
  // Errors: InvalidArgument (empty batch, bad names, bodies),
  // FailedPrecondition (an expected version did not hold; the message names
  // the key), Unavailable / DataLoss (the store refuses writes after an I/O
  // failure), ResourceExhausted (batch too large), OutOfRange (the batch's
  // encoding exceeds what the store's codec may hold; nothing is written).
  [[nodiscard]] virtual absl::StatusOr<uint64_t> Write(const WriteBatch& batch,
                                                       const WriteOptions& options = {}) = 0;

  // Rows of one index in order, within the request's range and filter.
  // Errors: InvalidArgument (bad request, unknown index, position that does
  // not fit the index), Unavailable.
  [[nodiscard]] virtual absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const = 0;

  // Delivers every change committed after `after_version`, in commit order,
  // exactly once, on a thread owned by the store. A late watcher first gets
  // the retained history.
  // Errors: OutOfRange (changes after after_version are no longer retained:
  // reload, then watch from the current version), InvalidArgument
  // (after_version is in the future).
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Subscription>> Watch(
      uint64_t after_version, WatchHandler handler) = 0;

  // The version of the last committed batch (0 for an empty store).
  virtual uint64_t CurrentVersion() const = 0;
};

}  // namespace marquee

#endif  // MARQUEE_STORE_H_
