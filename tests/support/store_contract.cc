// The Store contract cases (see store_contract.h) and the shared helpers.
#include "support/store_contract.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace marquee::test {

std::string ToString(const IndexValue& value) {
  return value.type() == IndexValue::Type::kMissing ? std::string("<missing>") : value.ToJson();
}

std::string ToString(const ScanPosition& position) {
  std::string text = "(";
  for (const IndexValue& value : position.values) absl::StrAppend(&text, ToString(value), ", ");
  absl::StrAppend(&text, "id \"", position.id, "\")");
  return text;
}

std::string ToString(const Record& r) {
  return absl::StrCat(r.collection, "/", r.id, "@", r.version, " schema ", r.schema, " created ",
                      absl::FormatTime(r.created), " updated ", absl::FormatTime(r.updated), " ",
                      std::string(r.body.text()));
}

namespace {

// A Store that owns the real one and runs a cleanup after destroying it.
class OwningStoreImpl final : public Store {
 public:
  OwningStoreImpl(std::unique_ptr<Store> store, std::function<void()> on_close)
      : store_(std::move(store)), on_close_(std::move(on_close)) {}
  ~OwningStoreImpl() override {
    store_.reset();
    if (on_close_) on_close_();
  }
  absl::Status DefineIndex(const IndexSpec& spec) override { return store_->DefineIndex(spec); }
  std::vector<IndexSpec> Indexes(std::string_view collection) const override {
    return store_->Indexes(collection);
  }
  absl::StatusOr<Record> Get(std::string_view collection, std::string_view id) const override {
    return store_->Get(collection, id);
  }
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& options) override {
    return store_->Write(batch, options);
  }
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const override {
    return store_->Scan(request);
  }
  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after_version,
                                                      WatchHandler handler) override {
    return store_->Watch(after_version, std::move(handler));
  }
  uint64_t CurrentVersion() const override { return store_->CurrentVersion(); }

 private:
  std::unique_ptr<Store> store_;
  std::function<void()> on_close_;
};

}  // namespace

std::unique_ptr<Store> OwningStore(std::unique_ptr<Store> store, std::function<void()> on_close) {
  return std::make_unique<OwningStoreImpl>(std::move(store), std::move(on_close));
}

Json J(std::string_view text) {
  absl::StatusOr<Json> json = Json::Parse(text);
  REQUIRE_MESSAGE(json.ok(), std::string(text), " ", json.status().ToString());
  return *json;
}

namespace {
std::optional<size_t> FindMember(std::string_view text, std::string_view name) {
  std::string needle = "\"" + std::string(name) + "\":";
  size_t at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  return at + needle.size();
}
}  // namespace

int64_t IntField(const Json& body, std::string_view name) {
  std::string text(body.text());
  std::optional<size_t> at = FindMember(text, name);
  REQUIRE_MESSAGE(at.has_value(), "no member ", std::string(name), " in ", text);
  return std::strtoll(text.c_str() + *at, nullptr, 10);
}

std::string StringField(const Json& body, std::string_view name) {
  std::string_view text = body.text();
  std::optional<size_t> at = FindMember(text, name);
  if (!at.has_value() || *at >= text.size() || text[*at] != '"') return "";
  size_t end = text.find('"', *at + 1);
  if (end == std::string_view::npos) return "";
  return std::string(text.substr(*at + 1, end - *at - 1));
}

uint64_t MustWrite(Store& store, const WriteBatch& batch) {
  absl::StatusOr<uint64_t> version = store.Write(batch);
  REQUIRE_MESSAGE(version.ok(), version.status().ToString());
  return *version;
}

uint64_t MustPut(Store& store, std::string_view collection, std::string_view id,
                 std::string_view json) {
  WriteBatch batch;
  batch.Put(std::string(collection), std::string(id), J(json));
  return MustWrite(store, batch);
}

Record MustGet(const Store& store, std::string_view collection, std::string_view id) {
  absl::StatusOr<Record> record = store.Get(collection, id);
  REQUIRE_MESSAGE(record.ok(), std::string(collection), "/", std::string(id), ": ",
                  record.status().ToString());
  return *record;
}

ScanResult MustScan(const Store& store, const ScanRequest& request) {
  absl::StatusOr<ScanResult> result = store.Scan(request);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  return *result;
}

std::vector<std::string> Ids(const ScanResult& result) {
  std::vector<std::string> ids;
  for (const Record& record : result.records) ids.push_back(record.id);
  return ids;
}

std::vector<Record> ScanAll(const Store& store, std::string_view collection,
                            std::string_view index, size_t page) {
  std::vector<Record> all;
  ScanRequest request{.collection = std::string(collection), .index = std::string(index),
                      .limit = page};
  for (int guard = 0; guard < 1'000'000; ++guard) {
    ScanResult result = MustScan(store, request);
    all.insert(all.end(), result.records.begin(), result.records.end());
    if (!result.more) break;
    REQUIRE_MESSAGE(result.end.has_value(), "more is set but end is not");
    request.after = result.end;
  }
  return all;
}

bool Eventually(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

WatchHandler ChangeCollector::Handler() {
  return [this](const absl::StatusOr<Change>& change) {
    std::lock_guard<std::mutex> lock(mu_);
    if (has_error_) {
      ++calls_after_error_;
    } else if (change.ok()) {
      changes_.push_back(*change);
    } else {
      has_error_ = true;
      error_ = change.status();
    }
    cv_.notify_all();
  };
}

bool ChangeCollector::WaitForCount(size_t count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
               [&] { return changes_.size() >= count || has_error_; });
  return changes_.size() >= count;
}

bool ChangeCollector::WaitForVersion(uint64_t version, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  auto reached = [&] { return !changes_.empty() && changes_.back().version >= version; };
  cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return reached() || has_error_; });
  return reached();
}

absl::Status ChangeCollector::WaitForError(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return has_error_; });
  return error_;
}

std::vector<Change> ChangeCollector::changes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return changes_;
}

size_t ChangeCollector::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return changes_.size();
}

absl::Status ChangeCollector::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

size_t ChangeCollector::calls_after_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_after_error_;
}

namespace contract {
namespace {

constexpr int64_t kStartSeconds = 1'700'000'000;

// A fresh store and the manual clock it stamps records with.
struct Fixture {
  explicit Fixture(const StoreFactory& factory)
      : clock(absl::FromUnixSeconds(kStartSeconds)), store(factory(&clock)) {
    REQUIRE(store != nullptr);
  }
  Store& operator*() { return *store; }
  Store* operator->() { return store.get(); }

  ManualClock clock;
  std::unique_ptr<Store> store;
};

IndexValue Num(double d) { return IndexValue::Number(d); }
IndexValue Str(std::string s) { return IndexValue::String(std::move(s)); }
ScanPosition Pos(std::vector<IndexValue> values, std::string id) {
  return ScanPosition{.values = std::move(values), .id = std::move(id)};
}
WriteCondition Expect(uint64_t version) { return WriteCondition{.expected_version = version}; }

void MustDefine(Store& store, IndexSpec spec) {
  absl::Status status = store.DefineIndex(spec);
  REQUIRE_MESSAGE(status.ok(), status.ToString());
}

// Compares the specs as sets (Indexes() promises no order), printing both
// sides on a difference.
std::string SpecText(const IndexSpec& spec) {
  std::string text = spec.collection + "." + spec.name + ":";
  for (const IndexField& field : spec.fields) {
    text += " " + field.pointer + (field.order == SortOrder::kAscending ? " asc" : " desc");
  }
  return text;
}
bool SameSpecs(const std::vector<IndexSpec>& got, const std::vector<IndexSpec>& expected) {
  std::vector<std::string> a, b;
  for (const IndexSpec& spec : got) a.push_back(SpecText(spec));
  for (const IndexSpec& spec : expected) b.push_back(SpecText(spec));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) MESSAGE("indexes: ", doctest::toString(a), " expected ", doctest::toString(b));
  return a == b;
}

IndexSpec Spec(std::string collection, std::string name, std::vector<IndexField> fields) {
  return IndexSpec{.collection = std::move(collection), .name = std::move(name),
                   .fields = std::move(fields)};
}

std::vector<std::string> ScanIds(const Store& store, ScanRequest request) {
  return Ids(MustScan(store, request));
}

std::vector<std::string> AllIds(const Store& store, std::string_view collection,
                                std::string_view index) {
  std::vector<std::string> ids;
  for (const Record& record : ScanAll(store, collection, index)) ids.push_back(record.id);
  return ids;
}

// One line per change, comparable and readable in a failure message.
std::string Describe(const Change& change) {
  if (change.kind == Change::Kind::kErase) {
    return absl::StrCat("v", change.version, " erase ", change.collection, "/", change.id,
                        " record=", change.record.collection, "/", change.record.id, "@",
                        change.record.version);
  }
  const Record& r = change.record;
  return absl::StrCat("v", change.version, " put ", change.collection, "/", change.id,
                      " record=", r.collection, "/", r.id, "@", r.version, " schema ", r.schema,
                      " created ", absl::ToUnixMicros(r.created), " updated ",
                      absl::ToUnixMicros(r.updated), " ", std::string(r.body.text()));
}

std::string DescribePut(const Record& r) {
  Change change{.version = r.version, .kind = Change::Kind::kPut, .collection = r.collection,
                .id = r.id, .record = r};
  return Describe(change);
}

std::string DescribeErase(uint64_t version, std::string collection, std::string id) {
  Change change{.version = version, .kind = Change::Kind::kErase, .collection = collection,
                .id = id};
  change.record.collection = collection;
  change.record.id = id;
  change.record.version = version;
  return Describe(change);
}

// Checks that two sorted lists are equal; on a difference, names what is
// missing from `got` and what is extra in it (at most 10 of each).
void CheckSameLines(const std::vector<std::string>& got, const std::vector<std::string>& expected,
                    const char* what) {
  if (got == expected) return;
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  if (missing.size() > 10) missing.resize(10);
  if (extra.size() > 10) extra.resize(10);
  FAIL_CHECK(std::string(what), ": got ", got.size(), " entries, expected ", expected.size(), "; missing ",
             doctest::toString(missing), "; unexpected ", doctest::toString(extra));
}

// Checks that `changes` are in non-decreasing version order and, grouping
// changes by version, equal `expected` (any order within one version).
void CheckSameChanges(const std::vector<Change>& changes, std::vector<std::string> expected) {
  std::vector<std::string> got;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (i > 0) CHECK_MESSAGE(changes[i - 1].version <= changes[i].version, "out of order at ", i);
    got.push_back(Describe(changes[i]));
  }
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  CheckSameLines(got, expected, "changes delivered");
}

