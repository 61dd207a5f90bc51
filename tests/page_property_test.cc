// Property test for keyset pagination: random inserts and deletes between
// page fetches never make a walk return a row twice, never make it skip a
// row that existed for the whole walk, and never break index order; forward
// and backward walks, several seeds, filters with and without a residual
// part, with IN and with ranges, under a small scan budget and a large one.
// Seeds: fixed; MARQUEE_PROPERTY_SEED=<n> runs that seed instead. Failure
// messages carry the seed, filter and walk.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/memory_store.h"
#include "marquee/page.h"

namespace marquee {
namespace {

constexpr int kInitialRows = 120;
constexpr const char* kCollection = "items";

const IndexSpec kIndex{.collection = kCollection, .name = "by_g_n",
                       .fields = {{"/g", SortOrder::kAscending}, {"/n", SortOrder::kDescending}}};

IndexValue Num(double d) { return IndexValue::Number(d); }
Predicate P(std::string pointer, PredicateOp op, std::vector<IndexValue> operands = {}) {
  return Predicate{.pointer = std::move(pointer), .op = op, .operands = std::move(operands)};
}

struct NamedFilter {
  const char* name;
  Filter filter;
};

std::vector<NamedFilter> Filters() {
  return {
      {"none", {}},
      {"residual only", {.all_of = {P("/k", PredicateOp::kEq, {IndexValue::Bool(true)})}}},
      {"IN on the leading field, range on the next",
       {.all_of = {P("/g", PredicateOp::kIn, {Num(3), Num(1), IndexValue::String("x")}),
                   P("/n", PredicateOp::kGe, {Num(5)})}}},
      {"range on the leading field",
       {.all_of = {P("/g", PredicateOp::kGe, {Num(1)}), P("/g", PredicateOp::kLt, {Num(4)})}}},
      {"IN plus a residual",
       {.all_of = {P("/g", PredicateOp::kIn, {Num(0), Num(2), IndexValue::Missing()}),
                   P("/k", PredicateOp::kEq, {IndexValue::Bool(false)})}}},
  };
}

std::vector<uint64_t> Seeds() {
  if (const char* seed = std::getenv("MARQUEE_PROPERTY_SEED")) return {std::strtoull(seed, nullptr, 10)};
  return {1, 2, 3, 20240607};
}

// The test's own view of the collection: id -> body. Bodies never change
// (a row is inserted once and maybe deleted), so a row's position is fixed.
class Model {
 public:
  Model(Store* store, uint64_t seed) : store_(store), rng_(seed), seed_(seed) {}

  Json RandomBody() {
    static const char* kGs[] = {"0", "1", "2", "3", "4", "\"x\"", nullptr};
    const char* g = kGs[rng_() % 7];
    std::string text = absl::StrCat(R"({"n":)", rng_() % 12, R"(,"k":)", rng_() % 2 ? "true" : "false");
    if (g != nullptr) absl::StrAppend(&text, R"(,"g":)", g);
    text += "}";
    return Json::Parse(text).value();
  }

  void Insert(int count) {
    WriteBatch batch;
    for (int i = 0; i < count; ++i) {
      const std::string id = absl::StrCat("s", seed_, "-", next_id_++);
      Json body = RandomBody();
      batch.Put(kCollection, id, body);
      rows_[id] = std::move(body);
    }
    REQUIRE(store_->Write(batch).ok());
  }

  // Up to four random inserts and deletes.
  void Mutate() {
    for (int n = static_cast<int>(rng_() % 5); n > 0; --n) {
      if (rng_() % 2 == 0 || rows_.empty()) {
        Insert(1);
        continue;
      }
      auto victim = rows_.begin();
      std::advance(victim, static_cast<long>(rng_() % rows_.size()));
      WriteBatch batch;
      batch.Erase(kCollection, victim->first);
      REQUIRE(store_->Write(batch).ok());
      rows_.erase(victim);
    }
  }

