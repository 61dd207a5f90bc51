// Tests for marquee/page.h's Paginator on a MemoryStore: complete walks
// forward and backward, limits, the scan budget, cursors refused for
// another request, index ranges from IN and range filters, turning around
// on empty pages, and sparse fieldsets.
#include "marquee/page.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "internal/field_projection.h"
#include "marquee/memory_store.h"

namespace marquee {
namespace {

const CursorKey kKey{.id = "k1", .secret = std::string(32, 'k')};
const CursorKey kOtherKey{.id = "k2", .secret = std::string(32, 'o')};

std::string Message(const absl::Status& status) { return std::string(status.message()); }
IndexValue Num(double d) { return IndexValue::Number(d); }
IndexValue Str(std::string s) { return IndexValue::String(std::move(s)); }
Predicate P(std::string pointer, PredicateOp op, std::vector<IndexValue> operands = {}) {
  return Predicate{.pointer = std::move(pointer), .op = op, .operands = std::move(operands)};
}

std::vector<IndexSpec> Indexes(const std::string& collection,
                               SortOrder priority_order = SortOrder::kDescending) {
  return {{.collection = collection, .name = "by_priority", .fields = {{"/priority", priority_order}}},
          {.collection = collection, .name = "by_start", .fields = {{"/start"}}},
          {.collection = collection,
           .name = "by_status_priority",
           .fields = {{"/status"}, {"/priority", SortOrder::kDescending}}}};
}

std::unique_ptr<MemoryStore> OpenStore(std::vector<IndexSpec> indexes) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore({.indexes = std::move(indexes)});
  REQUIRE_MESSAGE(store.ok(), Message(store.status()));
  return std::move(*store);
}

// Campaign i: priority i % 97, status from a cycle of three, start i.
std::string Id(int i) { return absl::StrFormat("c%05d", i); }
const char* StatusOf(int i) { return i % 3 == 0 ? "live" : i % 3 == 1 ? "draft" : "ended"; }

// Written 32 rows a batch: a batch locks every store shard it touches, and
// ThreadSanitizer's deadlock detector gives up beyond 64 locks held at once.
void Fill(Store& store, const std::string& collection, int count) {
  WriteBatch batch;
  for (int i = 0; i < count; ++i) {
    batch.Put(collection, Id(i),
              Json::Parse(absl::StrCat(R"({"name":"n)", i, R"(","priority":)", i % 97,
                                       R"(,"status":")", StatusOf(i), R"(","start":)", i, "}"))
                  .value());
    if (batch.size() == 32 || i + 1 == count) {
      REQUIRE(store.Write(batch).ok());
      batch.Clear();
    }
  }
}

std::unique_ptr<Paginator> MakePaginator(const Store* store, PaginatorOptions options = {}) {
  if (options.current_key.id.empty()) options.current_key = kKey;
  absl::StatusOr<std::unique_ptr<Paginator>> paginator = Paginator::Create(store, std::move(options));
  REQUIRE_MESSAGE(paginator.ok(), Message(paginator.status()));
  return std::move(*paginator);
}

Page Fetch(const Paginator& paginator, const PageRequest& request) {
  absl::StatusOr<Page> page = paginator.Fetch(request);
  REQUIRE_MESSAGE(page.ok(), Message(page.status()));
  return *std::move(page);
}

std::vector<std::string> Ids(const Page& page) {
  std::vector<std::string> ids;
  for (const Record& item : page.items) ids.push_back(item.id);
  return ids;
}

// Follows `next` from `request` to the end; the ids of every page in order.
// At most `max_pages` pages, so a paginator that never ends fails the test.
std::vector<std::string> WalkForward(const Paginator& paginator, PageRequest request,
                                     int max_pages = 1000) {
  std::vector<std::string> ids;
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < max_pages);
    Page page = Fetch(paginator, request);
    for (const std::string& id : Ids(page)) ids.push_back(id);
    if (!page.next) return ids;
    request.after = *page.next;
  }
}

