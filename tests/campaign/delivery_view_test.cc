// DeliveryView: the initial load, changes followed from the feed, changes
// made during the load, segment re-resolution, reload after falling behind
// the store's history, and concurrent readers while it updates.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

std::unique_ptr<MemoryStore> OpenStore(MemoryStoreOptions options = {}) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

uint64_t Put(Store& store, std::string_view collection, std::string_view id,
             std::string_view body) {
  absl::StatusOr<Json> json = Json::Parse(body);
  REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  WriteBatch batch;
  batch.Put(std::string(collection), std::string(id), *json);
  absl::StatusOr<uint64_t> v = store.Write(batch);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *v;
}

uint64_t Erase(Store& store, std::string_view collection, std::string_view id) {
  WriteBatch batch;
  batch.Erase(std::string(collection), std::string(id));
  absl::StatusOr<uint64_t> v = store.Write(batch);
  REQUIRE(v.ok());
  return *v;
}

std::string CampaignBody(const std::string& status, int priority, const std::string& extra = "") {
  return absl::StrCat(R"({"name":"c","status":")", status, R"(","priority":)", priority,
                      R"(,"variants":[{"key":"a","weight":1}])", extra, "}");
}

std::unique_ptr<DeliveryView> OpenView(Store* store, DeliveryViewOptions options = {}) {
  absl::StatusOr<std::unique_ptr<DeliveryView>> view = DeliveryView::Open(store, options);
  REQUIRE_MESSAGE(view.ok(), view.status().ToString());
  return *std::move(view);
}

std::vector<std::string> Ids(const DeliverySnapshot& snap) {
  std::vector<std::string> ids;
  for (const auto& e : snap.campaigns) ids.push_back(e->campaign.id);
  return ids;
}

// What the view must serve, computed from the store: id -> priority of
// every scheduled or live campaign.
std::map<std::string, int64_t> Expected(const Store& store) {
  std::map<std::string, int64_t> out;
  ScanRequest request{.collection = std::string(kCampaignsCollection), .limit = 1000};
  absl::StatusOr<ScanResult> page = store.Scan(request);
  REQUIRE(page.ok());
  REQUIRE_FALSE(page->more);
  for (const Record& r : page->records) {
    absl::StatusOr<Campaign> c = CampaignFromJson(r.id, r.body);
    REQUIRE(c.ok());
    if (c->status == CampaignStatus::kLive || c->status == CampaignStatus::kScheduled) {
      out[r.id] = c->priority;
    }
  }
  return out;
}

std::map<std::string, int64_t> Served(const DeliverySnapshot& snap) {
  std::map<std::string, int64_t> out;
  for (const auto& e : snap.campaigns) out[e->campaign.id] = e->campaign.priority;
  return out;
}

TEST_CASE("Open rejects bad options") {
  CHECK(absl::IsInvalidArgument(DeliveryView::Open(nullptr).status()));
  auto store = OpenStore();
  CHECK(absl::IsInvalidArgument(DeliveryView::Open(store.get(), {.scan_page = 0}).status()));
  CHECK(absl::IsInvalidArgument(
      DeliveryView::Open(store.get(), {.max_queued_changes = 0}).status()));
}

TEST_CASE("initial load keeps servable campaigns in priority order and holds the rest") {
  auto store = OpenStore();
  Put(*store, kCampaignsCollection, "b", CampaignBody("live", 5));
  Put(*store, kCampaignsCollection, "a", CampaignBody("scheduled", 5));
  Put(*store, kCampaignsCollection, "top", CampaignBody("live", 9, R"(,"placements":["hero"])"));
  Put(*store, kCampaignsCollection, "p", CampaignBody("paused", 50));
  Put(*store, kCampaignsCollection, "d", CampaignBody("draft", 50));
  Put(*store, kCampaignsCollection, "bad", R"({"name":"x","status":"live"})");
  Put(*store, kSegmentsCollection, "vip", R"({"name":"VIP","condition":{"tier":"vip"}})");
  Put(*store, kFeaturesCollection, "dark", R"({"defaultValue":true})");
  Put(*store, kFeaturesCollection, "broken", R"({"rules":[{"coverage":"x"}]})");
  auto view = OpenView(store.get());
  auto snap = view->snapshot();
  REQUIRE(snap != nullptr);
  CHECK(snap->version == store->CurrentVersion());
  CHECK(Ids(*snap) == std::vector<std::string>{"top", "a", "b"});
  REQUIRE(snap->held.size() == 3);
  CHECK(snap->held.at("p").reason == "status paused");
  CHECK(snap->held.at("d").reason == "status draft");
  CHECK(snap->held.at("bad").reason.find("invalid record") == 0);
  CHECK(snap->segments.count("vip") == 1);
  CHECK(snap->features->size() == 1);
  CHECK(snap->invalid_features.count("broken") == 1);
  // Placement index: "hero" has top; no campaign-less placement list.
  REQUIRE(snap->by_placement.count("hero") == 1);
  CHECK(snap->by_placement.at("hero") == std::vector<uint32_t>{0, 1, 2});
  CHECK(snap->any_placement == std::vector<uint32_t>{1, 2});
}