  std::set<std::string> Ids() const {
    std::set<std::string> ids;
    for (const auto& [id, body] : rows_) ids.insert(id);
    return ids;
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  Store* store_;
  std::mt19937_64 rng_;
  uint64_t seed_;
  int next_id_ = 0;
  std::map<std::string, Json> rows_;
};

const CursorKey kKey{.id = "k", .secret = std::string(32, 's')};

// A row's place in kIndex: its field values, then its id.
ScanPosition PositionOf(const Record& record) {
  ScanPosition position{.values = {}, .id = record.id};
  for (const IndexField& field : kIndex.fields) {
    position.values.push_back(ValueAt(record.body, field.pointer).value());
  }
  return position;
}

// True when position a sorts before position b in kIndex.
bool IndexLess(const ScanPosition& a, const ScanPosition& b) {
  for (size_t i = 0; i < kIndex.fields.size(); ++i) {
    std::strong_ordering order = a.values[i] <=> b.values[i];
    if (kIndex.fields[i].order == SortOrder::kDescending) order = 0 <=> order;
    if (order != 0) return order < 0;
  }
  return a.id < b.id;
}

// What a cursor the test received holds (the test knows the key).
Cursor DecodeCursor(const std::string& text) {
  static const CursorCodec codec =
      CursorCodec::Create({.current_key = kKey, .ttl = absl::InfiniteDuration()}).value();
  absl::StatusOr<Cursor> cursor = codec.Decode(text);
  REQUIRE(cursor.ok());
  return *std::move(cursor);
}

Page Fetch(const Paginator& paginator, const PageRequest& request) {
  absl::StatusOr<Page> page = paginator.Fetch(request);
  REQUIRE_MESSAGE(page.ok(), std::string(page.status().message()));
  return *std::move(page);
}

// No row twice, every row matching, index order throughout. `walk` is the
// walk's items in index order (a backward walk's pages put back in order).
void CheckWalk(const std::vector<Record>& walk, const Filter& filter) {
  std::set<std::string> seen;
  for (size_t i = 0; i < walk.size(); ++i) {
    CAPTURE(walk[i].id);
    CHECK_MESSAGE(seen.insert(walk[i].id).second, "returned twice");
    CHECK_MESSAGE(Matches(filter, walk[i].body), "does not match the filter");
    if (i > 0) CHECK_MESSAGE(IndexLess(PositionOf(walk[i - 1]), PositionOf(walk[i])), "out of index order");
  }
}

enum class WalkKind {
  kForwardFromStart,    // first page, then next, next, ...
  kBackwardFromEnd,     // the last page, then prev, prev, ...
  kBackwardFromMiddle,  // a page reached going forward, then prev, prev, ...
  kForwardFromMiddle,   // a page reached going backward from the end, then next, next, ...
};

// One walk. The pages before its first one are fetched undisturbed; from
// the first on, the model mutates between fetches. Returns the walk's items
// in index order and sets `covers` to whether a row's position is inside
// the part of the index the walk is responsible for.
std::vector<Record> RunWalk(const Paginator& paginator, Model& model, WalkKind kind,
                            PageRequest request, std::set<std::string>* stable,
                            std::function<bool(const ScanPosition&)>* covers) {
  auto limit = [&] { return 1 + static_cast<size_t>(model.rng()() % 8); };
  auto stop_here = [&] { return model.rng()() % 6 == 0; };
  auto mutate = [&] {
    model.Mutate();
    const std::set<std::string> now = model.Ids();
    std::erase_if(*stable, [&](const std::string& id) { return now.count(id) == 0; });
  };
  *covers = [](const ScanPosition&) { return true; };
  Page page;
  const bool walks_forward = kind == WalkKind::kForwardFromStart ||
                             kind == WalkKind::kForwardFromMiddle;
  // Undisturbed approach to the walk's first page.
  if (kind != WalkKind::kForwardFromStart) {
    for (int pages = 0;; ++pages) {
      REQUIRE(pages < 2000);
      request.limit = limit();
      page = Fetch(paginator, request);
      if (!page.next) break;
      if (kind == WalkKind::kBackwardFromMiddle && stop_here()) break;
      request.after = *page.next;
    }
    request.after.clear();
    if (kind == WalkKind::kForwardFromMiddle) {
      while (page.prev && !stop_here()) {
        request.before = *page.prev;
        request.limit = limit();
        page = Fetch(paginator, request);
      }
      request.before.clear();
    }
  }
  *stable = model.Ids();
  std::vector<Record> walk;
  if (walks_forward) {
    if (kind == WalkKind::kForwardFromStart) {
      request.limit = limit();
      page = Fetch(paginator, request);
    } else if (page.prev) {
      // The walk covers what the page's prev does not select: this page and
      // everything after it.
      const Cursor prev = DecodeCursor(*page.prev);
      *covers = [prev](const ScanPosition& p) {
        return prev.inclusive ? IndexLess(prev.position, p) : !IndexLess(p, prev.position);
      };
    }
    walk = page.items;
    for (int pages = 0; page.next; ++pages) {
      REQUIRE(pages < 2000);
      mutate();
      request.after = *page.next;
      request.limit = limit();
      page = Fetch(paginator, request);
      walk.insert(walk.end(), page.items.begin(), page.items.end());
    }
  } else {
    if (page.next) {
      // The walk covers what the page's next does not select: this page and
      // everything before it.
      const Cursor next = DecodeCursor(*page.next);
      *covers = [next](const ScanPosition& p) {
        return next.inclusive ? IndexLess(p, next.position) : !IndexLess(next.position, p);
      };
    }
    walk = page.items;
    for (int pages = 0; page.prev; ++pages) {
      REQUIRE(pages < 2000);
      mutate();
      request.before = *page.prev;
      request.limit = limit();
      page = Fetch(paginator, request);
      walk.insert(walk.begin(), page.items.begin(), page.items.end());
    }
  }
  return walk;
}

TEST_CASE("random inserts and deletes between fetches neither duplicate nor skip rows") {
  int walks = 0;
  size_t rows_checked = 0;
  for (uint64_t seed : Seeds()) {
    absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore({.indexes = {kIndex}});
    REQUIRE(store.ok());
    Model model(store->get(), seed);
    model.Insert(kInitialRows);
    std::vector<std::unique_ptr<Paginator>> paginators;
    for (size_t budget : {size_t{5}, size_t{10'000}}) {
      paginators.push_back(
          Paginator::Create(store->get(), {.current_key = kKey, .max_scanned = budget}).value());
    }
    for (const NamedFilter& named : Filters()) {
      for (const auto& paginator : paginators) {
        for (WalkKind kind : {WalkKind::kForwardFromStart, WalkKind::kBackwardFromEnd,
                              WalkKind::kBackwardFromMiddle, WalkKind::kForwardFromMiddle}) {
          CAPTURE(seed);
          CAPTURE(named.name);
          CAPTURE(static_cast<int>(kind));
          ++walks;
          std::set<std::string> stable;
          std::function<bool(const ScanPosition&)> covers;
          const std::vector<Record> walk = RunWalk(
              *paginator, model, kind,
              {.collection = kCollection, .index = kIndex.name, .filter = named.filter}, &stable,
              &covers);
          CheckWalk(walk, named.filter);
          // No skips: every row that existed for the whole walk, in the part
          // of the index the walk covers, and accepted by the filter.
          std::set<std::string> returned;
          for (const Record& record : walk) returned.insert(record.id);
          for (const std::string& id : stable) {
            absl::StatusOr<Record> record = (*store)->Get(kCollection, id);
            REQUIRE(record.ok());
            if (!Matches(named.filter, record->body) || !covers(PositionOf(*record))) continue;
            ++rows_checked;
            CAPTURE(id);
            CHECK_MESSAGE(returned.count(id) == 1, "skipped a row that existed for the whole walk");
          }
        }
      }
    }
  }
  CHECK(walks >= 40);
  CHECK(rows_checked > 2000);  // the walks were not vacuous
}

}  // namespace
}  // namespace marquee