void ExpectRefused(const absl::StatusOr<Page>& page, std::string_view reason) {
  REQUIRE_FALSE(page.ok());
  CHECK(absl::IsInvalidArgument(page.status()));
  CHECK_MESSAGE(Message(page.status()).find(reason) != std::string::npos, Message(page.status()),
                " lacks ", reason);
}

// Campaign ids as by_priority (priority descending, then id) orders them.
std::vector<std::string> ByPriority(int count, const std::function<bool(int)>& keep = nullptr) {
  std::vector<int> order;
  for (int i = 0; i < count; ++i) {
    if (!keep || keep(i)) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [](int a, int b) {
    return a % 97 != b % 97 ? a % 97 > b % 97 : a < b;
  });
  std::vector<std::string> ids;
  for (int i : order) ids.push_back(Id(i));
  return ids;
}

TEST_SUITE("Paginator") {
  TEST_CASE("Create checks its options") {
    auto store = OpenStore({});
    auto status = [&](const Store* s, PaginatorOptions options) {
      return Paginator::Create(s, std::move(options)).status();
    };
    CHECK(status(store.get(), {.current_key = kKey}).ok());
    CHECK(absl::IsInvalidArgument(status(nullptr, {.current_key = kKey})));
    CHECK(absl::IsInvalidArgument(status(store.get(), {})));  // no key
    CHECK(absl::IsInvalidArgument(
        status(store.get(), {.current_key = {.id = "k", .secret = "too short"}})));
    CHECK(absl::IsInvalidArgument(status(store.get(), {.current_key = kKey, .default_limit = 0})));
    CHECK(absl::IsInvalidArgument(
        status(store.get(), {.current_key = kKey, .default_limit = 600, .max_limit = 500})));
    CHECK(absl::IsInvalidArgument(status(store.get(), {.current_key = kKey, .max_scanned = 0})));
    CHECK(absl::IsInvalidArgument(status(store.get(), {.current_key = kKey, .max_index_ranges = 0})));
    CHECK(absl::IsInvalidArgument(status(store.get(), {.current_key = kKey, .max_fields = 0})));
    CHECK(absl::IsInvalidArgument(
        status(store.get(), {.current_key = kKey, .cursor_ttl = absl::ZeroDuration()})));
  }

  TEST_CASE("pages 10,000 rows forward and backward, each row once and in order") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 10'000);
    const std::vector<std::string> expected = ByPriority(10'000);
    auto paginator = MakePaginator(store.get());

    PageRequest request{.collection = "campaigns", .index = "by_priority", .limit = 500};
    std::vector<std::string> forward;
    Page page = Fetch(*paginator, request);
    CHECK_FALSE(page.prev.has_value());  // the first page has nothing before it
    int pages = 1;
    for (;;) {
      CHECK(page.items.size() == (page.has_more ? 500u : page.items.size()));
      for (const std::string& id : Ids(page)) forward.push_back(id);
      if (!page.next) break;
      CHECK(page.prev.has_value() == (pages > 1));
      request.after = *page.next;
      page = Fetch(*paginator, request);
      ++pages;
    }
    CHECK(pages <= 21);  // 20 full pages, perhaps an empty last one
    CHECK(forward == expected);

    // Back from the last page: its items, then everything before them.
    std::vector<std::string> backward = Ids(page);
    request.after.clear();
    REQUIRE(page.prev.has_value());
    request.before = *page.prev;
    for (;;) {
      page = Fetch(*paginator, request);
      CHECK(page.next.has_value());  // a backward page can always go forward again
      std::vector<std::string> ids = Ids(page);
      backward.insert(backward.begin(), ids.begin(), ids.end());
      if (!page.prev) break;
      request.before = *page.prev;
    }
    CHECK(backward == expected);
  }

  TEST_CASE("pages in id order without an index") {
    auto store = OpenStore({});
    Fill(*store, "campaigns", 25);
    auto paginator = MakePaginator(store.get());
    std::vector<std::string> ids =
        WalkForward(*paginator, {.collection = "campaigns", .limit = 10});
    std::vector<std::string> expected;
    for (int i = 0; i < 25; ++i) expected.push_back(Id(i));
    CHECK(ids == expected);
  }

  TEST_CASE("limits: default, explicit, clamped") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 700);
    auto paginator = MakePaginator(store.get());
    Page page = Fetch(*paginator, {.collection = "campaigns", .index = "by_priority"});
    CHECK(page.items.size() == 50);
    CHECK(page.limit == 50);
    CHECK_FALSE(page.limit_clamped);
    page = Fetch(*paginator, {.collection = "campaigns", .index = "by_priority", .limit = 7});
    CHECK(page.items.size() == 7);
    CHECK_FALSE(page.limit_clamped);
    page = Fetch(*paginator, {.collection = "campaigns", .index = "by_priority", .limit = 500});
    CHECK(page.items.size() == 500);
    CHECK_FALSE(page.limit_clamped);
    page = Fetch(*paginator, {.collection = "campaigns", .index = "by_priority", .limit = 501});
    CHECK(page.items.size() == 500);
    CHECK(page.limit == 500);
    CHECK(page.limit_clamped);

    auto small = MakePaginator(store.get(), {.default_limit = 3, .max_limit = 5});
    CHECK(Fetch(*small, {.collection = "campaigns"}).items.size() == 3);
    page = Fetch(*small, {.collection = "campaigns", .limit = 1'000'000});
    CHECK(page.items.size() == 5);
    CHECK(page.limit_clamped);
  }

  TEST_CASE("scan budget: a filter that matches nothing gives short pages until the walk ends") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 1000);
    auto paginator = MakePaginator(store.get(), {.max_scanned = 100});
    PageRequest request{.collection = "campaigns", .index = "by_priority",
                        .filter = {.all_of = {P("/name", PredicateOp::kEq, {Str("nobody")})}}};
    int pages = 0;
    size_t scanned = 0;
    for (;;) {
      REQUIRE(pages < 20);
      Page page = Fetch(*paginator, request);
      ++pages;
      scanned += page.scanned;
      CHECK(page.items.empty());
      CHECK(page.scanned <= 100);
      if (!page.has_more) {
        CHECK_FALSE(page.next.has_value());
        CHECK_FALSE(page.scan_budget_exhausted);
        break;
      }
      CHECK(page.scan_budget_exhausted);
      CHECK(page.scanned == 100);
      REQUIRE(page.next.has_value());
      request.after = *page.next;
    }
    CHECK(scanned == 1000);  // every row examined once
    CHECK(pages <= 11);
  }

  TEST_CASE("scan budget: sparse matches are found across short pages") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 1000);
    auto paginator = MakePaginator(store.get(), {.max_scanned = 64});
    // name == "n5xx": 100 of the 1000 rows, scattered over the index.
    PageRequest request{.collection = "campaigns", .index = "by_priority", .filter = {.all_of = {P("/name", PredicateOp::kPrefix, {Str("n5")}),
                                              P("/start", PredicateOp::kGe, {Num(500)})}}, .limit = 30};
    std::vector<std::string> ids = WalkForward(*paginator, request, /*max_pages=*/100);
    CHECK(ids == ByPriority(1000, [](int i) { return i >= 500 && i < 600; }));
  }

  TEST_CASE("an equality on the leading field that matches nothing scans nothing") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 300);
    auto paginator = MakePaginator(store.get());
    Page page = Fetch(*paginator, {.collection = "campaigns", .index = "by_status_priority",
                                   .filter = {.all_of = {P("/status", PredicateOp::kEq, {Str("paused")})}}});
    CHECK(page.items.empty());
    CHECK(page.scanned == 0);
    CHECK_FALSE(page.has_more);
    CHECK_FALSE(page.next.has_value());
    page = Fetch(*paginator, {.collection = "campaigns", .index = "by_status_priority",
                              .filter = {.all_of = {P("/status", PredicateOp::kEq, {Str("live")})}}});
    CHECK(page.items.size() == 50);
    CHECK(page.scanned == 50);  // an index range: no row outside it examined
  }

  TEST_CASE("IN on leading fields pages across its ranges in index order") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 600);
    auto paginator = MakePaginator(store.get());
    SUBCASE("descending field: highest value first") {
      PageRequest request{.collection = "campaigns", .index = "by_priority", .filter = {.all_of = {P("/priority", PredicateOp::kIn, {Num(1), Num(50), Num(3)})}}, .limit = 4};
      std::vector<std::string> ids;
      for (;;) {
        Page page = Fetch(*paginator, request);
        CHECK(page.scanned == page.items.size());  // ranges hold only matching rows
        for (const std::string& id : Ids(page)) ids.push_back(id);
        if (!page.next) break;
        request.after = *page.next;
      }
      CHECK(ids == ByPriority(600, [](int i) { return i % 97 == 1 || i % 97 == 3 || i % 97 == 50; }));
    }
    SUBCASE("two fields, the second descending, with a residual filter") {
      PageRequest request{.collection = "campaigns", .index = "by_status_priority", .filter = {.all_of = {P("/status", PredicateOp::kIn, {Str("live"), Str("ended")}),
                                                P("/priority", PredicateOp::kIn, {Num(10), Num(90)}),
                                                P("/start", PredicateOp::kLt, {Num(400)})}}, .limit = 7};
      std::vector<std::string> ids = WalkForward(*paginator, request);
      // ended before live; within each, priority 90 before 10; then id.
      std::vector<std::string> expected;
      for (const char* status : {"ended", "live"}) {
        for (int priority : {90, 10}) {
          for (int i = 0; i < 400; ++i) {
            if (std::string(StatusOf(i)) == status && i % 97 == priority) expected.push_back(Id(i));
          }
        }
      }
      CHECK_FALSE(expected.empty());
      CHECK(ids == expected);
    }
    SUBCASE("too many IN values") {
      std::vector<IndexValue> values;
      for (int i = 0; i < 300; ++i) values.push_back(Num(i));
      ExpectRefused(paginator->Fetch({.collection = "campaigns", .index = "by_priority",
                                      .filter = {.all_of = {P("/priority", PredicateOp::kIn, values)}}}),
                    "more than 256 index ranges");
    }
  }

  TEST_CASE("a range on the leading field scans only the range") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 500);
    auto paginator = MakePaginator(store.get());
    Page page = Fetch(*paginator, {.collection = "campaigns", .index = "by_start", .filter = {.all_of = {P("/start", PredicateOp::kGe, {Num(100)}),
                                                         P("/start", PredicateOp::kLt, {Num(120)})}}, .limit = 500});
    CHECK(page.items.size() == 20);
    CHECK(page.scanned == 20);
    CHECK(page.items.front().id == Id(100));
    CHECK(page.items.back().id == Id(119));
  }

  TEST_CASE("a backward page's next continues forward after its last item") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 30);
    auto paginator = MakePaginator(store.get());
    PageRequest request{.collection = "campaigns", .index = "by_start", .limit = 10};
    Page first = Fetch(*paginator, request);
    request.after = *first.next;
    Page second = Fetch(*paginator, request);
    CHECK(Ids(second).front() == Id(10));
    request.after.clear();
    request.before = *second.prev;
    Page back = Fetch(*paginator, request);
    CHECK(Ids(back) == Ids(first));
    CHECK_FALSE(back.has_more);
    CHECK_FALSE(back.prev.has_value());
    request.before.clear();
    request.after = *back.next;
    CHECK(Ids(Fetch(*paginator, request)) == Ids(second));
  }

  TEST_CASE("empty pages turn their cursor around without losing its row") {
    auto store = OpenStore({});
    WriteBatch batch;
    for (int i = 0; i < 10; ++i) {
      batch.Put("rows", absl::StrCat("r", i),
                Json::Parse(absl::StrCat(R"({"match":)", (i == 2 || i == 3) ? "true" : "false", "}"))
                    .value());
    }
    REQUIRE(store->Write(batch).ok());
    auto paginator = MakePaginator(store.get(), {.max_scanned = 4});
    PageRequest request{.collection = "rows", .filter = {.all_of = {P("/match", PredicateOp::kEq, {IndexValue::Bool(true)})}}, .limit = 2};
    const Page first = Fetch(*paginator, request);  // examines r0..r3
    CHECK(Ids(first) == std::vector<std::string>{"r2", "r3"});
    REQUIRE(first.next.has_value());

    request.after = *first.next;
    const Page second = Fetch(*paginator, request);  // r4..r7: nothing
    CHECK(second.items.empty());
    CHECK(second.scan_budget_exhausted);
    REQUIRE(second.prev.has_value());
    REQUIRE(second.next.has_value());

    request.after.clear();
    request.before = *second.prev;  // at or before r3
    CHECK(Ids(Fetch(*paginator, request)) == std::vector<std::string>{"r2", "r3"});

    request.before.clear();
    request.after = *second.next;
    const Page third = Fetch(*paginator, request);  // r8, r9: nothing, the end
    CHECK(third.items.empty());
    CHECK_FALSE(third.has_more);
    REQUIRE(third.prev.has_value());

    request.after.clear();
    request.before = *third.prev;  // at or before r7: r7..r4, budget spent
    const Page back = Fetch(*paginator, request);
    CHECK(back.items.empty());
    CHECK(back.has_more);
    REQUIRE(back.prev.has_value());
    REQUIRE(back.next.has_value());
    request.before = *back.prev;
    CHECK(Ids(Fetch(*paginator, request)) == std::vector<std::string>{"r2", "r3"});
    request.before.clear();
    request.after = *back.next;  // strictly after r7
    CHECK(Fetch(*paginator, request).scanned == 2);
  }
}

