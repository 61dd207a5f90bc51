// The Store contract: one suite of behaviours every Store backend must pass,
// written once and instantiated per backend.
//
// A backend's test file supplies a StoreFactory (a fresh, empty store per
// call, stamping records with the given clock) and instantiates every case:
//
//   std::unique_ptr<marquee::Store> OpenInMemory(marquee::Clock* clock) {
//     return std::move(*marquee::OpenMemoryStore({.clock = clock}));
//   }
//   MARQUEE_STORE_CONTRACT_TESTS("MemoryStore in memory", OpenInMemory)
//
// Each case becomes one doctest TEST_CASE named "<prefix>: <title>". Cases
// that run threads are in the doctest test suite "concurrent" (the ctest
// label ThreadSanitizer runs); the others are in "store_contract".
// The file also holds small helpers shared by the store tests.
// Thread-safety: ChangeCollector's handler may be called from any thread;
// everything else is for the test's thread.
#ifndef MARQUEE_TESTS_SUPPORT_STORE_CONTRACT_H_
#define MARQUEE_TESTS_SUPPORT_STORE_CONTRACT_H_

#include <doctest/doctest.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/clock.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/record.h"
#include "marquee/store.h"

// Readable failure messages for the values the store tests compare.
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& value);
};
template <>
struct StringMaker<marquee::IndexValue> {
  static String convert(const marquee::IndexValue& value);
};
template <>
struct StringMaker<marquee::ScanPosition> {
  static String convert(const marquee::ScanPosition& value);
};
template <>
struct StringMaker<std::optional<marquee::ScanPosition>> {
  static String convert(const std::optional<marquee::ScanPosition>& value);
};
template <>
struct StringMaker<marquee::Record> {
  static String convert(const marquee::Record& value);
};
}  // namespace doctest

namespace marquee::test {

// Opens a fresh, empty store whose record timestamps come from `clock`
// (never null; it outlives the store). Fails the test (REQUIRE) if it cannot.
using StoreFactory = std::function<std::unique_ptr<Store>(Clock* clock)>;

// A Store that forwards every call to `store` and runs `on_close` after
// destroying it (e.g. to remove the store's temporary directory).
std::unique_ptr<Store> OwningStore(std::unique_ptr<Store> store, std::function<void()> on_close);

// ---- helpers shared by the store tests -----------------------------------

// Parses `text`; fails the current test if it is not valid JSON.
Json J(std::string_view text);
// The integer value of the top-level member `name` of a flat JSON object
// written by a test (e.g. IntField({"n":5}, "n") == 5); fails if absent.
int64_t IntField(const Json& body, std::string_view name);
// The string value of the top-level member `name` of a flat JSON object
// whose strings need no escapes; "" if absent.
std::string StringField(const Json& body, std::string_view name);

// Writes `batch`; fails the current test unless it commits. Returns the version.
uint64_t MustWrite(Store& store, const WriteBatch& batch);
uint64_t MustPut(Store& store, std::string_view collection, std::string_view id,
                 std::string_view json);
// Gets a record; fails the current test unless it exists.
Record MustGet(const Store& store, std::string_view collection, std::string_view id);
// Scans; fails the current test unless the scan succeeds.
ScanResult MustScan(const Store& store, const ScanRequest& request);
// The ids of a scan's records, in order.
std::vector<std::string> Ids(const ScanResult& result);
// Every record of `index` in order, read in pages of `page` rows.
std::vector<Record> ScanAll(const Store& store, std::string_view collection,
                            std::string_view index, size_t page = 97);

// Text for failure messages.
std::string ToString(const IndexValue& value);
std::string ToString(const ScanPosition& position);
std::string ToString(const Record& record);

// Calls `condition` until it is true or `timeout` passes; returns its last result.
bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout = absl::Seconds(10));

// Collects what a Watch delivers. Keep it alive longer than the Subscription.
class ChangeCollector {
 public:
  WatchHandler Handler();

