// Tests for how a page request's filter becomes index ranges plus a
// residual filter (src/internal/page_plan.h), and that paging with any
// filter returns exactly the rows Matches() accepts, in index order.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/page_plan.h"
#include "marquee/memory_store.h"
#include "marquee/page.h"

namespace marquee {
namespace {

using internal::IndexRange;
using internal::PagePlan;
using internal::PlanPage;

IndexValue Num(double d) { return IndexValue::Number(d); }
IndexValue Str(std::string s) { return IndexValue::String(std::move(s)); }

Predicate P(std::string pointer, PredicateOp op, std::vector<IndexValue> operands = {}) {
  return Predicate{.pointer = std::move(pointer), .op = op, .operands = std::move(operands)};
}

const std::vector<IndexField> kAscDesc = {{"/a", SortOrder::kAscending},
                                          {"/b", SortOrder::kDescending}};

PagePlan Plan(const std::vector<IndexField>& fields, std::vector<Predicate> predicates,
              size_t max_ranges = 256) {
  const Filter filter{.all_of = std::move(predicates)};
  REQUIRE(ValidateFilter(filter).ok());
  absl::StatusOr<PagePlan> plan = PlanPage(fields, filter, max_ranges);
  REQUIRE_MESSAGE(plan.ok(), std::string(plan.status().message()));
  return *plan;
}

RangeBound Bound(IndexValue value, bool inclusive) { return RangeBound{std::move(value), inclusive}; }

IndexRange Range(std::vector<IndexValue> prefix, std::optional<RangeBound> lower = std::nullopt,
                 std::optional<RangeBound> upper = std::nullopt) {
  return IndexRange{.prefix = std::move(prefix), .lower = std::move(lower), .upper = std::move(upper)};
}

std::vector<std::string> ResidualPointers(const PagePlan& plan) {
  std::vector<std::string> out;
  for (const Predicate& p : plan.residual.all_of) out.push_back(p.pointer + "#" + std::to_string(static_cast<int>(p.op)));
  return out;
}

TEST_SUITE("PlanPage") {
  TEST_CASE("no filter scans the whole index once") {
    const PagePlan plan = Plan(kAscDesc, {});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({})});
    CHECK(plan.residual.all_of.empty());
  }

  TEST_CASE("the id order has no fields: everything is residual") {
    const PagePlan plan = Plan({}, {P("/a", PredicateOp::kEq, {Num(1)})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({})});
    CHECK(plan.residual.all_of.size() == 1);
  }

  TEST_CASE("equality on leading fields becomes an exact prefix") {
    const PagePlan plan = Plan(kAscDesc, {P("/b", PredicateOp::kEq, {Str("x")}),
                                          P("/c", PredicateOp::kEq, {Num(3)}),
                                          P("/a", PredicateOp::kEq, {Num(1)})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({Num(1), Str("x")})});
    CHECK(ResidualPointers(plan) == std::vector<std::string>{"/c#0"});  // not an index field
  }

  TEST_CASE("equality on a later field alone is residual") {
    const PagePlan plan = Plan(kAscDesc, {P("/b", PredicateOp::kEq, {Str("x")})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({})});
    CHECK(plan.residual.all_of.size() == 1);
  }

  TEST_CASE("IN expands into sorted, distinct ranges in each field's order") {
    const PagePlan plan =
        Plan(kAscDesc, {P("/a", PredicateOp::kIn, {Num(3), Num(1), Str("z"), Num(1)}),
                        P("/b", PredicateOp::kIn, {Str("p"), Str("q")})});
    // /a ascending (numbers before strings), /b descending, the last field turning fastest.
    CHECK(plan.ranges == std::vector<IndexRange>{
                             Range({Num(1), Str("q")}), Range({Num(1), Str("p")}),
                             Range({Num(3), Str("q")}), Range({Num(3), Str("p")}),
                             Range({Str("z"), Str("q")}), Range({Str("z"), Str("p")})});
    CHECK(plan.residual.all_of.empty());
  }