#define CHECK_CODE(expr, code_fn)                                  \
  do {                                                             \
    const absl::Status check_code_status_ = (expr);                \
    CHECK_MESSAGE(code_fn(check_code_status_), check_code_status_.ToString()); \
  } while (false)

}  // namespace

// ---- records and versions -------------------------------------------------

void GetAbsentIsNotFound(const StoreFactory& factory) {
  Fixture s(factory);
  CHECK_CODE(s->Get("things", "nope").status(), absl::IsNotFound);
  MustPut(*s, "things", "a", R"({"x":1})");
  CHECK_CODE(s->Get("things", "b").status(), absl::IsNotFound);
  CHECK_CODE(s->Get("other", "a").status(), absl::IsNotFound);
  CHECK(s->Get("things", "a").ok());
}

void PutThenGetReturnsEveryField(const StoreFactory& factory) {
  Fixture s(factory);
  WriteBatch batch;
  batch.Put("things", "spring", J(R"({ "name": "spring", "tags": [1, 2], "on": true })"), {}, 3);
  uint64_t version = MustWrite(*s, batch);
  CHECK(version > 0);
  Record r = MustGet(*s, "things", "spring");
  CHECK(r.collection == "things");
  CHECK(r.id == "spring");
  CHECK(r.version == version);
  CHECK(r.schema == 3);
  CHECK(r.created == absl::FromUnixSeconds(kStartSeconds));
  CHECK(r.updated == absl::FromUnixSeconds(kStartSeconds));
  CHECK(r.body.text() == R"({"name":"spring","tags":[1,2],"on":true})");
  // The default schema is 1; timestamps follow the clock, to the microsecond.
  s.clock.Advance(absl::Microseconds(1'500'001));
  MustPut(*s, "things", "plain", "{}");
  Record plain = MustGet(*s, "things", "plain");
  CHECK(plain.schema == 1);
  CHECK(plain.body.text() == "{}");
  CHECK(plain.created == absl::FromUnixSeconds(kStartSeconds) + absl::Microseconds(1'500'001));
}

void VersionsIncreasePerCommit(const StoreFactory& factory) {
  Fixture s(factory);
  CHECK(s->CurrentVersion() == 0);
  uint64_t v1 = MustPut(*s, "things", "a", R"({"n":1})");
  CHECK(v1 > 0);
  CHECK(s->CurrentVersion() == v1);
  WriteBatch batch;
  batch.Put("things", "b", J(R"({"n":2})"))
      .Put("things", "c", J(R"({"n":3})"))
      .Put("others", "d", J(R"({"n":4})"));
  uint64_t v2 = MustWrite(*s, batch);
  CHECK(v2 > v1);
  CHECK(s->CurrentVersion() == v2);
  CHECK(MustGet(*s, "things", "b").version == v2);
  CHECK(MustGet(*s, "things", "c").version == v2);
  CHECK(MustGet(*s, "others", "d").version == v2);
  CHECK(MustGet(*s, "things", "a").version == v1);
  WriteBatch erase;
  erase.Erase("things", "a");
  uint64_t v3 = MustWrite(*s, erase);
  CHECK(v3 > v2);
  uint64_t last = v3;
  for (int i = 0; i < 20; ++i) {
    uint64_t v = MustPut(*s, "things", absl::StrCat("k", i % 3), absl::StrCat("{\"i\":", i, "}"));
    CHECK(v > last);
    CHECK(s->CurrentVersion() == v);
    last = v;
  }
}

void CreatedKeptUpdatedMoves(const StoreFactory& factory) {
  Fixture s(factory);
  const absl::Time t0 = absl::FromUnixSeconds(kStartSeconds);
  MustPut(*s, "things", "a", R"({"n":1})");
  s.clock.Advance(absl::Hours(1));
  MustPut(*s, "things", "b", R"({"n":1})");
  s.clock.Advance(absl::Hours(1));
  WriteBatch update;
  update.Put("things", "a", J(R"({"n":2})"), Expect(MustGet(*s, "things", "a").version));
  uint64_t v = MustWrite(*s, update);
  Record a = MustGet(*s, "things", "a");
  CHECK(a.version == v);
  CHECK(a.created == t0);
  CHECK(a.updated == t0 + absl::Hours(2));
  Record b = MustGet(*s, "things", "b");
  CHECK(b.created == t0 + absl::Hours(1));
  CHECK(b.updated == t0 + absl::Hours(1));
  s.clock.Advance(absl::Minutes(5));
  MustPut(*s, "things", "a", R"({"n":3})");
  a = MustGet(*s, "things", "a");
  CHECK(a.created == t0);
  CHECK(a.updated == t0 + absl::Hours(2) + absl::Minutes(5));
}

void EraseThenGetIsNotFound(const StoreFactory& factory) {
  Fixture s(factory);
  uint64_t put = MustPut(*s, "things", "a", "{}");
  WriteBatch erase;
  erase.Erase("things", "a");
  uint64_t erased = MustWrite(*s, erase);
  CHECK(erased > put);
  CHECK(s->CurrentVersion() == erased);
  CHECK_CODE(s->Get("things", "a").status(), absl::IsNotFound);
  // Erasing an absent record without a condition is a no-op that commits.
  uint64_t again = MustWrite(*s, erase);
  CHECK(again > erased);
  CHECK(s->CurrentVersion() == again);
  CHECK_CODE(s->Get("things", "a").status(), absl::IsNotFound);
  CHECK(ScanIds(*s, {.collection = "things"}).empty());
  // The id can be used again.
  MustPut(*s, "things", "a", R"({"again":true})");
  CHECK(MustGet(*s, "things", "a").body.text() == R"({"again":true})");
}

// ---- compare and set -------------------------------------------------------

void CasExpectZeroOnAbsent(const StoreFactory& factory) {
  Fixture s(factory);
  WriteBatch create;
  create.Put("campaigns", "spring", J(R"({"p":5})"), Expect(0));
  uint64_t v = MustWrite(*s, create);
  Record r = MustGet(*s, "campaigns", "spring");
  CHECK(r.version == v);
  CHECK(r.body.text() == R"({"p":5})");
}

void CasExpectZeroOnPresent(const StoreFactory& factory) {
  Fixture s(factory);
  uint64_t v1 = MustPut(*s, "campaigns", "spring-sale", R"({"p":1})");
  WriteBatch create;
  create.Put("campaigns", "spring-sale", J(R"({"p":2})"), Expect(0));
  absl::StatusOr<uint64_t> result = s->Write(create);
  REQUIRE_FALSE(result.ok());
  CHECK_MESSAGE(absl::IsFailedPrecondition(result.status()), result.status().ToString());
  std::string message(result.status().message());
  CHECK_MESSAGE(message.find("campaigns") != std::string::npos, message);
  CHECK_MESSAGE(message.find("spring-sale") != std::string::npos, message);
  Record r = MustGet(*s, "campaigns", "spring-sale");
  CHECK(r.version == v1);
  CHECK(r.body.text() == R"({"p":1})");
  CHECK(s->CurrentVersion() == v1);
}

void CasCurrentAndStale(const StoreFactory& factory) {
  Fixture s(factory);
  uint64_t v1 = MustPut(*s, "campaigns", "autumn", R"({"p":1})");
  WriteBatch update;
  update.Put("campaigns", "autumn", J(R"({"p":2})"), Expect(v1));
  uint64_t v2 = MustWrite(*s, update);
  CHECK(v2 > v1);
  CHECK(MustGet(*s, "campaigns", "autumn").body.text() == R"({"p":2})");
  for (uint64_t stale : {v1, v2 + 1000}) {
    WriteBatch again;
    again.Put("campaigns", "autumn", J(R"({"p":3})"), Expect(stale));
    absl::StatusOr<uint64_t> result = s->Write(again);
    CHECK_CODE(result.status(), absl::IsFailedPrecondition);
    std::string message(result.status().message());
    CHECK_MESSAGE(message.find("autumn") != std::string::npos, message);
  }
  // A non-zero expectation on an absent record fails too.
  WriteBatch absent;
  absent.Put("campaigns", "winter", J("{}"), Expect(v1));
  CHECK_CODE(s->Write(absent).status(), absl::IsFailedPrecondition);
  CHECK_CODE(s->Get("campaigns", "winter").status(), absl::IsNotFound);
  Record r = MustGet(*s, "campaigns", "autumn");
  CHECK(r.version == v2);
  CHECK(r.body.text() == R"({"p":2})");
  CHECK(s->CurrentVersion() == v2);
}

