// Events and their aggregates (events.h): validation naming the field,
// reading JSON events, aggregates equal to a brute-force count of a random
// workload across minute, hour and UTC day boundaries, back-pressure with
// a stalled store, Flush and the destructor, a failing store losing
// nothing, and two ingestors adding up exactly on one store.
#include <doctest/doctest.h>

#include <cmath>
#include <condition_variable>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/events.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

// 2026-03-01T23:58:00Z: two minutes before a UTC day boundary.
const absl::Time kNow = absl::FromUnixSeconds(1772409480);

std::unique_ptr<MemoryStore> OpenStore() {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  REQUIRE(PrepareCampaignStore(**store).ok());
  return *std::move(store);
}

Event MakeEvent(EventType type, std::string campaign, std::string variant, absl::Time time,
                double value = 0) {
  return {.type = type, .campaign = std::move(campaign), .variant = std::move(variant),
          .user = "user-marker-7f3", .time = time, .value = value};
}

// Works for std::string_view, absl::string_view (Status messages) and std::string.
template <typename Text>
bool Contains(const Text& haystack, std::string_view needle) {
  return std::string_view(haystack.data(), haystack.size()).find(needle) != std::string_view::npos;
}

// Every event_aggregates record, in id order.
std::vector<Record> AllAggregates(const Store& store) {
  std::vector<Record> out;
  ScanRequest request{.collection = std::string(kEventAggregatesCollection), .limit = 500};
  while (true) {
    absl::StatusOr<ScanResult> page = store.Scan(request);
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    out.insert(out.end(), page->records.begin(), page->records.end());
    if (!page->more || !page->end) return out;
    request.after = page->end;
  }
}

// (count, valueSum) of one aggregate record; (0, 0) when absent.
std::pair<int64_t, double> ReadAggregate(const Store& store, const std::string& id) {
  absl::StatusOr<Record> r = store.Get(kEventAggregatesCollection, id);
  if (absl::IsNotFound(r.status())) return {0, 0};
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  absl::StatusOr<IndexValue> count = ValueAt(r->body, "/count");
  absl::StatusOr<IndexValue> sum = ValueAt(r->body, "/valueSum");
  REQUIRE(count.ok());
  REQUIRE(sum.ok());
  return {static_cast<int64_t>(count->number()), sum->number()};
}

// A Store that forwards to another, whose writes can be held (a stalled
// disk) or made to fail (a store that refuses writes).
class ControlledStore final : public Store {
 public:
  explicit ControlledStore(Store* inner) : inner_(inner) {}

  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Runs `f` (outside any lock) at the start of the next Write, as another
  // writer racing it would.
  void BeforeNextWrite(std::function<void()> f) {
    std::lock_guard lock(mu_);
    before_write_ = std::move(f);
  }
  void FailWrites(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }
  // Blocks until a write is waiting behind Hold().
  void WaitForHeldWrite() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_ > 0; });
  }

  absl::Status DefineIndex(const IndexSpec& spec) override { return inner_->DefineIndex(spec); }
  std::vector<IndexSpec> Indexes(std::string_view c) const override { return inner_->Indexes(c); }
  absl::StatusOr<Record> Get(std::string_view c, std::string_view id) const override {
    return inner_->Get(c, id);
  }
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& o) override {
    std::function<void()> before;
    {
      std::lock_guard lock(mu_);
      before.swap(before_write_);
    }
    if (before) before();
    {
      std::unique_lock lock(mu_);
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !held_; });
      --waiting_;
      if (fail_) return absl::UnavailableError("disk on fire");
    }
    return inner_->Write(batch, o);
  }
  absl::StatusOr<ScanResult> Scan(const ScanRequest& r) const override { return inner_->Scan(r); }
  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after, WatchHandler h) override {
    return inner_->Watch(after, std::move(h));
  }
  uint64_t CurrentVersion() const override { return inner_->CurrentVersion(); }

 private:
  Store* inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  bool fail_ = false;
  int waiting_ = 0;
  std::function<void()> before_write_;
};

std::unique_ptr<EventIngestor> OpenIngestor(Store* store, ManualClock* clock,
                                            EventIngestorOptions options = {}) {
  options.clock = clock;
  absl::StatusOr<std::unique_ptr<EventIngestor>> ingestor = EventIngestor::Open(store, options);
  REQUIRE_MESSAGE(ingestor.ok(), ingestor.status().ToString());
  return *std::move(ingestor);
}