TEST_CASE("concurrent walks while a writer inserts and deletes" * doctest::test_suite("concurrent")) {
  auto store = OpenStore(Indexes("campaigns"));
  Fill(*store, "campaigns", 400);  // never deleted: every walk must return each once
  auto paginator = MakePaginator(store.get(), {.max_scanned = 40});
  std::atomic<bool> stop{false};
  std::atomic<int> write_errors{0};
  std::thread writer([&] {
    for (int n = 0; !stop.load() && n < 20'000; ++n) {
      WriteBatch batch;
      batch.Put("campaigns", absl::StrCat("w", n),
                Json::Parse(absl::StrCat(R"({"priority":)", n % 97, "}")).value());
      if (n >= 5) batch.Erase("campaigns", absl::StrCat("w", n - 5));
      if (!store->Write(batch).ok()) ++write_errors;
    }
  });
  std::vector<std::vector<std::string>> walks(3);
  std::vector<std::string> errors(walks.size());
  std::vector<std::thread> readers;
  for (size_t r = 0; r < walks.size(); ++r) {
    readers.emplace_back([&, r] {
      PageRequest request{.collection = "campaigns", .index = "by_priority", .limit = 17};
      for (int pages = 0; pages < 1000; ++pages) {
        absl::StatusOr<Page> page = paginator->Fetch(request);
        if (!page.ok()) {
          errors[r] = Message(page.status());
          return;
        }
        for (const Record& item : page->items) {
          if (item.id.starts_with("c")) walks[r].push_back(item.id);
        }
        if (!page->next) return;
        request.after = *page->next;
      }
      errors[r] = "walk did not end";
    });
  }
  for (std::thread& reader : readers) reader.join();
  stop = true;
  writer.join();
  CHECK(write_errors.load() == 0);
  for (size_t r = 0; r < walks.size(); ++r) {
    CAPTURE(r);
    CHECK(errors[r].empty());
    CHECK(walks[r] == ByPriority(400));
  }
}