void CasOnErase(const StoreFactory& factory) {
  Fixture s(factory);
  uint64_t v1 = MustPut(*s, "things", "a", R"({"n":1})");
  uint64_t v2 = MustPut(*s, "things", "a", R"({"n":2})");
  for (uint64_t wrong : {v1, uint64_t{0}, v2 + 7}) {
    WriteBatch erase;
    erase.Erase("things", "a", Expect(wrong));
    absl::StatusOr<uint64_t> result = s->Write(erase);
    CHECK_CODE(result.status(), absl::IsFailedPrecondition);
    CHECK(MustGet(*s, "things", "a").version == v2);
  }
  CHECK(s->CurrentVersion() == v2);
  WriteBatch erase;
  erase.Erase("things", "a", Expect(v2));
  uint64_t v3 = MustWrite(*s, erase);
  CHECK(v3 > v2);
  CHECK_CODE(s->Get("things", "a").status(), absl::IsNotFound);
  // The record is gone: the old version no longer holds.
  CHECK_CODE(s->Write(erase).status(), absl::IsFailedPrecondition);
  CHECK(s->CurrentVersion() == v3);
}

void FailedBatchWritesNothing(const StoreFactory& factory) {
  Fixture s(factory);
  MustPut(*s, "things", "k1", R"({"n":1})");
  MustPut(*s, "things", "k2", R"({"n":2})");
  uint64_t v3 = MustPut(*s, "things", "k3", R"({"n":3})");
  MustPut(*s, "things", "k5", R"({"n":5})");
  const uint64_t before = s->CurrentVersion();
  std::map<std::string, Record> snapshot;
  for (const char* id : {"k1", "k2", "k3", "k5"}) snapshot[id] = MustGet(*s, "things", id);

  ChangeCollector watcher;
  absl::StatusOr<std::unique_ptr<Subscription>> sub = s->Watch(before, watcher.Handler());
  REQUIRE(sub.ok());

  WriteBatch batch;
  batch.Put("things", "k1", J(R"({"n":10})"))
      .Erase("things", "k2")
      .Put("things", "k3", J(R"({"n":30})"), Expect(v3))
      .Put("things", "k5", J(R"({"n":50})"), Expect(0))  // fails: k5 exists
      .Put("things", "k6", J(R"({"n":60})"));
  absl::StatusOr<uint64_t> result = s->Write(batch);
  CHECK_CODE(result.status(), absl::IsFailedPrecondition);
  CHECK_MESSAGE(result.status().message().find("k5") != std::string_view::npos,
                result.status().ToString());
  CHECK(s->CurrentVersion() == before);
  for (const auto& [id, record] : snapshot) CHECK(MustGet(*s, "things", id) == record);
  CHECK_CODE(s->Get("things", "k6").status(), absl::IsNotFound);
  CHECK(AllIds(*s, "things", "") == std::vector<std::string>{"k1", "k2", "k3", "k5"});

  // The feed shows nothing of the failed batch: the next change is the marker.
  uint64_t marker = MustPut(*s, "markers", "m", "{}");
  REQUIRE(watcher.WaitForVersion(marker));
  std::vector<Change> changes = watcher.changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].collection == "markers");
  CHECK(changes[0].version == marker);
}

void BatchAcrossCollections(const StoreFactory& factory) {
  Fixture s(factory);
  MustPut(*s, "gamma", "x", "{}");
  WriteBatch batch;
  batch.Put("alpha", "same", J(R"({"from":"alpha"})"))
      .Put("beta", "same", J(R"({"from":"beta"})"))
      .Erase("gamma", "x");
  uint64_t v = MustWrite(*s, batch);
  Record alpha = MustGet(*s, "alpha", "same");
  Record beta = MustGet(*s, "beta", "same");
  CHECK(alpha.version == v);
  CHECK(beta.version == v);
  CHECK(alpha.body.text() == R"({"from":"alpha"})");
  CHECK(beta.body.text() == R"({"from":"beta"})");
  CHECK_CODE(s->Get("gamma", "x").status(), absl::IsNotFound);
  CHECK(s->CurrentVersion() == v);
}

void InvalidWritesChangeNothing(const StoreFactory& factory) {
  Fixture s(factory);
  const uint64_t v = MustPut(*s, "things", "keep", "{}");
  auto check_rejected = [&](const WriteBatch& batch, const char* what) {
    INFO(what);
    CHECK_CODE(s->Write(batch).status(), absl::IsInvalidArgument);
    CHECK(s->CurrentVersion() == v);
    CHECK_CODE(s->Get("things", "new").status(), absl::IsNotFound);
    CHECK(MustGet(*s, "things", "keep").version == v);
  };
  check_rejected(WriteBatch(), "empty batch");
  const std::string long_collection(kMaxCollectionNameBytes + 1, 'c');
  const std::string long_id(kMaxIdBytes + 1, 'i');
  for (const std::string& collection : {std::string(), std::string("bad/name"),
                                        std::string("bad name"), long_collection}) {
    WriteBatch put;
    put.Put("things", "new", J("{}")).Put(collection, "x", J("{}"));
    check_rejected(put, "bad collection in a put");
    WriteBatch erase;
    erase.Put("things", "new", J("{}")).Erase(collection, "keep");
    check_rejected(erase, "bad collection in an erase");
  }
  for (const std::string& id : {std::string(), long_id, std::string("line\nbreak"),
                                std::string("bad\xff" "utf8")}) {
    WriteBatch put;
    put.Put("things", "new", J("{}")).Put("things", id, J("{}"));
    check_rejected(put, "bad id in a put");
    WriteBatch erase;
    erase.Put("things", "new", J("{}")).Erase("things", id);
    check_rejected(erase, "bad id in an erase");
  }
  // The limits themselves are accepted.
  const std::string max_collection(kMaxCollectionNameBytes, 'c');
  const std::string max_id(kMaxIdBytes, 'i');
  WriteBatch edge;
  edge.Put(max_collection, max_id, J(R"({"n":1})")).Put("things", "caf\xC3\xA9", J(R"({"n":2})"));
  MustWrite(*s, edge);
  CHECK(MustGet(*s, max_collection, max_id).body.text() == R"({"n":1})");
  CHECK(MustGet(*s, "things", "caf\xC3\xA9").body.text() == R"({"n":2})");
}

void InvalidGets(const StoreFactory& factory) {
  Fixture s(factory);
  MustPut(*s, "things", "a", "{}");
  CHECK_CODE(s->Get("", "a").status(), absl::IsInvalidArgument);
  CHECK_CODE(s->Get("bad/name", "a").status(), absl::IsInvalidArgument);
  CHECK_CODE(s->Get(std::string(kMaxCollectionNameBytes + 1, 'c'), "a").status(),
             absl::IsInvalidArgument);
  CHECK_CODE(s->Get("things", "").status(), absl::IsInvalidArgument);
  CHECK_CODE(s->Get("things", std::string(kMaxIdBytes + 1, 'a')).status(),
             absl::IsInvalidArgument);
}

// ---- indexes ----------------------------------------------------------------

void DefineIndexValidation(const StoreFactory& factory) {
  Fixture s(factory);
  const std::vector<IndexField> one = {{"/p"}};
  std::vector<IndexSpec> bad = {
      Spec("", "by_p", one),
      Spec("bad/name", "by_p", one),
      Spec("things", "", one),
      Spec("things", "bad name", one),
      Spec("things", std::string(65, 'n'), one),
      Spec("things", "by_p", {}),
      Spec("things", "by_p", {{"/a"}, {"/b"}, {"/c"}, {"/d"}, {"/e"}, {"/f"}, {"/g"}, {"/h"}, {"/i"}}),
      Spec("things", "by_p", {{"p"}}),
      Spec("things", "by_p", {{"/a~2b"}}),
  };
  for (const IndexSpec& spec : bad) {
    INFO("collection '", spec.collection, "' name '", spec.name, "' fields ", spec.fields.size());
    CHECK_CODE(s->DefineIndex(spec), absl::IsInvalidArgument);
  }
  CHECK(s->Indexes("things").empty());
  // The limits themselves are fine.
  CHECK(s->DefineIndex(Spec("things", std::string(64, 'n'), one)).ok());
  CHECK(s->DefineIndex(Spec("things", "eight", {{"/a"}, {"/b"}, {"/c"}, {"/d"}, {"/e"}, {"/f"},
                                                 {"/g", SortOrder::kDescending}, {"/h"}}))
            .ok());
  CHECK(s->DefineIndex(Spec("things", "escaped.name-1", {{"/a~1b~0c"}, {""}})).ok());
  CHECK(s->Indexes("things").size() == 3);
}

void DefineIndexIdempotent(const StoreFactory& factory) {
  Fixture s(factory);
  IndexSpec by_p = Spec("things", "by_p", {{"/p", SortOrder::kDescending}, {"/q"}});
  MustDefine(*s, by_p);
  MustDefine(*s, by_p);
  CHECK(SameSpecs(s->Indexes("things"), {by_p}));
  CHECK_CODE(s->DefineIndex(Spec("things", "by_p", {{"/p", SortOrder::kDescending}})),
             absl::IsAlreadyExists);
  CHECK_CODE(s->DefineIndex(Spec("things", "by_p", {{"/p"}, {"/q"}})), absl::IsAlreadyExists);
  CHECK(SameSpecs(s->Indexes("things"), {by_p}));
  IndexSpec by_q = Spec("things", "by_q", {{"/q"}});
  MustDefine(*s, by_q);
  IndexSpec other = Spec("others", "by_p", {{"/x"}});  // same name, other collection
  MustDefine(*s, other);
  CHECK(SameSpecs(s->Indexes("things"), {by_p, by_q}));
  CHECK(SameSpecs(s->Indexes("others"), {other}));
  CHECK(s->Indexes("nothing").empty());
}