TEST_SUITE("campaign.events") {
  TEST_CASE("type and bucket names round trip and unknown names are errors") {
    for (EventType t : {EventType::kImpression, EventType::kClick, EventType::kConversion,
                        EventType::kCustom}) {
      CHECK(*ParseEventType(EventTypeName(t)) == t);
    }
    CHECK(EventTypeName(EventType::kConversion) == "conversion");
    for (Bucket b : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) CHECK(*ParseBucket(BucketName(b)) == b);
    CHECK(absl::IsInvalidArgument(ParseEventType("view").status()));
    CHECK(Contains(ParseEventType("view").status().message(), "\"view\""));
    CHECK(absl::IsInvalidArgument(ParseBucket("week").status()));
  }

  TEST_CASE("buckets start on UTC boundaries, also before 1970") {
    const absl::Time t = absl::FromUnixSeconds(1772409480 + 125);  // 2026-03-02T00:00:05Z
    CHECK(BucketStart(t, Bucket::kMinute) == absl::FromUnixSeconds(1772409600));
    CHECK(BucketStart(t, Bucket::kHour) == absl::FromUnixSeconds(1772409600));
    CHECK(BucketStart(t, Bucket::kDay) == absl::FromUnixSeconds(1772409600));
    CHECK(BucketStart(t - absl::Seconds(6), Bucket::kDay) == absl::FromUnixSeconds(1772323200));
    CHECK(BucketStart(absl::FromUnixSeconds(-1), Bucket::kMinute) == absl::FromUnixSeconds(-60));
    CHECK(BucketStart(absl::FromUnixMillis(-1), Bucket::kHour) == absl::FromUnixSeconds(-3600));
    CHECK(BucketSeconds(Bucket::kDay) == 86400);
  }

  TEST_CASE("ValidateEvent names the field that is wrong") {
    const Event good = MakeEvent(EventType::kClick, "spring", "b", kNow);
    CHECK(ValidateEvent(good).ok());
    struct Case {
      Event event;
      std::string message;
    };
    std::vector<Case> cases;
    auto with = [&](auto edit, std::string message) {
      Event e = good;
      edit(e);
      cases.push_back({e, std::move(message)});
    };
    with([](Event& e) { e.campaign = ""; }, "campaign: empty");
    with([](Event& e) { e.variant = "a|b"; }, "variant: contains '|'");
    with([](Event& e) { e.campaign = "x\ny"; }, "campaign: contains a control character");
    with([](Event& e) { e.campaign = std::string(129, 'c'); }, "campaign: 129 bytes; the limit is 128");
    with([](Event& e) { e.variant = "\xff"; }, "variant: not valid UTF-8");
    with([](Event& e) { e.user = std::string(513, 'u'); }, "user: 513 bytes");
    with([](Event& e) { e.user = "a\tb"; }, "user: contains a control character");
    with([](Event& e) { e.time = absl::InfiniteFuture(); }, "time: must be finite");
    with([](Event& e) { e.value = std::nan(""); }, "value: must be a finite number");
    with([](Event& e) { e.value = std::numeric_limits<double>::infinity(); }, "value: must be");
    with([](Event& e) { e.type = static_cast<EventType>(9); }, "type:");
    for (const Case& c : cases) {
      absl::Status s = ValidateEvent(c.event);
      CHECK_MESSAGE(absl::IsInvalidArgument(s), c.message);
      CHECK_MESSAGE(Contains(s.message(), c.message), s.message(), " lacks ", c.message);
    }
    Event anonymous = good;
    anonymous.user = "";
    CHECK(ValidateEvent(anonymous).ok());
  }

  TEST_CASE("EventFromJson reads an event and names a bad field") {
    absl::StatusOr<Event> e = EventFromJson(*Json::Parse(
        R"({"type":"conversion","campaign":"spring","variant":"b","user":"u42",)"
        R"("time":"2026-03-01T10:00:00+01:00","value":12.5,"extra":true})"));
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    CHECK(e->type == EventType::kConversion);
    CHECK(e->campaign == "spring");
    CHECK(e->variant == "b");
    CHECK(e->user == "u42");
    CHECK(e->time == absl::FromUnixSeconds(1772355600));  // 09:00Z
    CHECK(e->value == 12.5);
    absl::StatusOr<Event> minimal = EventFromJson(*Json::Parse(
        R"({"type":"impression","campaign":"c","variant":"v","time":"2026-03-01T09:00:00Z"})"));
    REQUIRE(minimal.ok());
    CHECK(minimal->user.empty());
    CHECK(minimal->value == 0);

    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"([])", "event: expected an object, got array"},
        {R"({"campaign":"c","variant":"v","time":"2026-03-01T09:00:00Z"})", "type: missing"},
        {R"({"type":"view","campaign":"c","variant":"v","time":"2026-03-01T09:00:00Z"})",
         "type: unknown event type \"view\""},
        {R"({"type":"click","campaign":7,"variant":"v","time":"2026-03-01T09:00:00Z"})",
         "campaign: expected a string, got number"},
        {R"({"type":"click","campaign":"c","time":"2026-03-01T09:00:00Z"})", "variant: missing"},
        {R"({"type":"click","campaign":"c","variant":"v","time":"yesterday"})",
         "time: not an RFC 3339 time"},
        {R"({"type":"click","campaign":"c","variant":"v","time":"2026-03-01T09:00:00"})",
         "time: not an RFC 3339 time"},
        {R"({"type":"click","campaign":"c","variant":"v","time":1772355600000})",
         "time: expected a string, got number"},
        {R"({"type":"click","campaign":"c","variant":"v","time":"2026-03-01T09:00:00Z","value":"3"})",
         "value: expected a number, got string"},
        {R"({"type":"click","campaign":"c|d","variant":"v","time":"2026-03-01T09:00:00Z"})",
         "campaign: contains '|'"},
    };
    for (const auto& [text, message] : bad) {
      absl::StatusOr<Event> r = EventFromJson(*Json::Parse(text));
      CHECK_MESSAGE(absl::IsInvalidArgument(r.status()), text);
      CHECK_MESSAGE(Contains(r.status().message(), message), r.status().message(), " lacks ",
                    message);
    }
  }

  TEST_CASE("EventsFromJson names the index of a bad event and bounds the batch") {
    const std::string one = R"({"type":"click","campaign":"c","variant":"v","time":"2026-03-01T09:00:00Z"})";
    absl::StatusOr<std::vector<Event>> ok = EventsFromJson(*Json::Parse("[" + one + "," + one + "]"));
    REQUIRE(ok.ok());
    CHECK(ok->size() == 2);
    absl::StatusOr<std::vector<Event>> bad =
        EventsFromJson(*Json::Parse("[" + one + R"(,{"type":"click"}])"));
    CHECK(absl::IsInvalidArgument(bad.status()));
    CHECK(Contains(bad.status().message(), "[1].campaign: missing"));
    CHECK(Contains(EventsFromJson(*Json::Parse("{}")).status().message(),
                   "events: expected an array"));
    absl::StatusOr<std::vector<Event>> too_many =
        EventsFromJson(*Json::Parse("[" + one + "," + one + "," + one + "]"), 2);
    CHECK(absl::IsInvalidArgument(too_many.status()));
    CHECK(Contains(too_many.status().message(), "3 events; the limit is 2"));
  }

  TEST_CASE("Open rejects a null store and options out of range naming them") {
    auto store = OpenStore();
    CHECK(absl::IsInvalidArgument(EventIngestor::Open(nullptr).status()));
    const std::vector<std::pair<EventIngestorOptions, std::string>> bad = {
        {{.queue_capacity = 0}, "queue_capacity"},
        {{.flush_interval = absl::ZeroDuration()}, "flush_interval"},
        {{.max_records_per_write = 0}, "max_records_per_write"},
        {{.max_write_attempts = 0}, "max_write_attempts"},
        {{.max_event_age = absl::InfiniteDuration()}, "max_event_age"},
        {{.max_event_lead = -absl::Seconds(1)}, "max_event_lead"},
    };
    for (const auto& [options, field] : bad) {
      absl::Status s = EventIngestor::Open(store.get(), options).status();
      CHECK_MESSAGE(absl::IsInvalidArgument(s), field);
      CHECK_MESSAGE(Contains(s.message(), field), s.message());
    }
  }

  TEST_CASE("a batch with one bad event is refused whole and queues nothing") {
    auto store = OpenStore();
    ManualClock clock(kNow);
    auto ingestor = OpenIngestor(store.get(), &clock);
    std::vector<Event> batch = {MakeEvent(EventType::kClick, "c", "v", kNow),
                                MakeEvent(EventType::kClick, "c", "v", kNow),
                                MakeEvent(EventType::kClick, "c", "v", kNow + absl::Hours(25))};
    absl::Status s = ingestor->Ingest(batch);
    CHECK(absl::IsInvalidArgument(s));
    CHECK_MESSAGE(Contains(s.message(), "events[2].time: "), s.message());
    CHECK(Contains(s.message(), "max_event_lead"));
    batch[2] = MakeEvent(EventType::kClick, "c", "v", kNow - absl::Hours(24 * 31));
    s = ingestor->Ingest(batch);
    CHECK_MESSAGE(Contains(s.message(), "events[2].time: "), s.message());
    CHECK(Contains(s.message(), "max_event_age"));
    batch[2] = MakeEvent(EventType::kClick, "", "v", kNow);
    CHECK(Contains(ingestor->Ingest(batch).message(), "events[2].campaign: empty"));
    CHECK(ingestor->Ingest({}).ok());
    REQUIRE(ingestor->Flush().ok());
    CHECK(ingestor->stats().accepted_events == 0);
    CHECK(AllAggregates(*store).empty());
  }

  TEST_CASE("aggregates equal a brute-force count of a random workload") {
    auto store = OpenStore();
    ManualClock clock(kNow);
    // Small writes, so one round spans many store batches.
    auto ingestor = OpenIngestor(store.get(), &clock, {.max_records_per_write = 64});
    std::mt19937 rng(20260301);
    const std::vector<std::string> campaigns = {"spring", "summer", "été"};
    const std::vector<std::string> variants = {"control", "b"};
    // key: campaign|variant|type|bucket|start -> (count, sum)
    std::map<std::string, std::pair<int64_t, double>> expected;
    int64_t total = 0;
    for (int round = 0; round < 25; ++round) {
      std::vector<Event> batch(std::uniform_int_distribution<int>(1, 200)(rng));
      for (Event& e : batch) {
        // 3 days up to 2 hours after kNow: four UTC days, many hours.
        const int64_t back = std::uniform_int_distribution<int64_t>(0, 3 * 86400)(rng);
        e = MakeEvent(static_cast<EventType>(std::uniform_int_distribution<int>(0, 3)(rng)),
                      campaigns[rng() % campaigns.size()], variants[rng() % variants.size()],
                      kNow + absl::Hours(2) - absl::Seconds(back),
                      std::uniform_int_distribution<int>(0, 100)(rng));
        const int64_t t = absl::ToUnixSeconds(e.time);
        for (auto [bucket, size] : {std::pair<std::string, int64_t>{"minute", 60}, {"hour", 3600},
                                    {"day", 86400}}) {
          auto& [count, sum] = expected[absl::StrCat(e.campaign, "|", e.variant, "|",
                                                     std::string(EventTypeName(e.type)), "|", bucket, "|",
                                                     t - t % size)];
          ++count;
          sum += e.value;
        }
      }
      total += static_cast<int64_t>(batch.size());
      REQUIRE(ingestor->Ingest(batch).ok());
    }
    REQUIRE(ingestor->Flush().ok());
    const EventIngestorStats stats = ingestor->stats();
    CHECK(stats.accepted_events == static_cast<uint64_t>(total));
    CHECK(stats.written_events == static_cast<uint64_t>(total));
    CHECK(stats.pending_events == 0);

    std::map<std::string, std::pair<int64_t, double>> actual;
    for (const Record& r : AllAggregates(*store)) {
      actual[r.id] = ReadAggregate(*store, r.id);
      // The body repeats the key, and carries no user.
      CHECK(Contains(r.body.text(), "\"bucket\":"));
      CHECK_FALSE(Contains(r.body.text(), "user-marker-7f3"));
    }
    CHECK(actual.size() == expected.size());
    CHECK(actual == expected);
    // The workload spans several UTC days.
    std::set<std::string> days;
    for (const auto& [id, totals] : expected) {
      if (Contains(id, "|day|")) days.insert(id.substr(id.rfind('|')));
    }
    CHECK(days.size() >= 4);
  }

  TEST_CASE("an aggregate record has the documented layout") {
    auto store = OpenStore();
    ManualClock clock(kNow);
    auto ingestor = OpenIngestor(store.get(), &clock);
    const std::vector<Event> batch = {
        MakeEvent(EventType::kConversion, "spring", "b", kNow + absl::Seconds(130), 2.5),
        MakeEvent(EventType::kConversion, "spring", "b", kNow + absl::Seconds(190), 1)};
    REQUIRE(ingestor->Ingest(batch).ok());
    REQUIRE(ingestor->Flush().ok());
    absl::StatusOr<Record> r = store->Get("event_aggregates", "spring|b|conversion|hour|1772409600");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CHECK(r->body.text() ==
          R"({"campaign":"spring","variant":"b","type":"conversion","bucket":"hour",)"
          R"("start":1772409600,"count":2,"valueSum":3.5})");
    CHECK(store->Get("event_aggregates", "spring|b|conversion|minute|1772409600").ok());
    CHECK(store->Get("event_aggregates", "spring|b|conversion|day|1772409600").ok());
    CHECK(AllAggregates(*store).size() == 4);  // 2 minutes, 1 hour, 1 day
  }

  TEST_CASE("a full queue answers ResourceExhausted and nothing accepted is lost") {
    auto memory = OpenStore();
    ControlledStore store(memory.get());
    store.Hold();
    ManualClock clock(kNow);
    auto ingestor = OpenIngestor(&store, &clock,
                                 {.queue_capacity = 10, .flush_interval = absl::Milliseconds(1)});
    auto batch = [](int n) {
      return std::vector<Event>(n, MakeEvent(EventType::kImpression, "c", "v", kNow));
    };
    REQUIRE(ingestor->Ingest(batch(6)).ok());
    // The drainer has taken the 6 events and is stuck writing them: they
    // still count against the capacity.
    store.WaitForHeldWrite();
    absl::Status full = ingestor->Ingest(batch(5));
    CHECK(absl::IsResourceExhausted(full));
    CHECK_MESSAGE(Contains(full.message(), "event queue full: 6 pending, capacity 10"),
                  full.message());
    CHECK(ingestor->Ingest(batch(4)).ok());
    CHECK(absl::IsResourceExhausted(ingestor->Ingest(batch(1))));
    CHECK(absl::IsResourceExhausted(ingestor->Ingest(batch(11))));
    EventIngestorStats stats = ingestor->stats();
    CHECK(stats.accepted_events == 10);
    CHECK(stats.pending_events == 10);
    CHECK(stats.rejected_full_batches == 3);
    CHECK(stats.rejected_full_events == 17);
    store.Release();
    REQUIRE(ingestor->Flush().ok());
    CHECK(ReadAggregate(*memory, "c|v|impression|minute|1772409480").first == 10);
    CHECK(ReadAggregate(*memory, "c|v|impression|day|1772323200").first == 10);
    // Room again once written.
    CHECK(ingestor->Ingest(batch(10)).ok());
    REQUIRE(ingestor->Flush().ok());
    CHECK(ReadAggregate(*memory, "c|v|impression|hour|1772406000").first == 20);
    CHECK(ingestor->stats().pending_events == 0);
  }

  TEST_CASE("a failing store makes Flush report the error and loses nothing") {
    auto memory = OpenStore();
    ControlledStore store(memory.get());
    store.FailWrites(true);
    ManualClock clock(kNow);
    auto ingestor = OpenIngestor(&store, &clock, {.flush_interval = absl::Hours(1)});
    const std::vector<Event> batch(7, MakeEvent(EventType::kClick, "c", "v", kNow, 1));
    REQUIRE(ingestor->Ingest(batch).ok());
    absl::Status s = ingestor->Flush();
    CHECK(absl::IsUnavailable(s));
    CHECK(Contains(s.message(), "disk on fire"));
    EventIngestorStats stats = ingestor->stats();
    CHECK(stats.pending_events == 7);
    CHECK(stats.write_failures >= 1);
    CHECK(absl::IsUnavailable(stats.last_error));
    // More events while failing, then the store recovers: all counted once.
    REQUIRE(ingestor->Ingest(batch).ok());
    store.FailWrites(false);
    REQUIRE(ingestor->Flush().ok());
    CHECK(ReadAggregate(*memory, "c|v|click|minute|1772409480") == std::pair<int64_t, double>{14, 14});
    CHECK(ingestor->stats().pending_events == 0);
  }

  TEST_CASE("Flush writes everything accepted before it and the destructor flushes") {
    auto store = OpenStore();
    ManualClock clock(kNow);
    {
      // A flush interval far longer than the test: only Flush and the
      // destructor write.
      auto ingestor = OpenIngestor(store.get(), &clock, {.flush_interval = absl::Hours(1)});
      CHECK(ingestor->Flush().ok());  // nothing to write
      REQUIRE(ingestor->Ingest(std::vector<Event>(3, MakeEvent(EventType::kClick, "c", "v", kNow)))
                  .ok());
      REQUIRE(ingestor->Flush().ok());
      CHECK(ReadAggregate(*store, "c|v|click|minute|1772409480").first == 3);
      REQUIRE(ingestor->Ingest(std::vector<Event>(4, MakeEvent(EventType::kClick, "c", "v", kNow)))
                  .ok());
      CHECK(ingestor->stats().pending_events == 4);
    }
    CHECK(ReadAggregate(*store, "c|v|click|minute|1772409480").first == 7);
  }

  TEST_CASE("an idle ingestor writes a small batch within the flush interval" *
            doctest::test_suite("concurrent")) {
    auto store = OpenStore();
    ManualClock clock(kNow);
    auto ingestor = OpenIngestor(store.get(), &clock, {.flush_interval = absl::Milliseconds(20)});
    // Let the drainer find the queue empty and go idle first.
    absl::SleepFor(absl::Milliseconds(100));
    // One small batch into an idle queue, far below the half-full mark:
    // nothing but the interval may write it (the drainer used to sleep on
    // until a Flush or a half-full queue).
    REQUIRE(ingestor->Ingest(std::vector<Event>(2, MakeEvent(EventType::kClick, "c", "v", kNow))).ok());
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (ingestor->stats().written_events < 2 && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    CHECK(ingestor->stats().written_events == 2);
    CHECK(ReadAggregate(*store, "c|v|click|minute|1772409480").first == 2);
  }

  TEST_CASE("a write that loses its compare-and-set is retried and adds up") {
    auto memory = OpenStore();
    ControlledStore store(memory.get());
    // Another writer creates the record between the ingestor's read and its
    // write.
    store.BeforeNextWrite([&] {
      WriteBatch other;
      other.Put("event_aggregates", "c|v|click|minute|1772409480",
                *Json::Parse(R"({"campaign":"c","variant":"v","type":"click","bucket":"minute",)"
                             R"("start":1772409480,"count":100,"valueSum":50})"));
      CHECK(memory->Write(other).ok());
    });
    ManualClock clock(kNow);
    auto ingestor = OpenIngestor(&store, &clock, {.flush_interval = absl::Hours(1)});
    REQUIRE(ingestor->Ingest(std::vector<Event>(5, MakeEvent(EventType::kClick, "c", "v", kNow, 2)))
                .ok());
    REQUIRE(ingestor->Flush().ok());
    CHECK(ReadAggregate(*memory, "c|v|click|minute|1772409480") ==
          std::pair<int64_t, double>{105, 60});
    CHECK(ReadAggregate(*memory, "c|v|click|hour|1772406000").first == 5);
    CHECK(ingestor->stats().write_conflicts == 1);
  }

  TEST_CASE("two ingestors on one store add up exactly" * doctest::test_suite("concurrent")) {
    auto store = OpenStore();
    ManualClock clock(kNow);
    // Tiny intervals and writes: the two drainers keep colliding on the
    // same records and must retry their compare-and-set.
    const EventIngestorOptions options{.flush_interval = absl::Milliseconds(1),
                                       .max_records_per_write = 3,
                                       .max_write_attempts = 1000};
    auto first = OpenIngestor(store.get(), &clock, options);
    auto second = OpenIngestor(store.get(), &clock, options);
    constexpr int kBatches = 200;
    auto produce = [&](EventIngestor* ingestor, int seed) {
      std::mt19937 rng(seed);
      for (int i = 0; i < kBatches; ++i) {
        std::vector<Event> batch;
        for (int j = 0; j < 10; ++j) {
          batch.push_back(MakeEvent(j % 2 ? EventType::kClick : EventType::kImpression, "c",
                                    rng() % 2 ? "a" : "b", kNow - absl::Seconds(rng() % 180), 1));
        }
        CHECK(ingestor->Ingest(batch).ok());
      }
    };
    std::thread t1(produce, first.get(), 1);
    std::thread t2(produce, second.get(), 2);
    t1.join();
    t2.join();
    REQUIRE(first->Flush().ok());
    REQUIRE(second->Flush().ok());
    int64_t day_total = 0;
    double day_sum = 0;
    for (const char* variant : {"a", "b"}) {
      for (const char* type : {"impression", "click"}) {
        auto [count, sum] =
            ReadAggregate(*store, absl::StrCat("c|", variant, "|", type, "|day|1772323200"));
        day_total += count;
        day_sum += sum;
      }
    }
    CHECK(day_total == 2 * kBatches * 10);
    CHECK(day_sum == 2 * kBatches * 10);
    MESSAGE("compare-and-set retries: ",
            first->stats().write_conflicts + second->stats().write_conflicts);
  }
}

}  // namespace
}  // namespace marquee::campaign