  TEST_CASE("equality and IN on one field intersect") {
    PagePlan plan = Plan(kAscDesc, {P("/a", PredicateOp::kIn, {Num(1), Num(2), Num(3)}),
                                    P("/a", PredicateOp::kIn, {Num(3), Num(2), Num(9)}),
                                    P("/a", PredicateOp::kEq, {Num(2)})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({Num(2)})});
    plan = Plan(kAscDesc, {P("/a", PredicateOp::kEq, {Num(1)}), P("/a", PredicateOp::kEq, {Num(2)})});
    CHECK(plan.ranges.empty());
    plan = Plan(kAscDesc, {P("/a", PredicateOp::kIn, {})});
    CHECK(plan.ranges.empty());
  }

  TEST_CASE("the IN expansion is capped") {
    std::vector<IndexValue> many;
    for (int i = 0; i < 257; ++i) many.push_back(Num(i));
    const Filter too_many{.all_of = {P("/a", PredicateOp::kIn, many)}};
    absl::StatusOr<PagePlan> plan = PlanPage(kAscDesc, too_many, 256);
    CHECK(absl::IsInvalidArgument(plan.status()));
    CHECK(std::string(plan.status().message()).find("more than 256 index ranges") != std::string::npos);
    many.pop_back();
    CHECK(PlanPage(kAscDesc, {.all_of = {P("/a", PredicateOp::kIn, many)}}, 256)->ranges.size() == 256);

    std::vector<IndexValue> seventeen(many.begin(), many.begin() + 17);
    std::vector<IndexValue> sixteen(many.begin(), many.begin() + 16);
    plan = PlanPage(kAscDesc, {.all_of = {P("/a", PredicateOp::kIn, seventeen),
                                          P("/b", PredicateOp::kIn, sixteen)}}, 256);
    CHECK(absl::IsInvalidArgument(plan.status()));
    CHECK(std::string(plan.status().message()).find("'/a' to '/b'") != std::string::npos);
  }

  TEST_CASE("ordering predicates bound the next field within their type class") {
    const double inf = HUGE_VAL;
    PagePlan plan = Plan(kAscDesc, {P("/a", PredicateOp::kGt, {Num(5)})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({}, Bound(Num(5), false), Bound(Num(inf), true))});
    CHECK(plan.residual.all_of.size() == 1);  // kept: the residual is always exact

    plan = Plan(kAscDesc, {P("/a", PredicateOp::kLe, {Num(5)}), P("/a", PredicateOp::kLt, {Num(7)}),
                           P("/a", PredicateOp::kGe, {Num(-1)})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({}, Bound(Num(-1), true), Bound(Num(5), true))});

    plan = Plan(kAscDesc, {P("/a", PredicateOp::kLt, {Str("m")})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({}, Bound(Str(""), true), Bound(Str("m"), false))});

    plan = Plan(kAscDesc, {P("/a", PredicateOp::kGe, {Str("m")})});
    CHECK(plan.ranges == std::vector<IndexRange>{
                             Range({}, Bound(Str("m"), true), Bound(IndexValue::Array(""), false))});

    plan = Plan(kAscDesc, {P("/a", PredicateOp::kLt, {IndexValue::Bool(true)})});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({}, Bound(IndexValue::Bool(false), true),
                                                       Bound(IndexValue::Bool(true), false))});
  }

  TEST_CASE("bounds apply to the field after an equality prefix") {
    const PagePlan plan = Plan(kAscDesc, {P("/a", PredicateOp::kEq, {Num(1)}),
                                          P("/b", PredicateOp::kPrefix, {Str("ab")})});
    CHECK(plan.ranges == std::vector<IndexRange>{
                             Range({Num(1)}, Bound(Str("ab"), true), Bound(Str("ac"), false))});
    CHECK(ResidualPointers(plan) == std::vector<std::string>{"/b#8"});
  }

  TEST_CASE("prefix bounds cover every string that starts with it") {
    PagePlan plan = Plan(kAscDesc, {P("/a", PredicateOp::kPrefix, {Str("")})});
    CHECK(plan.ranges == std::vector<IndexRange>{
                             Range({}, Bound(Str(""), true), Bound(IndexValue::Array(""), false))});
    plan = Plan(kAscDesc, {P("/a", PredicateOp::kPrefix, {Str("a\xff\xff")})});
    CHECK(plan.ranges == std::vector<IndexRange>{
                             Range({}, Bound(Str("a\xff\xff"), true), Bound(Str("b"), false))});
  }

  TEST_CASE("exists excludes only missing") {
    const PagePlan plan = Plan(kAscDesc, {P("/a", PredicateOp::kExists)});
    CHECK(plan.ranges == std::vector<IndexRange>{Range({}, Bound(IndexValue::Null(), true))});
  }

  TEST_CASE("contradictions plan nothing") {
    CHECK(Plan(kAscDesc, {P("/a", PredicateOp::kGt, {Num(5)}), P("/a", PredicateOp::kLt, {Str("x")})})
              .ranges.empty());
    CHECK(Plan(kAscDesc, {P("/a", PredicateOp::kGt, {Num(5)}), P("/a", PredicateOp::kLt, {Num(3)})})
              .ranges.empty());
    CHECK(Plan(kAscDesc, {P("/a", PredicateOp::kGt, {Num(5)}), P("/a", PredicateOp::kLe, {Num(5)})})
              .ranges.empty());
    CHECK(Plan(kAscDesc, {P("/a", PredicateOp::kGe, {Num(5)}), P("/a", PredicateOp::kLe, {Num(5)})})
              .ranges.size() == 1);
  }

  TEST_CASE("positions compare to ranges on the prefix fields in index order") {
    const IndexRange range = Range({Num(2), Str("m")});
    auto at = [&](IndexValue a, IndexValue b) {
      return internal::ComparePositionToRange(ScanPosition{.values = {a, b}, .id = "x"}, range, kAscDesc);
    };
    CHECK(at(Num(1), Str("a")) < 0);
    CHECK(at(Num(3), Str("z")) > 0);
    CHECK(at(Num(2), Str("z")) < 0);  // /b descending: "z" comes first
    CHECK(at(Num(2), Str("a")) > 0);
    CHECK(at(Num(2), Str("m")) == 0);
  }
}