void DefineIndexIndexesExisting(const StoreFactory& factory) {
  Fixture s(factory);
  MustPut(*s, "things", "c", R"({"p":3})");
  MustPut(*s, "things", "a", R"({"p":30})");
  MustPut(*s, "things", "b", R"({"p":-1})");
  MustPut(*s, "things", "d", R"({"q":1})");
  MustPut(*s, "others", "z", R"({"p":0})");
  MustDefine(*s, Spec("things", "by_p", {{"/p"}}));
  CHECK(AllIds(*s, "things", "by_p") == std::vector<std::string>{"d", "b", "c", "a"});
  MustPut(*s, "things", "e", R"({"p":4})");
  CHECK(AllIds(*s, "things", "by_p") == std::vector<std::string>{"d", "b", "c", "e", "a"});
  // Scanned records are whole records.
  ScanResult result = MustScan(*s, {.collection = "things", .index = "by_p", .limit = 1,
                                    .after = Pos({Num(3)}, "c")});
  REQUIRE(result.records.size() == 1);
  CHECK(result.records[0] == MustGet(*s, "things", "e"));
}

namespace {
// Puts {"v": <json>} (or `{}` when json is empty) for each (id, json).
void PutValues(Store& store, std::string_view collection,
               const std::vector<std::pair<std::string, std::string>>& rows) {
  WriteBatch batch;
  for (const auto& [id, json] : rows) {
    batch.Put(std::string(collection), id, J(json.empty() ? "{}" : "{\"v\":" + json + "}"));
  }
  MustWrite(store, batch);
}
}  // namespace

void IndexAscendingWithIdTieBreak(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_v", {{"/v"}}));
  PutValues(*s, "things", {{"e", "10"}, {"c", "2"}, {"f", "-3"}, {"a", "2.5"}, {"g", "2"},
                           {"b", "1e3"}, {"d", "0"}, {"a2", "2.0"}, {"h", "-0.5"}});
  CHECK(AllIds(*s, "things", "by_v") ==
        std::vector<std::string>{"f", "h", "d", "a2", "c", "g", "a", "e", "b"});
}

void IndexDescending(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_v", {{"/v", SortOrder::kDescending}}));
  PutValues(*s, "things", {{"e", "10"}, {"c", "2"}, {"f", "-3"}, {"a", "2.5"}, {"g", "2"},
                           {"b", "1e3"}, {"d", "0"}, {"a2", "2.0"}, {"h", "-0.5"}});
  CHECK(AllIds(*s, "things", "by_v") ==
        std::vector<std::string>{"b", "e", "a", "a2", "c", "g", "d", "h", "f"});
}

void IndexMultiFieldMixedDirections(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_cat_p",
                      {{"/cat"}, {"/p", SortOrder::kDescending}, {"/name"}}));
  WriteBatch batch;
  batch.Put("things", "1", J(R"({"cat":"b","p":1,"name":"x"})"))
      .Put("things", "2", J(R"({"cat":"a","p":1,"name":"y"})"))
      .Put("things", "3", J(R"({"cat":"a","p":5,"name":"z"})"))
      .Put("things", "4", J(R"({"cat":"a","p":1,"name":"b"})"))
      .Put("things", "5", J(R"({"cat":"b","p":9,"name":"a"})"))
      .Put("things", "6", J(R"({"cat":"a","p":1,"name":"b"})"))
      .Put("things", "7", J(R"({"cat":"a","name":"a"})"));
  MustWrite(*s, batch);
  // a: p desc (5, 1, 1, 1, missing last), then name asc, then id; then b.
  CHECK(AllIds(*s, "things", "by_cat_p") ==
        std::vector<std::string>{"3", "4", "6", "2", "7", "5", "1"});
}

void IndexTypeOrder(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "asc", {{"/v"}}));
  MustDefine(*s, Spec("things", "desc", {{"/v", SortOrder::kDescending}}));
  // Ids run against the value order so that only the values can explain it.
  PutValues(*s, "things", {{"p12", ""}, {"p11", "null"}, {"p10", "false"}, {"p09", "true"},
                           {"p08", "-1"}, {"p07", "5"}, {"p06", "\"\""}, {"p05", "\"abc\""},
                           {"p04", "[]"}, {"p03", "[1]"}, {"p02", "{}"}, {"p01", "{\"k\":1}"},
                           {"p00", ""}});
  // Containers compare by minified text: "[1]" < "[]" and "{\"k\":1}" < "{}".
  CHECK(AllIds(*s, "things", "asc") ==
        std::vector<std::string>{"p00", "p12", "p11", "p10", "p09", "p08", "p07", "p06", "p05",
                                 "p03", "p04", "p01", "p02"});
  CHECK(AllIds(*s, "things", "desc") ==
        std::vector<std::string>{"p02", "p01", "p04", "p03", "p05", "p06", "p07", "p08", "p09",
                                 "p10", "p11", "p00", "p12"});
}

void IndexStringAndContainerOrder(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_v", {{"/v"}}));
  PutValues(*s, "things",
            {{"s1", "\"a\""}, {"s2", "\"B\""}, {"s3", "\"ab\""}, {"s4", "\"\xC3\xA9\""},
             {"s5", "\"z\""}, {"s6", "\"\""}, {"s7", "\"aa\""}, {"a1", "[10]"}, {"a2", "[1]"},
             {"a3", "[2]"}, {"a4", "[1,2]"}, {"a5", "[\"a\"]"}, {"o1", "{\"b\":1}"},
             {"o2", "{\"a\":2}"}, {"o3", "{\"a\":{\"b\":[]}}"}});
  // Strings by UTF-8 bytes; arrays and objects by their minified text.
  CHECK(AllIds(*s, "things", "by_v") ==
        std::vector<std::string>{"s6", "s2", "s1", "s7", "s3", "s5", "s4", "a5", "a4", "a1",
                                 "a2", "a3", "o2", "o3", "o1"});
  // Equality prefixes on containers use the same values.
  CHECK(ScanIds(*s, {.collection = "things", .index = "by_v",
                     .prefix = {IndexValue::Array("[1,2]")}}) == std::vector<std::string>{"a4"});
}