TEST_SUITE("cursors refused by Paginator") {
  struct Fixture {
    std::unique_ptr<MemoryStore> store;
    std::unique_ptr<Paginator> paginator;
    PageRequest request{.collection = "campaigns", .index = "by_priority", .filter = {.all_of = {P("/status", PredicateOp::kEq, {Str("live")}),
                                              P("/start", PredicateOp::kGe, {Num(3)})}}, .limit = 5};
    Page first;

    Fixture() {
      std::vector<IndexSpec> indexes = Indexes("campaigns");
      for (const IndexSpec& spec : Indexes("other")) indexes.push_back(spec);
      store = OpenStore(indexes);
      Fill(*store, "campaigns", 100);
      Fill(*store, "other", 10);
      paginator = MakePaginator(store.get());
      first = Fetch(*paginator, request);
      REQUIRE(first.next.has_value());
    }
  };

  TEST_CASE("another index") {
    Fixture f;
    PageRequest request = f.request;
    request.index = "by_start";
    request.after = *f.first.next;
    ExpectRefused(f.paginator->Fetch(request), "cursor was issued for index 'by_priority', not 'by_start'");
    request.index = "";
    ExpectRefused(f.paginator->Fetch(request), "not the id order");
  }

  TEST_CASE("another collection") {
    Fixture f;
    PageRequest request = f.request;
    request.collection = "other";
    request.after = *f.first.next;
    ExpectRefused(f.paginator->Fetch(request), "cursor was issued for collection 'campaigns', not 'other'");
  }

  TEST_CASE("another filter, but not the same filter written in another order") {
    Fixture f;
    PageRequest request = f.request;
    request.after = *f.first.next;
    request.filter.all_of[1].operands[0] = Num(4);
    ExpectRefused(f.paginator->Fetch(request), "cursor was issued for another filter");
    request.filter.all_of.pop_back();
    ExpectRefused(f.paginator->Fetch(request), "cursor was issued for another filter");

    request.filter = f.request.filter;
    std::reverse(request.filter.all_of.begin(), request.filter.all_of.end());
    CHECK(f.paginator->Fetch(request).ok());
  }

  TEST_CASE("another sort: the index was redefined") {
    Fixture f;
    auto redefined = OpenStore(Indexes("campaigns", SortOrder::kAscending));
    Fill(*redefined, "campaigns", 100);
    auto paginator = MakePaginator(redefined.get());  // same key
    PageRequest request = f.request;
    request.after = *f.first.next;
    ExpectRefused(paginator->Fetch(request), "cursor was issued for another definition of index 'by_priority'");
  }

  TEST_CASE("the wrong direction, or both directions") {
    Fixture f;
    PageRequest request = f.request;
    request.after = *f.first.next;
    const Page second = Fetch(*f.paginator, request);
    REQUIRE(second.prev.has_value());
    request.after = *second.prev;
    ExpectRefused(f.paginator->Fetch(request), "'after' was given a 'before' cursor");
    request.after.clear();
    request.before = *f.first.next;
    ExpectRefused(f.paginator->Fetch(request), "'before' was given an 'after' cursor");
    request.after = *f.first.next;
    request.before = *second.prev;
    ExpectRefused(f.paginator->Fetch(request), "takes 'after' or 'before', not both");
  }

  TEST_CASE("tampered, forged and garbage cursors") {
    Fixture f;
    PageRequest request = f.request;
    std::string tampered = *f.first.next;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    request.after = tampered;
    ExpectRefused(f.paginator->Fetch(request), "cursor signature does not verify");
    request.after = "not a cursor!";
    ExpectRefused(f.paginator->Fetch(request), "cursor is not valid base64url");
    // A multiple of 4 characters: no partial group, so it decodes, short.
    request.after = f.first.next->substr(0, (f.first.next->size() - 5) / 4 * 4);
    ExpectRefused(f.paginator->Fetch(request), "cursor is truncated");
    request.after = std::string(5000, 'A');
    ExpectRefused(f.paginator->Fetch(request), "the limit is 4096");

    auto forger = MakePaginator(f.store.get(), {.current_key = {.id = kKey.id, .secret = std::string(32, 'f')}});
    request.after = *Fetch(*forger, f.request).next;
    ExpectRefused(f.paginator->Fetch(request), "cursor signature does not verify");
  }

  TEST_CASE("key rotation and expiry") {
    Fixture f;
    ManualClock clock(absl::FromUnixSeconds(1'700'000'000));
    auto old_key = MakePaginator(f.store.get(), {.current_key = kKey, .clock = &clock});
    auto rotated = MakePaginator(f.store.get(), {.current_key = kOtherKey, .previous_key = kKey,
                                                 .cursor_ttl = absl::Minutes(10), .clock = &clock});
    auto unrelated = MakePaginator(f.store.get(), {.current_key = {.id = "k3", .secret = std::string(32, '3')}});
    PageRequest request = f.request;
    request.after = *Fetch(*old_key, f.request).next;
    CHECK(Fetch(*rotated, request).items.size() == 5);
    ExpectRefused(unrelated->Fetch(request), "cursor was signed with key 'k1'");
    clock.Advance(absl::Minutes(11));
    ExpectRefused(rotated->Fetch(request), "cursor expired at");
  }
}

TEST_SUITE("requests refused by Paginator") {
  TEST_CASE("bad collection, unknown index, invalid filter or fields") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 5);
    auto paginator = MakePaginator(store.get(), {.max_fields = 2});
    ExpectRefused(paginator->Fetch({.collection = "bad name"}), "");
    ExpectRefused(paginator->Fetch({.collection = "campaigns", .index = "nope"}),
                  "collection 'campaigns' has no index 'nope'");
    ExpectRefused(paginator->Fetch({.collection = "campaigns",
                                    .filter = {.all_of = {P("/a", PredicateOp::kLt, {IndexValue::Null()})}}}),
                  "filter predicate 0");
    ExpectRefused(paginator->Fetch({.collection = "campaigns", .fields = {"name"}}), "field 0");
    ExpectRefused(paginator->Fetch({.collection = "campaigns", .fields = {"/a", "/b", "/c"}}),
                  "the fieldset names 3 fields; the limit is 2");
  }
}