// ---- paging returns exactly what Matches() says ----------------------------

const std::vector<std::string> kValueTexts = {
    "",  // missing
    "null", "false", "true", "-2", "0", "1", "2.5", "3", "1e400", "\"\"", "\"a\"", "\"ab\"", "\"b\"",
    "\"\\u00e9\"", "[1]", "{}"};

std::vector<IndexValue> OperandPool() {
  std::vector<IndexValue> pool = {IndexValue::Missing(), IndexValue::Null(), IndexValue::Bool(false),
                                  IndexValue::Bool(true), Num(-2), Num(0), Num(1), Num(2), Num(2.5),
                                  Num(HUGE_VAL), Str(""), Str("a"), Str("ab"), Str("b"),
                                  Str("\xc3\xa9"), IndexValue::Array("[1]"), IndexValue::Object("{}")};
  return pool;
}

struct Row {
  std::string id;
  Json body;
};

// Positions compare as the index orders them: fields, then id.
bool IndexLess(const std::vector<IndexValue>& a, const std::string& a_id,
               const std::vector<IndexValue>& b, const std::string& b_id,
               const std::vector<IndexField>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    std::strong_ordering order = a[i] <=> b[i];
    if (fields[i].order == SortOrder::kDescending) order = 0 <=> order;
    if (order != 0) return order < 0;
  }
  return a_id < b_id;
}

std::vector<IndexValue> ValuesOf(const Json& body, const std::vector<IndexField>& fields) {
  std::vector<IndexValue> values;
  for (const IndexField& field : fields) values.push_back(ValueAt(body, field.pointer).value());
  return values;
}