void IndexFollowsUpdatesAndErases(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_p", {{"/v"}}));
  PutValues(*s, "things", {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  CHECK(AllIds(*s, "things", "by_p") == std::vector<std::string>{"a", "b", "c"});
  PutValues(*s, "things", {{"a", "5"}});
  CHECK(AllIds(*s, "things", "by_p") == std::vector<std::string>{"b", "c", "a"});
  WriteBatch erase;
  erase.Erase("things", "c");
  MustWrite(*s, erase);
  CHECK(AllIds(*s, "things", "by_p") == std::vector<std::string>{"b", "a"});
  PutValues(*s, "things", {{"b", ""}});  // the field is gone: missing sorts first
  CHECK(AllIds(*s, "things", "by_p") == std::vector<std::string>{"b", "a"});
  PutValues(*s, "things", {{"b", "9"}, {"c", "0"}});
  CHECK(AllIds(*s, "things", "by_p") == std::vector<std::string>{"c", "a", "b"});
  // The old positions are gone: an equality prefix on an old value finds nothing.
  CHECK(ScanIds(*s, {.collection = "things", .index = "by_p", .prefix = {Num(1)}}).empty());
  CHECK(ScanIds(*s, {.collection = "things", .index = "by_p", .prefix = {Num(3)}}).empty());
  ScanResult five = MustScan(*s, {.collection = "things", .index = "by_p", .prefix = {Num(5)}});
  REQUIRE(five.records.size() == 1);
  CHECK(five.records[0] == MustGet(*s, "things", "a"));
}

// ---- scans --------------------------------------------------------------------

void ScanEmptyCollection(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_p", {{"/p"}}));
  MustPut(*s, "others", "x", R"({"p":1})");
  for (const char* index : {"", "by_p"}) {
    ScanResult result = MustScan(*s, {.collection = "things", .index = index});
    CHECK(result.records.empty());
    CHECK_FALSE(result.more);
    CHECK_FALSE(result.end.has_value());
    CHECK(result.scanned == 0);
  }
}

void ScanIdOrder(const StoreFactory& factory) {
  Fixture s(factory);
  for (const char* id : {"d", "a", "c", "b", "e"}) MustPut(*s, "things", id, "{}");
  MustPut(*s, "other", "b0", "{}");
  using V = std::vector<std::string>;
  ScanResult all = MustScan(*s, {.collection = "things"});
  CHECK(Ids(all) == V{"a", "b", "c", "d", "e"});
  for (const Record& r : all.records) CHECK(r == MustGet(*s, "things", r.id));
  CHECK(all.scanned == 5);
  CHECK_FALSE(all.more);
  CHECK(all.end == Pos({}, "e"));
  auto range = [&](std::optional<RangeBound> lower, std::optional<RangeBound> upper) {
    return ScanIds(*s, {.collection = "things", .lower = lower, .upper = upper});
  };
  CHECK(range(RangeBound{Str("b")}, std::nullopt) == V{"b", "c", "d", "e"});
  CHECK(range(RangeBound{Str("b"), false}, std::nullopt) == V{"c", "d", "e"});
  CHECK(range(std::nullopt, RangeBound{Str("d")}) == V{"a", "b", "c", "d"});
  CHECK(range(std::nullopt, RangeBound{Str("d"), false}) == V{"a", "b", "c"});
  CHECK(range(RangeBound{Str("a0")}, RangeBound{Str("c9")}) == V{"b", "c"});
  CHECK(range(RangeBound{Str("b"), false}, RangeBound{Str("e"), false}) == V{"c", "d"});
  CHECK(range(RangeBound{Str("d")}, RangeBound{Str("b")}).empty());
}

void ScanPrefixEquality(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_cat_p", {{"/cat"}, {"/p"}}));
  WriteBatch batch;
  batch.Put("things", "1", J(R"({"cat":"x","p":3})"))
      .Put("things", "2", J(R"({"cat":"y","p":1})"))
      .Put("things", "3", J(R"({"cat":"x","p":1})"))
      .Put("things", "4", J(R"({"cat":"x","p":2})"))
      .Put("things", "5", J(R"({"cat":"x","p":2})"))
      .Put("things", "6", J(R"({"cat":"xx","p":0})"))
      .Put("things", "7", J(R"({"p":0})"));
  MustWrite(*s, batch);
  using V = std::vector<std::string>;
  auto scan = [&](std::vector<IndexValue> prefix, std::optional<RangeBound> lower = {}) {
    return ScanIds(*s, {.collection = "things", .index = "by_cat_p", .prefix = std::move(prefix),
                        .lower = lower});
  };
  CHECK(scan({Str("x")}) == V{"3", "4", "5", "1"});
  CHECK(scan({Str("x"), Num(2)}) == V{"4", "5"});
  CHECK(scan({Str("y")}) == V{"2"});
  CHECK(scan({IndexValue::Missing()}) == V{"7"});
  CHECK(scan({Str("none")}).empty());
  CHECK(scan({Num(1)}).empty());
  CHECK(scan({Str("x")}, RangeBound{Num(2)}) == V{"4", "5", "1"});
  CHECK(scan({Str("x")}, RangeBound{Num(2), false}) == V{"1"});
}

namespace {
// things/r01..r10 with {"p": 1..10} and the index `name` on /p in `order`.
void PutTen(Store& store, std::string_view name, SortOrder order) {
  MustDefine(store, Spec("things", std::string(name), {{"/p", order}}));
  WriteBatch batch;
  for (int i = 1; i <= 10; ++i) {
    char id[8];
    std::snprintf(id, sizeof(id), "r%02d", i);
    batch.Put("things", id, J(absl::StrCat("{\"p\":", i, "}")));
  }
  MustWrite(store, batch);
}
std::vector<std::string> R(std::initializer_list<int> numbers) {
  std::vector<std::string> ids;
  for (int n : numbers) {
    char id[8];
    std::snprintf(id, sizeof(id), "r%02d", n);
    ids.push_back(id);
  }
  return ids;
}
}  // namespace

void ScanRangeBounds(const StoreFactory& factory) {
  Fixture s(factory);
  PutTen(*s, "by_p", SortOrder::kAscending);
  MustPut(*s, "things", "r03b", R"({"p":3})");
  MustPut(*s, "things", "r11", R"({"p":"text"})");
  auto range = [&](std::optional<RangeBound> lower, std::optional<RangeBound> upper) {
    return ScanIds(*s, {.collection = "things", .index = "by_p", .lower = lower, .upper = upper});
  };
  using V = std::vector<std::string>;
  CHECK(range(RangeBound{Num(8)}, std::nullopt) == V{"r08", "r09", "r10", "r11"});
  CHECK(range(RangeBound{Num(8), false}, std::nullopt) == V{"r09", "r10", "r11"});
  CHECK(range(RangeBound{Num(8)}, RangeBound{Num(10)}) == R({8, 9, 10}));
  CHECK(range(std::nullopt, RangeBound{Num(2)}) == R({1, 2}));
  CHECK(range(std::nullopt, RangeBound{Num(2), false}) == R({1}));
  CHECK(range(RangeBound{Num(3), false}, RangeBound{Num(6), false}) == R({4, 5}));
  CHECK(range(RangeBound{Num(3)}, RangeBound{Num(4)}) == V{"r03", "r03b", "r04"});
  CHECK(range(RangeBound{Num(2.5)}, RangeBound{Num(3.5)}) == V{"r03", "r03b"});
  CHECK(range(RangeBound{Num(4)}, RangeBound{Num(4)}) == R({4}));
  CHECK(range(RangeBound{Num(4), false}, RangeBound{Num(4)}).empty());
  CHECK(range(RangeBound{Num(5)}, RangeBound{Num(4)}).empty());
  // Bounds of another type follow the type order.
  CHECK(range(RangeBound{Str("")}, std::nullopt) == V{"r11"});
  CHECK(range(std::nullopt, RangeBound{IndexValue::Bool(true)}).empty());
  CHECK(range(RangeBound{IndexValue::Null()}, RangeBound{Num(1)}) == R({1}));
}

void ScanRangeOnDescendingField(const StoreFactory& factory) {
  Fixture s(factory);
  PutTen(*s, "by_p", SortOrder::kDescending);
  auto scan = [&](std::optional<RangeBound> lower, std::optional<RangeBound> upper,
                  size_t limit = 100, std::optional<ScanPosition> after = {},
                  std::optional<ScanPosition> before = {}) {
    return ScanIds(*s, {.collection = "things", .index = "by_p", .lower = lower, .upper = upper,
                        .limit = limit, .after = after, .before = before});
  };
  CHECK(scan(RangeBound{Num(3)}, RangeBound{Num(7), false}) == R({6, 5, 4, 3}));
  CHECK(scan(RangeBound{Num(3), false}, RangeBound{Num(7)}) == R({7, 6, 5, 4}));
  CHECK(scan(RangeBound{Num(8), false}, std::nullopt) == R({10, 9}));
  CHECK(scan(std::nullopt, RangeBound{Num(2)}) == R({2, 1}));
  CHECK(scan(RangeBound{Num(3)}, RangeBound{Num(7)}, 2) == R({7, 6}));
  CHECK(scan(RangeBound{Num(3)}, RangeBound{Num(7)}, 100, Pos({Num(6)}, "r06")) == R({5, 4, 3}));
  CHECK(scan(RangeBound{Num(3)}, RangeBound{Num(7)}, 2, std::nullopt, Pos({Num(4)}, "r04")) ==
        R({6, 5}));
  CHECK(scan(RangeBound{Num(3)}, RangeBound{Num(7)}, 100, std::nullopt, Pos({Num(4)}, "r04")) ==
        R({7, 6, 5}));
}

void ScanLimitAndMore(const StoreFactory& factory) {
  Fixture s(factory);
  PutTen(*s, "by_p", SortOrder::kAscending);
  ScanResult three = MustScan(*s, {.collection = "things", .index = "by_p", .limit = 3});
  CHECK(Ids(three) == R({1, 2, 3}));
  CHECK(three.more);
  CHECK(three.scanned == 3);
  CHECK(three.end == Pos({Num(3)}, "r03"));
  ScanResult eleven = MustScan(*s, {.collection = "things", .index = "by_p", .limit = 11});
  CHECK(eleven.records.size() == 10);
  CHECK_FALSE(eleven.more);
  CHECK(eleven.end == Pos({Num(10)}, "r10"));
  ScanResult ids = MustScan(*s, {.collection = "things", .limit = 4});
  CHECK(Ids(ids) == R({1, 2, 3, 4}));
  CHECK(ids.more);
  CHECK(ids.end == Pos({}, "r04"));
  ScanResult rest = MustScan(*s, {.collection = "things", .limit = 4, .after = ids.end});
  CHECK(Ids(rest) == R({5, 6, 7, 8}));
  ScanResult last = MustScan(*s, {.collection = "things", .limit = 4, .after = rest.end});
  CHECK(Ids(last) == R({9, 10}));
  CHECK_FALSE(last.more);
  ScanResult one = MustScan(*s, {.collection = "things", .index = "by_p",
                                 .lower = RangeBound{Num(10)}, .limit = 1});
  CHECK(Ids(one) == R({10}));
}

void ScanAfterAndBefore(const StoreFactory& factory) {
  Fixture s(factory);
  PutTen(*s, "by_p", SortOrder::kAscending);
  MustPut(*s, "things", "r05b", R"({"p":5})");
  using V = std::vector<std::string>;
  auto scan = [&](std::optional<ScanPosition> after, std::optional<ScanPosition> before,
                  size_t limit = 100) {
    return MustScan(*s, {.collection = "things", .index = "by_p", .limit = limit,
                         .after = std::move(after), .before = std::move(before)});
  };
  CHECK(Ids(scan(Pos({Num(5)}, "r05"), {})) == V{"r05b", "r06", "r07", "r08", "r09", "r10"});
  CHECK(Ids(scan(Pos({Num(5)}, "r05b"), {})) == R({6, 7, 8, 9, 10}));
  CHECK(Ids(scan(Pos({Num(5.5)}, "zzz"), {})) == R({6, 7, 8, 9, 10}));
  CHECK(Ids(scan(Pos({IndexValue::Missing()}, "x"), {})).size() == 11);
  ScanResult past_end = scan(Pos({Num(10)}, "r10"), {});
  CHECK(past_end.records.empty());
  CHECK_FALSE(past_end.more);
  CHECK_FALSE(past_end.end.has_value());

  ScanResult back = scan({}, Pos({Num(5)}, "r05b"), 3);
  CHECK(Ids(back) == V{"r03", "r04", "r05"});
  CHECK(back.more);
  CHECK(back.end == Pos({Num(3)}, "r03"));
  ScanResult back2 = scan({}, back.end, 3);
  CHECK(Ids(back2) == R({1, 2}));
  CHECK_FALSE(back2.more);
  CHECK(back2.end == Pos({Num(1)}, "r01"));
  ScanResult all_before = scan({}, Pos({Num(7)}, "r07"));
  CHECK(Ids(all_before) == V{"r01", "r02", "r03", "r04", "r05", "r05b", "r06"});
  CHECK_FALSE(all_before.more);
  ScanResult none_before = scan({}, Pos({Num(1)}, "r01"));
  CHECK(none_before.records.empty());
  CHECK_FALSE(none_before.more);
  CHECK_FALSE(none_before.end.has_value());

  // The id order takes positions with no values.
  CHECK(ScanIds(*s, {.collection = "things", .after = Pos({}, "r05")}) ==
        V{"r05b", "r06", "r07", "r08", "r09", "r10"});
  CHECK(ScanIds(*s, {.collection = "things", .limit = 2, .before = Pos({}, "r05b")}) ==
        R({4, 5}));
}

namespace {
// 1,000 records with {"p": i % 37, "q": i % 11}; returns ids in (p, id) order.
std::vector<std::string> PutThousand(Store& store) {
  MustDefine(store, Spec("things", "by_p", {{"/p"}}));
  MustDefine(store, Spec("things", "by_q_desc", {{"/q", SortOrder::kDescending}, {"/p"}}));
  std::vector<std::pair<int, std::string>> order;
  std::mt19937 rng(7);
  std::vector<int> numbers(1000);
  for (int i = 0; i < 1000; ++i) numbers[i] = i;
  std::shuffle(numbers.begin(), numbers.end(), rng);
  WriteBatch batch;
  for (int i : numbers) {
    char id[8];
    std::snprintf(id, sizeof(id), "k%04d", (i * 7919) % 1000);
    batch.Put("things", id, J(absl::StrCat("{\"p\":", i % 37, ",\"q\":", i % 11, "}")));
    order.emplace_back(i % 37, id);
    if (batch.size() == 100) {
      MustWrite(store, batch);
      batch.Clear();
    }
  }
  std::sort(order.begin(), order.end());
  std::vector<std::string> ids;
  for (const auto& row : order) ids.push_back(row.second);
  return ids;
}

// Pages through `index` with pages of 7 (forward from the start, or backward
// from `from`); checks page sizes and `more`; returns ids in index order.
std::vector<std::string> Page(const Store& store, std::string_view index,
                              std::optional<ScanPosition> backward_from) {
  std::vector<std::vector<std::string>> pages;
  ScanRequest request{.collection = "things", .index = std::string(index), .limit = 7,
                      .before = backward_from};
  for (int guard = 0; guard < 1000; ++guard) {
    ScanResult page = MustScan(store, request);
    pages.push_back(Ids(page));
    if (!page.more) break;
    CHECK(page.records.size() == 7);
    REQUIRE(page.end.has_value());
    (backward_from ? request.before : request.after) = page.end;
  }
  CHECK(pages.size() == 143);  // 142 full pages and the last with 6 rows
  CHECK(pages.back().size() == 6);
  if (backward_from) std::reverse(pages.begin(), pages.end());
  std::vector<std::string> ids;
  for (const auto& page : pages) ids.insert(ids.end(), page.begin(), page.end());
  return ids;
}
}  // namespace

void ScanPagesForward(const StoreFactory& factory) {
  Fixture s(factory);
  std::vector<std::string> expected = PutThousand(*s);
  CHECK(Page(*s, "by_p", std::nullopt) == expected);
  std::vector<std::string> by_id = expected;
  std::sort(by_id.begin(), by_id.end());
  CHECK(Page(*s, "", std::nullopt) == by_id);
  std::vector<std::string> by_q = AllIds(*s, "things", "by_q_desc");
  CHECK(by_q.size() == 1000);
  CHECK(Page(*s, "by_q_desc", std::nullopt) == by_q);
}

void ScanPagesBackward(const StoreFactory& factory) {
  Fixture s(factory);
  std::vector<std::string> expected = PutThousand(*s);
  // An object sorts after every number: a position past the end of the index.
  CHECK(Page(*s, "by_p", Pos({IndexValue::Object("{}")}, "~")) == expected);
  std::vector<std::string> by_id = expected;
  std::sort(by_id.begin(), by_id.end());
  CHECK(Page(*s, "", Pos({}, "~")) == by_id);
  // Descending: missing sorts last.
  std::vector<std::string> by_q = AllIds(*s, "things", "by_q_desc");
  CHECK(Page(*s, "by_q_desc", Pos({IndexValue::Missing(), IndexValue::Missing()}, "~")) == by_q);
}

void ScanFilterPredicates(const StoreFactory& factory) {
  Fixture s(factory);
  WriteBatch batch;
  batch.Put("things", "r1", J(R"({"n":1,"s":"apple","t":1})"))
      .Put("things", "r2", J(R"({"n":2,"s":"apricot","t":"2","x":null})"))
      .Put("things", "r3", J(R"({"n":3,"s":"banana","t":true,"x":0})"))
      .Put("things", "r4", J(R"({"n":4,"s":"cherry","t":[4],"o":{"k":1}})"))
      .Put("things", "r5", J(R"({"s":"avocado","t":{"k":5}})"));
  MustWrite(*s, batch);
  using V = std::vector<std::string>;
  auto filter = [&](std::vector<Predicate> predicates) {
    return ScanIds(*s, {.collection = "things", .filter = Filter{std::move(predicates)}});
  };
  using Op = PredicateOp;
  CHECK(filter({}) == V{"r1", "r2", "r3", "r4", "r5"});
  CHECK(filter({{"/n", Op::kEq, {Num(2)}}}) == V{"r2"});
  CHECK(filter({{"/t", Op::kEq, {Str("2")}}}) == V{"r2"});
  CHECK(filter({{"/t", Op::kEq, {Num(2)}}}).empty());
  CHECK(filter({{"/t", Op::kEq, {IndexValue::Bool(true)}}}) == V{"r3"});
  CHECK(filter({{"/t", Op::kEq, {IndexValue::Array("[4]")}}}) == V{"r4"});
  CHECK(filter({{"/t", Op::kEq, {IndexValue::Object("{\"k\":5}")}}}) == V{"r5"});
  CHECK(filter({{"/o/k", Op::kEq, {Num(1)}}}) == V{"r4"});
  CHECK(filter({{"/n", Op::kNe, {Num(2)}}}) == V{"r1", "r3", "r4", "r5"});
  CHECK(filter({{"/n", Op::kLt, {Num(3)}}}) == V{"r1", "r2"});
  CHECK(filter({{"/n", Op::kLe, {Num(3)}}}) == V{"r1", "r2", "r3"});
  CHECK(filter({{"/n", Op::kGt, {Num(3)}}}) == V{"r4"});
  CHECK(filter({{"/n", Op::kGe, {Num(3)}}}) == V{"r3", "r4"});
  CHECK(filter({{"/s", Op::kLt, {Str("b")}}}) == V{"r1", "r2", "r5"});
  CHECK(filter({{"/t", Op::kGt, {Num(0)}}}) == V{"r1"});  // only values of the same type
  CHECK(filter({{"/t", Op::kGe, {Str("")}}}) == V{"r2"});
  CHECK(filter({{"/n", Op::kIn, {Num(1), Num(4), Num(7)}}}) == V{"r1", "r4"});
  CHECK(filter({{"/s", Op::kIn, {Str("banana"), Num(3)}}}) == V{"r3"});
  CHECK(filter({{"/x", Op::kExists, {}}}) == V{"r2", "r3"});
  CHECK(filter({{"/s", Op::kPrefix, {Str("ap")}}}) == V{"r1", "r2"});
  CHECK(filter({{"/t", Op::kPrefix, {Str("2")}}}) == V{"r2"});
  CHECK(filter({{"/n", Op::kPrefix, {Str("1")}}}).empty());
  CHECK(filter({{"/n", Op::kGe, {Num(2)}}, {"/s", Op::kPrefix, {Str("a")}}}) == V{"r2"});
  // A filter applies within the range and counts toward the limit only when it matches.
  ScanResult page = MustScan(*s, {.collection = "things", .filter = {{{"/n", Op::kGe, {Num(2)}}}},
                                  .limit = 1});
  CHECK(Ids(page) == V{"r2"});
  CHECK(page.more);
  CHECK(page.scanned == 2);
  CHECK(page.end == Pos({}, "r2"));
}

void ScanMaxScanned(const StoreFactory& factory) {
  Fixture s(factory);
  WriteBatch batch;
  for (int i = 0; i < 300; ++i) {
    char id[8];
    std::snprintf(id, sizeof(id), "i%03d", i);
    batch.Put("things", id, J(absl::StrCat("{\"n\":", i, "}")));
  }
  MustWrite(*s, batch);
  Filter nothing{{{"/n", PredicateOp::kEq, {Num(-1)}}}};
  ScanResult first = MustScan(*s, {.collection = "things", .filter = nothing, .limit = 10,
                                   .max_scanned = 100});
  CHECK(first.records.empty());
  CHECK(first.more);
  CHECK(first.scanned == 100);
  CHECK(first.end == Pos({}, "i099"));
  // Continuing examines the rest, 100 rows at a time, and ends.
  size_t scanned = first.scanned;
  ScanRequest next{.collection = "things", .filter = nothing, .limit = 10, .max_scanned = 100,
                   .after = first.end};
  int pages = 1;
  for (; pages < 10; ++pages) {
    ScanResult page = MustScan(*s, next);
    CHECK(page.records.empty());
    scanned += page.scanned;
    if (!page.more) break;
    REQUIRE(page.end.has_value());
    next.after = page.end;
  }
  CHECK(scanned == 300);
  CHECK(pages <= 4);
  // Matching rows are returned up to the cap; backward scans are capped too.
  Filter every_fiftieth{{{"/n", PredicateOp::kIn, {Num(0), Num(50), Num(100), Num(150)}}}};
  ScanResult some = MustScan(*s, {.collection = "things", .filter = every_fiftieth,
                                  .limit = 10, .max_scanned = 100});
  CHECK(Ids(some) == std::vector<std::string>{"i000", "i050"});
  CHECK(some.more);
  CHECK(some.scanned == 100);
  ScanResult back = MustScan(*s, {.collection = "things", .filter = nothing, .max_scanned = 100,
                                  .before = Pos({}, "i250")});
  CHECK(back.records.empty());
  CHECK(back.more);
  CHECK(back.scanned == 100);
  CHECK(back.end == Pos({}, "i150"));
}

void ScanInvalidRequests(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("things", "by_ab", {{"/a"}, {"/b"}}));
  MustPut(*s, "things", "x", R"({"a":1,"b":2})");
  auto invalid = [&](const ScanRequest& request, const char* what) {
    INFO(what);
    CHECK_CODE(s->Scan(request).status(), absl::IsInvalidArgument);
  };
  invalid({.collection = "things", .index = "nope"}, "unknown index");
  invalid({.collection = "nothing", .index = "by_ab"}, "index of another collection");
  invalid({.collection = "bad/name"}, "bad collection");
  invalid({.collection = "things", .prefix = {Str("x")}}, "prefix on the id order");
  invalid({.collection = "things", .index = "by_ab", .prefix = {Num(1), Num(2), Num(3)}},
          "too many prefix values");
  invalid({.collection = "things", .index = "by_ab", .prefix = {Num(1), Num(2)},
           .lower = RangeBound{Num(0)}},
          "a range after a full prefix");
  invalid({.collection = "things", .index = "by_ab", .after = Pos({Num(1)}, "x")},
          "after with too few values");
  invalid({.collection = "things", .index = "by_ab",
           .before = Pos({Num(1), Num(2), Num(3)}, "x")},
          "before with too many values");
  invalid({.collection = "things", .after = Pos({Num(1)}, "x")}, "values on the id order");
  invalid({.collection = "things", .index = "by_ab", .after = Pos({Num(1), Num(2)}, "x"),
           .before = Pos({Num(3), Num(4)}, "y")},
          "both after and before");
  invalid({.collection = "things", .limit = 0}, "limit 0");
  invalid({.collection = "things", .filter = {{{"a", PredicateOp::kEq, {Num(1)}}}}},
          "bad filter pointer");
  invalid({.collection = "things", .filter = {{{"/a", PredicateOp::kEq, {}}}}},
          "Eq without an operand");
  // A valid collection that holds nothing scans as empty.
  CHECK(MustScan(*s, {.collection = "nothing"}).records.empty());
}

// ---- watch --------------------------------------------------------------------

void WatchFromZeroDeliversAll(const StoreFactory& factory) {
  Fixture s(factory);
  ChangeCollector live;
  absl::StatusOr<std::unique_ptr<Subscription>> live_sub = s->Watch(0, live.Handler());
  REQUIRE(live_sub.ok());
  std::vector<std::string> expected;
  auto put_expect = [&](std::initializer_list<std::pair<const char*, const char*>> keys) {
    for (const auto& [collection, id] : keys) {
      expected.push_back(DescribePut(MustGet(*s, collection, id)));
    }
  };
  MustPut(*s, "c", "a", R"({"n":1})");
  put_expect({{"c", "a"}});
  s.clock.Advance(absl::Seconds(1));
  WriteBatch two;
  two.Put("c", "b", J(R"({"n":2})"), {}, 2).Put("d", "a", J(R"({"n":3})"));
  MustWrite(*s, two);
  put_expect({{"c", "b"}, {"d", "a"}});
  s.clock.Advance(absl::Seconds(1));
  MustPut(*s, "c", "a", R"({"n":4})");
  put_expect({{"c", "a"}});
  WriteBatch erase;
  erase.Erase("c", "b");
  uint64_t v4 = MustWrite(*s, erase);
  expected.push_back(DescribeErase(v4, "c", "b"));
  WriteBatch erase_absent;
  erase_absent.Erase("c", "zz");
  uint64_t v5 = MustWrite(*s, erase_absent);
  expected.push_back(DescribeErase(v5, "c", "zz"));
  WriteBatch mixed;
  mixed.Put("c", "c", J(R"({"list":[]})")).Erase("d", "a");
  uint64_t v6 = MustWrite(*s, mixed);
  put_expect({{"c", "c"}});
  expected.push_back(DescribeErase(v6, "d", "a"));

  REQUIRE(live.WaitForCount(expected.size()));
  CHECK(live.error().ok());
  CheckSameChanges(live.changes(), expected);
  CHECK(Eventually([&] { return (*live_sub)->position() == v6; }));

  // A watcher that starts afterwards gets the same history.
  ChangeCollector late;
  absl::StatusOr<std::unique_ptr<Subscription>> late_sub = s->Watch(0, late.Handler());
  REQUIRE(late_sub.ok());
  REQUIRE(late.WaitForCount(expected.size()));
  CheckSameChanges(late.changes(), expected);
  CHECK(live.size() == expected.size());  // nothing delivered twice
  CHECK(late.size() == expected.size());
}

void WatchLateWatcher(const StoreFactory& factory) {
  Fixture s(factory);
  std::vector<uint64_t> versions;
  for (int i = 0; i < 100; ++i) {
    versions.push_back(MustPut(*s, "c", absl::StrCat("k", i % 10), absl::StrCat("{\"i\":", i, "}")));
  }
  ChangeCollector watcher;
  absl::StatusOr<std::unique_ptr<Subscription>> sub = s->Watch(versions[49], watcher.Handler());
  REQUIRE(sub.ok());
  for (int i = 100; i < 110; ++i) {
    versions.push_back(MustPut(*s, "c", absl::StrCat("k", i % 10), absl::StrCat("{\"i\":", i, "}")));
  }
  REQUIRE(watcher.WaitForVersion(versions.back()));
  std::vector<Change> changes = watcher.changes();
  REQUIRE(changes.size() == 60);
  for (size_t i = 0; i < changes.size(); ++i) {
    CHECK(changes[i].version == versions[50 + i]);
    CHECK(IntField(changes[i].record.body, "i") == static_cast<int64_t>(50 + i));
  }
  // Watching from the current version delivers only what comes next.
  ChangeCollector current;
  absl::StatusOr<std::unique_ptr<Subscription>> current_sub =
      s->Watch(s->CurrentVersion(), current.Handler());
  REQUIRE(current_sub.ok());
  CHECK((*current_sub)->position() == versions.back());
  uint64_t next = MustPut(*s, "c", "next", "{}");
  REQUIRE(current.WaitForVersion(next));
  REQUIRE(current.size() == 1);
  CHECK(current.changes()[0].id == "next");
}

void WatchFutureIsInvalid(const StoreFactory& factory) {
  Fixture s(factory);
  ChangeCollector watcher;
  CHECK_CODE(s->Watch(1, watcher.Handler()).status(), absl::IsInvalidArgument);
  uint64_t v = MustPut(*s, "c", "a", "{}");
  CHECK_CODE(s->Watch(v + 1, watcher.Handler()).status(), absl::IsInvalidArgument);
  CHECK_CODE(s->Watch(v + 1000, watcher.Handler()).status(), absl::IsInvalidArgument);
  CHECK(s->Watch(v, watcher.Handler()).ok());
}

void WatchDestroyStopsDelivery(const StoreFactory& factory) {
  Fixture s(factory);
  ChangeCollector stopped;
  ChangeCollector kept;
  absl::StatusOr<std::unique_ptr<Subscription>> stopped_sub = s->Watch(0, stopped.Handler());
  absl::StatusOr<std::unique_ptr<Subscription>> kept_sub = s->Watch(0, kept.Handler());
  REQUIRE(stopped_sub.ok());
  REQUIRE(kept_sub.ok());
  uint64_t first = MustPut(*s, "c", "a", "{}");
  REQUIRE(stopped.WaitForVersion(first));
  stopped_sub->reset();
  const size_t count = stopped.size();
  uint64_t last = 0;
  for (int i = 0; i < 5; ++i) last = MustPut(*s, "c", absl::StrCat("b", i), "{}");
  REQUIRE(kept.WaitForVersion(last));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(stopped.size() == count);
  CHECK(kept.size() == 6);
}

void WatchConcurrentWriters(const StoreFactory& factory) {
  Fixture s(factory);
  ChangeCollector from_start;
  absl::StatusOr<std::unique_ptr<Subscription>> sub = s->Watch(0, from_start.Handler());
  REQUIRE(sub.ok());
  constexpr int kThreads = 4;
  constexpr int kBatches = 40;
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> failures{0};
  std::atomic<int> done_batches{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937 rng(t + 1);
      for (int i = 0; i < kBatches; ++i) {
        WriteBatch batch;
        std::vector<std::tuple<bool, std::string, std::string>> ops;
        int n = 1 + static_cast<int>(rng() % 3);
        std::set<std::string> used;
        for (int j = 0; j < n; ++j) {
          std::string id = absl::StrCat("k", rng() % 20);
          if (!used.insert(id).second) continue;
          std::string collection = (rng() % 2) ? "w1" : "w2";
          if (rng() % 5 == 0) {
            batch.Erase(collection, id);
            ops.emplace_back(false, collection, id);
          } else {
            batch.Put(collection, id,
                      *Json::Parse(absl::StrCat("{\"t\":", t, ",\"i\":", i, ",\"j\":", j, "}")));
            ops.emplace_back(true, collection, id);
          }
        }
        absl::StatusOr<uint64_t> v = s->Write(batch);
        if (!v.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        size_t k = 0;
        for (const auto& [put, collection, id] : ops) {
          std::string body = put ? std::string(batch.ops()[k].body.text()) : "";
          acknowledged.push_back(absl::StrCat("v", *v, put ? " put " : " erase ", collection, "/",
                                              id, " ", body));
          ++k;
        }
        ++done_batches;
      }
    });
  }
  // A second watcher joins while the writers run.
  // (No REQUIRE while the writers run: a throw would skip their joins.)
  CHECK(Eventually([&] { return done_batches.load() >= 20; }));
  const uint64_t joined_at = s->CurrentVersion();
  ChangeCollector joined;
  absl::StatusOr<std::unique_ptr<Subscription>> joined_sub = s->Watch(joined_at, joined.Handler());
  for (std::thread& writer : writers) writer.join();
  REQUIRE_MESSAGE(joined_sub.ok(), joined_sub.status().ToString());
  CHECK(failures.load() == 0);
  std::sort(acknowledged.begin(), acknowledged.end());
  std::vector<std::string> after_join;
  for (const std::string& line : acknowledged) {
    if (std::strtoull(line.c_str() + 1, nullptr, 10) > joined_at) after_join.push_back(line);
  }
  // A batch's changes arrive one handler call each: wait for all of them.
  REQUIRE(from_start.WaitForCount(acknowledged.size()));
  REQUIRE(joined.WaitForCount(after_join.size()));
  auto summarize = [](const std::vector<Change>& changes, uint64_t after) {
    std::vector<std::string> lines;
    for (size_t i = 0; i < changes.size(); ++i) {
      if (i > 0) CHECK_MESSAGE(changes[i - 1].version <= changes[i].version, "out of order");
      const Change& c = changes[i];
      if (c.version <= after) continue;
      bool put = c.kind == Change::Kind::kPut;
      lines.push_back(absl::StrCat("v", c.version, put ? " put " : " erase ", c.collection, "/",
                                   c.id, " ", put ? std::string(c.record.body.text()) : ""));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  CheckSameLines(summarize(from_start.changes(), 0), acknowledged,
                 "changes delivered to the watcher from 0");
  CheckSameLines(summarize(joined.changes(), 0), after_join,
                 "changes delivered to the watcher that joined");
}

// ---- concurrency ----------------------------------------------------------------

namespace {
// The n of a {"n":<int>} body, or -1; safe to call off the test's thread.
int64_t NumberOf(const Record& record) {
  int64_t n = -1;
  std::string text(record.body.text());
  if (std::sscanf(text.c_str(), "{\"n\":%ld}", &n) != 1) return -1;
  return n;
}
}  // namespace

void ConcurrentCasIncrements(const StoreFactory& factory) {
  Fixture s(factory);
  MustPut(*s, "counters", "hits", R"({"n":0})");
  constexpr int kThreads = 8;
  constexpr int kAttempts = 40;
  std::atomic<int> successes{0};
  std::atomic<int> unexpected{0};
  std::mutex mu;
  std::vector<uint64_t> versions;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAttempts; ++i) {
        absl::StatusOr<Record> r = s->Get("counters", "hits");
        if (!r.ok()) {
          ++unexpected;
          continue;
        }
        int64_t n = NumberOf(*r);
        if (n < 0) ++unexpected;
        WriteBatch batch;
        batch.Put("counters", "hits", *Json::Parse(absl::StrCat("{\"n\":", n + 1, "}")),
                  Expect(r->version));
        absl::StatusOr<uint64_t> v = s->Write(batch);
        if (v.ok()) {
          ++successes;
          std::lock_guard<std::mutex> lock(mu);
          versions.push_back(*v);
        } else if (!absl::IsFailedPrecondition(v.status())) {
          ++unexpected;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(unexpected.load() == 0);
  CHECK(successes.load() > 0);
  Record final_record = MustGet(*s, "counters", "hits");
  CHECK(IntField(final_record.body, "n") == successes.load());
  std::sort(versions.begin(), versions.end());
  CHECK(std::adjacent_find(versions.begin(), versions.end()) == versions.end());
  REQUIRE_FALSE(versions.empty());
  CHECK(final_record.version == versions.back());
}

void ConcurrentReadersSeeWholeBatches(const StoreFactory& factory) {
  Fixture s(factory);
  WriteBatch init;
  init.Put("pair", "a", J(R"({"n":0})")).Put("pair2", "b", J(R"({"n":0})"));
  MustWrite(*s, init);
  std::atomic<bool> done{false};
  std::atomic<int> violations{0};
  std::atomic<int> errors{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      const bool a_first = t % 2 == 0;
      while (!done.load()) {
        absl::StatusOr<Record> first = a_first ? s->Get("pair", "a") : s->Get("pair2", "b");
        absl::StatusOr<Record> second = a_first ? s->Get("pair2", "b") : s->Get("pair", "a");
        if (!first.ok() || !second.ok()) {
          ++errors;
          continue;
        }
        // Whatever batch the first Get saw is wholly committed, so the second
        // Get sees that batch or a later one.
        if (NumberOf(*second) < NumberOf(*first) ||
            second->version < first->version) {
          ++violations;
        }
        ++reads;
      }
    });
  }
  // Start writing once the readers are reading, and keep writing until they
  // have read a while during the writes (a fast in-memory writer would
  // otherwise be done before they start). No REQUIRE while threads run.
  CHECK(Eventually([&] { return reads.load() >= 3; }));
  const long reads_before = reads.load();
  int last = 0;
  for (int i = 1; i <= 300 || (reads.load() - reads_before < 2000 && i <= 5000); ++i) {
    last = i;
    if (i % 10 == 0) std::this_thread::yield();
    WriteBatch batch;
    std::string body = absl::StrCat("{\"n\":", i, "}");
    batch.Put("pair", "a", J(body)).Put("pair2", "b", J(body));
    MustWrite(*s, batch);
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  CHECK(violations.load() == 0);
  CHECK(errors.load() == 0);
  CHECK(reads.load() > 0);
  CHECK(IntField(MustGet(*s, "pair", "a").body, "n") == last);
  CHECK(IntField(MustGet(*s, "pair2", "b").body, "n") == last);
}

void ConcurrentIndexUpdates(const StoreFactory& factory) {
  Fixture s(factory);
  MustDefine(*s, Spec("idx", "by_p", {{"/p"}}));
  MustDefine(*s, Spec("idx", "by_p_desc", {{"/p", SortOrder::kDescending}}));
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::thread scanner([&] {
    while (!done.load()) {
      if (!s->Scan({.collection = "idx", .index = "by_p", .limit = 20}).ok()) ++errors;
      if (!s->Scan({.collection = "idx", .index = "by_p_desc", .lower = RangeBound{Num(10)},
                    .limit = 20}).ok()) {
        ++errors;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      for (int i = 0; i < 100; ++i) {
        WriteBatch batch;
        std::string id = absl::StrCat("k", rng() % 50);
        if (rng() % 6 == 0) {
          batch.Erase("idx", id);
        } else {
          batch.Put("idx", id, *Json::Parse(absl::StrCat("{\"p\":", rng() % 30, "}")));
        }
        if (!s->Write(batch).ok()) ++errors;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  done = true;
  scanner.join();
  CHECK(errors.load() == 0);
  std::vector<Record> by_id = ScanAll(*s, "idx", "");
  std::vector<std::pair<int64_t, std::string>> expected;
  for (const Record& r : by_id) {
    CHECK(r == MustGet(*s, "idx", r.id));
    expected.emplace_back(IntField(r.body, "p"), r.id);
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> ids;
  for (const auto& row : expected) ids.push_back(row.second);
  CHECK(AllIds(*s, "idx", "by_p") == ids);
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  ids.clear();
  for (const auto& row : expected) ids.push_back(row.second);
  CHECK(AllIds(*s, "idx", "by_p_desc") == ids);
}

}  // namespace contract
}  // namespace marquee::test

namespace doctest {
String StringMaker<std::vector<std::string>>::convert(const std::vector<std::string>& value) {
  std::string text = "{";
  for (size_t i = 0; i < value.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ", ", "\"", value[i], "\"");
  }
  text += "}";
  return String(text.c_str());
}
String StringMaker<marquee::IndexValue>::convert(const marquee::IndexValue& value) {
  return String(marquee::test::ToString(value).c_str());
}
String StringMaker<marquee::ScanPosition>::convert(const marquee::ScanPosition& value) {
  return String(marquee::test::ToString(value).c_str());
}
String StringMaker<std::optional<marquee::ScanPosition>>::convert(
    const std::optional<marquee::ScanPosition>& value) {
  return String(value ? marquee::test::ToString(*value).c_str() : "<no position>");
}
String StringMaker<marquee::Record>::convert(const marquee::Record& value) {
  return String(marquee::test::ToString(value).c_str());
}
}  // namespace doctest