TEST_CASE("changes are applied and published") {
  auto store = OpenStore();
  Put(*store, kCampaignsCollection, "a", CampaignBody("live", 1));
  auto view = OpenView(store.get());
  Put(*store, kCampaignsCollection, "b", CampaignBody("live", 2));
  uint64_t v = Put(*store, kCampaignsCollection, "a", CampaignBody("live", 3));
  REQUIRE(view->WaitForVersion(v, absl::Seconds(10)).ok());
  CHECK(Ids(*view->snapshot()) == std::vector<std::string>{"a", "b"});
  CHECK(view->version() >= v);

  v = Put(*store, kCampaignsCollection, "a", CampaignBody("paused", 3));
  REQUIRE(view->WaitForVersion(v, absl::Seconds(10)).ok());
  CHECK(Ids(*view->snapshot()) == std::vector<std::string>{"b"});
  CHECK(view->snapshot()->held.count("a") == 1);

  v = Erase(*store, kCampaignsCollection, "a");
  Put(*store, kFeaturesCollection, "f", R"({"defaultValue":1})");
  v = Erase(*store, kCampaignsCollection, "b");
  REQUIRE(view->WaitForVersion(v, absl::Seconds(10)).ok());
  auto snap = view->snapshot();
  CHECK(snap->campaigns.empty());
  CHECK(snap->held.empty());
  CHECK(snap->features->size() == 1);
  CHECK(view->stats().changes_applied >= 5);
}

TEST_CASE("a batch is published whole") {
  auto store = OpenStore();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> torn{0};
  std::atomic<uint64_t> looks{0};
  auto view = OpenView(store.get());
  // Every batch puts x and y with the same priority: a reader must never
  // see them differ.
  std::thread reader([&] {
    while (!stop.load()) {
      auto snap = view->snapshot();
      std::map<std::string, int64_t> served = Served(*snap);
      if (served.size() == 2 && served["x"] != served["y"]) torn.fetch_add(1);
      if (served.size() == 1) torn.fetch_add(1);
      looks.fetch_add(1);
    }
  });
  while (looks.load() < 3) std::this_thread::yield();
  uint64_t v = 0;
  for (int i = 0; i < 300; ++i) {
    WriteBatch batch;
    batch.Put("campaigns", "x", *Json::Parse(CampaignBody("live", i)));
    batch.Put("campaigns", "y", *Json::Parse(CampaignBody("live", i)));
    absl::StatusOr<uint64_t> written = store->Write(batch);
    REQUIRE(written.ok());
    v = *written;
  }
  REQUIRE(view->WaitForVersion(v, absl::Seconds(10)).ok());
  stop = true;
  reader.join();
  CHECK(torn.load() == 0);
  CHECK(Served(*view->snapshot()) == std::map<std::string, int64_t>{{"x", 299}, {"y", 299}});
}

TEST_CASE("a segment change re-resolves only the campaigns naming it") {
  auto store = OpenStore();
  Put(*store, kCampaignsCollection, "uses",
      CampaignBody("live", 1, R"(,"targeting":{"segments":["vip"]})"));
  Put(*store, kCampaignsCollection, "other", CampaignBody("live", 0));
  auto view = OpenView(store.get());
  auto snap = view->snapshot();
  REQUIRE(snap->campaigns.size() == 2);
  CHECK(snap->campaigns[0]->missing_segment == "vip");
  CHECK(snap->campaigns[0]->segments[0].condition == nullptr);
  const DeliveryEntry* other_before = snap->campaigns[1].get();

  uint64_t v = Put(*store, kSegmentsCollection, "vip", R"({"name":"VIP","condition":{"tier":"vip"}})");
  REQUIRE(view->WaitForVersion(v, absl::Seconds(10)).ok());
  snap = view->snapshot();
  const DeliveryEntry& uses = *snap->campaigns[0];
  CHECK(uses.missing_segment.empty());
  REQUIRE(uses.segments[0].condition != nullptr);
  CHECK(uses.segments[0].condition->Evaluate(*Value::Parse(R"({"tier":"vip"})")));
  CHECK(snap->campaigns[1].get() == other_before);  // untouched entry is shared

  v = Put(*store, kSegmentsCollection, "vip", R"({"name":"VIP","condition":{"tier":"gold"}})");
  REQUIRE(view->WaitForVersion(v, absl::Seconds(10)).ok());
  snap = view->snapshot();
  CHECK_FALSE(snap->campaigns[0]->segments[0].condition->Evaluate(*Value::Parse(R"({"tier":"vip"})")));
  CHECK(snap->campaigns[0]->segments[0].condition->Evaluate(*Value::Parse(R"({"tier":"gold"})")));

  v = Erase(*store, kSegmentsCollection, "vip");
  REQUIRE(view->WaitForVersion(v, absl::Seconds(10)).ok());
  CHECK(view->snapshot()->campaigns[0]->missing_segment == "vip");
}