Predicate RandomPredicate(std::mt19937& rng) {
  static const std::vector<IndexValue> pool = OperandPool();
  static const char* pointers[] = {"/a", "/b", "/c"};
  const std::string pointer = pointers[rng() % 3];
  std::vector<IndexValue> ordered;  // operands ordering predicates accept
  for (const IndexValue& v : pool) {
    const auto t = v.type();
    if (t == IndexValue::Type::kFalse || t == IndexValue::Type::kTrue ||
        t == IndexValue::Type::kNumber || t == IndexValue::Type::kString) {
      ordered.push_back(v);
    }
  }
  switch (rng() % 9) {
    case 0: return P(pointer, PredicateOp::kEq, {pool[rng() % pool.size()]});
    case 1: return P(pointer, PredicateOp::kNe, {pool[rng() % pool.size()]});
    case 2: return P(pointer, PredicateOp::kLt, {ordered[rng() % ordered.size()]});
    case 3: return P(pointer, PredicateOp::kLe, {ordered[rng() % ordered.size()]});
    case 4: return P(pointer, PredicateOp::kGt, {ordered[rng() % ordered.size()]});
    case 5: return P(pointer, PredicateOp::kGe, {ordered[rng() % ordered.size()]});
    case 6: {
      std::vector<IndexValue> in;
      for (size_t n = rng() % 4; n > 0; --n) in.push_back(pool[rng() % pool.size()]);
      return P(pointer, PredicateOp::kIn, in);
    }
    case 7: return P(pointer, PredicateOp::kExists);
    default: return P(pointer, PredicateOp::kPrefix, {Str(rng() % 2 ? "a" : "")});
  }
}

TEST_CASE("paging with random filters returns exactly the matching rows in index order") {
  const std::vector<IndexSpec> indexes = {
      {.collection = "rows", .name = "by_a_b", .fields = kAscDesc},
      {.collection = "rows", .name = "by_b", .fields = {{"/b", SortOrder::kAscending}}}};
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore({.indexes = indexes});
  REQUIRE(store.ok());

  std::mt19937 rng(20240607);
  std::vector<Row> rows;
  WriteBatch batch;
  for (int i = 0; i < 160; ++i) {
    std::string text = "{";
    const char* names[] = {"a", "b", "c"};
    for (const char* name : names) {
      const std::string& value = kValueTexts[rng() % kValueTexts.size()];
      if (value.empty()) continue;
      if (text.size() > 1) text += ",";
      absl::StrAppend(&text, "\"", name, "\":", value);
    }
    text += "}";
    Row row{.id = absl::StrCat("r", 1000 + rng() % 9000, "-", i), .body = Json::Parse(text).value()};
    batch.Put("rows", row.id, row.body);
    rows.push_back(std::move(row));
  }
  REQUIRE((*store)->Write(batch).ok());

  std::vector<std::unique_ptr<Paginator>> paginators;
  for (size_t budget : {2, 7, 10'000}) {
    paginators.push_back(*Paginator::Create(store->get(), {.current_key = {.id = "k", .secret = std::string(32, 's')},
                                                           .max_scanned = budget}));
  }

  int nonempty = 0;
  for (int round = 0; round < 120; ++round) {
    const IndexSpec& index = indexes[rng() % indexes.size()];
    Filter filter;
    for (size_t n = rng() % 4; n > 0; --n) filter.all_of.push_back(RandomPredicate(rng));
    std::vector<const Row*> expected;
    for (const Row& row : rows) {
      if (Matches(filter, row.body)) expected.push_back(&row);
    }
    std::sort(expected.begin(), expected.end(), [&](const Row* x, const Row* y) {
      return IndexLess(ValuesOf(x->body, index.fields), x->id, ValuesOf(y->body, index.fields), y->id,
                       index.fields);
    });
    std::vector<std::string> want;
    for (const Row* row : expected) want.push_back(row->id);

    const Paginator& paginator = *paginators[rng() % paginators.size()];
    PageRequest request{.collection = "rows", .index = index.name, .filter = filter,
                        .limit = 1 + rng() % 7};
    std::vector<std::string> got;
    for (int pages = 0;; ++pages) {
      REQUIRE(pages < 1000);
      absl::StatusOr<Page> page = paginator.Fetch(request);
      REQUIRE_MESSAGE(page.ok(), std::string(page.status().message()));
      for (const Record& item : page->items) got.push_back(item.id);
      CHECK(page->has_more == page->next.has_value());
      if (!page->next) break;
      request.after = *page->next;
    }
    CAPTURE(round);
    CHECK(got == want);
    if (want.size() > 1) ++nonempty;
  }
  CHECK(nonempty > 40);  // the filters were not all empty
}

}  // namespace
}  // namespace marquee