  // Waits until `count` changes or an error have arrived; true for the former.
  // (A batch's changes arrive one handler call each, so waiting for a version
  // alone may return before the rest of that batch.)
  bool WaitForCount(size_t count, absl::Duration timeout = absl::Seconds(10));
  // Waits until a change with version >= `version` or an error has arrived.
  // Returns true when such a change arrived.
  bool WaitForVersion(uint64_t version, absl::Duration timeout = absl::Seconds(10));
  // Waits until an error has arrived; returns it (OK if none came in time).
  absl::Status WaitForError(absl::Duration timeout = absl::Seconds(10));

  std::vector<Change> changes() const;
  size_t size() const;
  // The error that ended the subscription, OK if none.
  absl::Status error() const;
  // Number of handler calls after the error (must stay 0).
  size_t calls_after_error() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Change> changes_;
  absl::Status error_;
  bool has_error_ = false;
  size_t calls_after_error_ = 0;
};

// ---- the contract cases --------------------------------------------------

namespace contract {
#define MARQUEE_STORE_CONTRACT_DECLARE_(fn, title, suite, prefix, factory) \
  void fn(const StoreFactory& factory_);
#define MARQUEE_STORE_CONTRACT_CASES(X, prefix, factory)                                        \
  X(GetAbsentIsNotFound, "Get of an absent record is NotFound", "store_contract", prefix,       \
    factory)                                                                                    \
  X(PutThenGetReturnsEveryField, "Put then Get returns every Record field", "store_contract",   \
    prefix, factory)                                                                            \
  X(VersionsIncreasePerCommit, "versions increase per commit and are shared by a batch",        \
    "store_contract", prefix, factory)                                                          \
  X(CreatedKeptUpdatedMoves, "created is kept across updates and updated moves",                \
    "store_contract", prefix, factory)                                                          \
  X(EraseThenGetIsNotFound, "erase then Get is NotFound", "store_contract", prefix, factory)    \
  X(CasExpectZeroOnAbsent, "CAS expected 0 on an absent record succeeds", "store_contract",     \
    prefix, factory)                                                                            \
  X(CasExpectZeroOnPresent, "CAS expected 0 on a present record fails naming the key",          \
    "store_contract", prefix, factory)                                                          \
  X(CasCurrentAndStale, "CAS with the current version succeeds and a stale one fails",          \
    "store_contract", prefix, factory)                                                          \
  X(CasOnErase, "CAS conditions on erases", "store_contract", prefix, factory)                  \
  X(FailedBatchWritesNothing, "a batch whose 4th expectation fails writes nothing",             \
    "store_contract", prefix, factory)                                                          \
  X(BatchAcrossCollections, "a batch across collections commits as one version",                \
    "store_contract", prefix, factory)                                                          \
  X(InvalidWritesChangeNothing, "invalid writes are InvalidArgument and change nothing",        \
    "store_contract", prefix, factory)                                                          \
  X(InvalidGets, "Get with a bad collection or id is InvalidArgument", "store_contract",        \
    prefix, factory)                                                                            \
  X(DefineIndexValidation, "DefineIndex rejects bad specs", "store_contract", prefix, factory)  \
  X(DefineIndexIdempotent, "DefineIndex is idempotent and AlreadyExists for other fields",      \
    "store_contract", prefix, factory)                                                          \
  X(DefineIndexIndexesExisting, "DefineIndex indexes existing records", "store_contract",       \
    prefix, factory)                                                                            \
  X(IndexAscendingWithIdTieBreak, "ascending index orders numbers with the id tie-breaker",     \
    "store_contract", prefix, factory)                                                          \
  X(IndexDescending, "descending index reverses values but not the id tie-breaker",             \
    "store_contract", prefix, factory)                                                          \
  X(IndexMultiFieldMixedDirections, "multi-field index with mixed directions",                  \
    "store_contract", prefix, factory)                                                          \
  X(IndexTypeOrder, "index orders missing and mixed types by the documented type order",        \
    "store_contract", prefix, factory)                                                          \
  X(IndexStringAndContainerOrder, "strings sort by bytes and containers by minified text",      \
    "store_contract", prefix, factory)                                                          \
  X(IndexFollowsUpdatesAndErases, "updates move a record in an index and erases remove it",     \
    "store_contract", prefix, factory)                                                          \
  X(ScanEmptyCollection, "Scan of an empty collection", "store_contract", prefix, factory)      \
  X(ScanIdOrder, "Scan in id order with id bounds", "store_contract", prefix, factory)          \
  X(ScanPrefixEquality, "Scan with an equality prefix", "store_contract", prefix, factory)      \
  X(ScanRangeBounds, "Scan lower and upper bounds inclusive and exclusive", "store_contract",    \
    prefix, factory)                                                                            \
  X(ScanRangeOnDescendingField, "Scan bounds on a descending field keep their value meaning",   \
    "store_contract", prefix, factory)                                                          \
  X(ScanLimitAndMore, "Scan limit and more", "store_contract", prefix, factory)                 \
  X(ScanAfterAndBefore, "Scan after and before positions", "store_contract", prefix, factory)   \
  X(ScanPagesForward, "paging forward through 1000 records sees each once in order",            \
    "store_contract", prefix, factory)                                                          \
  X(ScanPagesBackward, "paging backward through 1000 records sees each once in order",          \
    "store_contract", prefix, factory)                                                          \
  X(ScanFilterPredicates, "Scan residual filter with every predicate op", "store_contract",     \
    prefix, factory)                                                                            \
  X(ScanMaxScanned, "Scan stops at max_scanned with a position to continue from",               \
    "store_contract", prefix, factory)                                                          \
  X(ScanInvalidRequests, "Scan rejects bad requests", "store_contract", prefix, factory)        \
  X(WatchFromZeroDeliversAll, "Watch from 0 delivers every change once in commit order",        \
    "store_contract", prefix, factory)                                                          \
  X(WatchLateWatcher, "a late watcher gets the retained history then live changes",             \
    "store_contract", prefix, factory)                                                          \
  X(WatchFutureIsInvalid, "Watch after a future version is InvalidArgument", "store_contract",  \
    prefix, factory)                                                                            \
  X(WatchDestroyStopsDelivery, "destroying a Subscription stops delivery", "store_contract",     \
    prefix, factory)                                                                            \
  X(WatchConcurrentWriters, "Watch with concurrent writers sees exactly the acknowledged changes", \
    "concurrent", prefix, factory)                                                              \
  X(ConcurrentCasIncrements, "concurrent CAS increments lose no update", "concurrent", prefix,  \
    factory)                                                                                    \
  X(ConcurrentReadersSeeWholeBatches, "readers never see a half-applied batch", "concurrent",   \
    prefix, factory)                                                                            \
  X(ConcurrentIndexUpdates, "concurrent index updates leave every index consistent",            \
    "concurrent", prefix, factory)

MARQUEE_STORE_CONTRACT_CASES(MARQUEE_STORE_CONTRACT_DECLARE_, unused, unused)
}  // namespace contract

}  // namespace marquee::test

#define MARQUEE_STORE_CONTRACT_TEST_CASE_(fn, title, suite, prefix, factory) \
  TEST_CASE(prefix ": " title * doctest::test_suite(suite)) {                \
    ::marquee::test::contract::fn(::marquee::test::StoreFactory(factory));   \
  }

// Registers every contract case as "<prefix>: <title>", each run against a
// fresh store from `factory` (anything convertible to StoreFactory).
// `prefix` must be a string literal. Use at namespace scope, once per backend.
#define MARQUEE_STORE_CONTRACT_TESTS(prefix, factory) \
  MARQUEE_STORE_CONTRACT_CASES(MARQUEE_STORE_CONTRACT_TEST_CASE_, prefix, factory)

#endif  // MARQUEE_TESTS_SUPPORT_STORE_CONTRACT_H_