// Random campaign writes on another thread while views open.
void RandomWrites(Store& store, std::atomic<bool>& stop, uint32_t seed) {
  std::mt19937 rng(seed);
  while (!stop.load()) {
    const std::string id = absl::StrCat("c", rng() % 40);
    WriteBatch batch;
    switch (rng() % 4) {
      case 0: batch.Erase("campaigns", id); break;
      case 1: batch.Put("campaigns", id, *Json::Parse(CampaignBody("paused", 1))); break;
      default:
        batch.Put("campaigns", id, *Json::Parse(CampaignBody("live", static_cast<int>(rng() % 100))));
    }
    REQUIRE(store.Write(batch).ok());
  }
}

TEST_CASE("a change committed during the initial load is never lost") {
  auto store = OpenStore();
  std::atomic<bool> stop{false};
  std::thread writer([&] { RandomWrites(*store, stop, 7); });
  std::vector<std::unique_ptr<DeliveryView>> views;
  // Small scan pages make each load span many commits; keep opening until
  // enough loads overlapped writes (the store moved while Open ran).
  int overlapped = 0;
  for (int i = 0; i < 500 && overlapped < 10; ++i) {
    const uint64_t before = store->CurrentVersion();
    views.push_back(OpenView(store.get(), {.scan_page = 3}));
    if (store->CurrentVersion() > before) ++overlapped;
  }
  stop = true;
  writer.join();
  CHECK(overlapped == 10);
  const uint64_t last = store->CurrentVersion();
  const std::map<std::string, int64_t> expected = Expected(*store);
  for (auto& view : views) {
    REQUIRE(view->WaitForVersion(last, absl::Seconds(30)).ok());
    CHECK(Served(*view->snapshot()) == expected);
  }
}

TEST_CASE("a view that falls behind the store's history reloads") {
  auto store = OpenStore({.watch_history = 4});
  Put(*store, kCampaignsCollection, "seed", CampaignBody("live", 1));
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<int> calls{0};
  // The view's thread blocks on its first change until released; with a
  // queue of 1 the store's watch thread then waits too and the store
  // discards the history it needs.
  auto view = OpenView(store.get(), {.on_change =
                                         [&](const Change&) {
                                           if (calls.fetch_add(1) == 0) opened.wait();
                                         },
                                     .max_queued_changes = 1});
  for (int i = 0; i < 30; ++i) {
    Put(*store, kCampaignsCollection, absl::StrCat("c", i), CampaignBody("live", i));
  }
  Erase(*store, kCampaignsCollection, "seed");
  gate.set_value();
  const uint64_t last = Put(*store, kCampaignsCollection, "c0", CampaignBody("paused", 0));
  REQUIRE(view->WaitForVersion(last, absl::Seconds(30)).ok());
  CHECK(view->stats().reloads >= 1);
  CHECK(Served(*view->snapshot()) == Expected(*store));
}

TEST_CASE("WaitForVersion times out on a version not yet written") {
  auto store = OpenStore();
  auto view = OpenView(store.get());
  CHECK(absl::IsDeadlineExceeded(
      view->WaitForVersion(store->CurrentVersion() + 1, absl::Milliseconds(20))));
}

TEST_CASE("concurrent readers during updates" * doctest::test_suite("concurrent")) {
  auto store = OpenStore();
  Put(*store, kSegmentsCollection, "s", R"({"name":"S","condition":{"a":1}})");
  auto view = OpenView(store.get());
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> readers;
  const Value attrs = *Value::Parse(R"({"a":1})");
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto snap = view->snapshot();
        for (const auto& e : snap->campaigns) {
          bool ok = e->condition.Evaluate(attrs);
          for (const auto& s : e->segments) ok = ok && s.condition != nullptr && s.condition->Evaluate(attrs);
          (void)ok;
        }
        reads.fetch_add(1);
      }
    });
  }
  // Updates start once the readers run, so they overlap.
  while (reads.load() < 3) std::this_thread::yield();
  uint64_t v = 0;
  for (int i = 0; i < 200; ++i) {
    v = Put(*store, kCampaignsCollection, absl::StrCat("c", i % 20),
            CampaignBody("live", i, R"(,"targeting":{"condition":{"a":1},"segments":["s"]})"));
    if (i % 50 == 0) Put(*store, kSegmentsCollection, "s", R"({"name":"S","condition":{"a":1}})");
  }
  REQUIRE(view->WaitForVersion(v, absl::Seconds(30)).ok());
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(view->snapshot()->campaigns.size() == 20);
}

}  // namespace
}  // namespace marquee::campaign