// ---- sparse fieldsets ------------------------------------------------------

std::string Project(std::string_view body, std::vector<std::string> fields) {
  absl::StatusOr<internal::FieldProjection> projection = internal::FieldProjection::Create(fields, 64);
  REQUIRE_MESSAGE(projection.ok(), Message(projection.status()));
  absl::StatusOr<Json> out = projection->Apply(Json::Parse(body).value());
  REQUIRE_MESSAGE(out.ok(), Message(out.status()));
  return std::string(out->text());
}

TEST_SUITE("projection") {
  TEST_CASE("keeps the named fields in the order named and omits absent ones") {
    CHECK(Project(R"({"id":1,"status":"live","name":"spring","x":[1]})", {"/name", "/status", "/nope"}) ==
          R"({"name":"spring","status":"live"})");
    CHECK(Project(R"({"a":1})", {"/b"}) == "{}");
  }

  TEST_CASE("nested pointers build nested objects") {
    CHECK(Project(R"({"schedule":{"start":5,"end":9,"tz":"UTC"},"name":"n"})",
                  {"/schedule/end", "/name", "/schedule/start"}) ==
          R"({"schedule":{"end":9,"start":5},"name":"n"})");
    CHECK(Project(R"({"a":{"b":{"c":1,"d":2}}})", {"/a/b/d"}) == R"({"a":{"b":{"d":2}}})");
  }

  TEST_CASE("a shorter pointer covers a longer one") {
    const std::string body = R"({"schedule":{"start":5,"end":9},"name":"n"})";
    CHECK(Project(body, {"/schedule/start", "/schedule"}) == R"({"schedule":{"start":5,"end":9}})");
    CHECK(Project(body, {"/schedule", "/schedule/start"}) == R"({"schedule":{"start":5,"end":9}})");
  }

  TEST_CASE("objects left empty and paths through scalars are omitted") {
    CHECK(Project(R"({"a":{}})", {"/a/b"}) == "{}");
    CHECK(Project(R"({"a":5})", {"/a/b"}) == "{}");
    CHECK(Project(R"({"a":"{\"b\":1}"})", {"/a/b"}) == "{}");
    CHECK(Project("5", {"/a"}) == "{}");
  }

  TEST_CASE("array elements are selected by index and keyed by it") {
    const std::string body = R"({"tags":["a",{"k":"b"},"c"]})";
    CHECK(Project(body, {"/tags/2", "/tags/0"}) == R"({"tags":{"2":"c","0":"a"}})");
    CHECK(Project(body, {"/tags/1/k"}) == R"({"tags":{"1":{"k":"b"}}})");
    CHECK(Project(body, {"/tags/01", "/tags/-", "/tags/3"}) == "{}");
    CHECK(Project("[10,20]", {"/1"}) == R"({"1":20})");
  }

  TEST_CASE("values are copied byte for byte") {
    CHECK(Project(R"({"n":123456789012345678901234567890,"f":1.50,"e":-0,"s":"a\u00e9\n"})",
                  {"/n", "/f", "/e", "/s"}) ==
          R"({"n":123456789012345678901234567890,"f":1.50,"e":-0,"s":"a\u00e9\n"})");
  }

  TEST_CASE("skips strings holding brackets, quotes and escapes") {
    CHECK(Project(R"({"x":"}]\"{\\","y":[{"z":"]"},"{"],"w":{"q":"}"},"v":1})", {"/v", "/w/q"}) ==
          R"({"v":1,"w":{"q":"}"}})");
  }

  TEST_CASE("matches escaped keys and escapes its own") {
    const std::string body = R"({"caf\u00e9":1,"a/b":2,"m~n":3,"q\"":4,"\ud83d\ude00":5,"t\t":6})";
    CHECK(Project(body, {"/café", "/a~1b", "/m~0n", "/q\"", "/\xf0\x9f\x98\x80", "/t\t"}) ==
          "{\"caf\xc3\xa9\":1,\"a/b\":2,\"m~n\":3,\"q\\\"\":4,\"\xf0\x9f\x98\x80\":5,\"t\\t\":6}");
  }

  TEST_CASE("the last of duplicate keys counts") {
    CHECK(Project(R"({"a":1,"b":0,"a":{"c":2}})", {"/a"}) == R"({"a":{"c":2}})");
    CHECK(Project(R"({"a":{"c":1},"a":{"d":2}})", {"/a/c"}) == "{}");
  }

  TEST_CASE("the empty key is a key like any other") {
    CHECK(Project(R"({"":1,"a":2})", {"/"}) == R"({"":1})");
  }

  TEST_CASE("refuses the whole-body pointer, malformed pointers and too many fields") {
    CHECK(absl::IsInvalidArgument(internal::FieldProjection::Create({""}, 64).status()));
    CHECK(absl::IsInvalidArgument(internal::FieldProjection::Create({"a"}, 64).status()));
    CHECK(absl::IsInvalidArgument(internal::FieldProjection::Create({"/a~2"}, 64).status()));
    CHECK(absl::IsInvalidArgument(internal::FieldProjection::Create({"/\xff"}, 64).status()));
    CHECK(absl::IsInvalidArgument(
        internal::FieldProjection::Create(std::vector<std::string>(65, "/a"), 64).status()));
    CHECK(internal::FieldProjection::Create(std::vector<std::string>(64, "/a"), 64).ok());
  }

  TEST_CASE("pages project their items, and the fieldset may change between pages") {
    auto store = OpenStore(Indexes("campaigns"));
    Fill(*store, "campaigns", 20);
    auto paginator = MakePaginator(store.get());
    PageRequest request{.collection = "campaigns", .index = "by_start", .limit = 10,
                        .fields = {"/name", "/status"}};
    Page page = Fetch(*paginator, request);
    REQUIRE(page.items.size() == 10);
    CHECK(page.items[3].id == Id(3));
    CHECK(page.items[3].body.text() == R"({"name":"n3","status":"live"})");
    request.fields.clear();
    request.after = *page.next;
    page = Fetch(*paginator, request);
    REQUIRE(page.items.size() == 10);
    CHECK(page.items[0].body.text() == R"({"name":"n10","priority":10,"status":"draft","start":10})");
  }
}

}  // namespace
}  // namespace marquee
