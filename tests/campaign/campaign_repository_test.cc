// CampaignRepository on a MemoryStore: create-only, stale updates, status
// transitions and schedule checks, segment references both ways, listing by
// status in priority order, deletes, weights, corrupt records, and
// concurrent updates of one campaign where exactly the non-stale ones win.
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/collections.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

// Shorthand: most cases here build many small documents.
constexpr auto& J = test::MustParseJson;

bool Contains(const absl::Status& s, std::string_view text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

Campaign MakeCampaign(std::string id, CampaignStatus status = CampaignStatus::kDraft,
                      int64_t priority = 0) {
  Campaign c;
  c.id = std::move(id);
  c.name = "Campaign " + c.id;
  c.status = status;
  c.priority = priority;
  c.variants = {{.key = "control", .weight = 0.5, .content = J(R"({"text":"a"})")},
                {.key = "treatment", .weight = 0.5, .content = J(R"({"text":"b"})")}};
  return c;
}

Segment MakeSegment(std::string id) {
  return {.id = std::move(id), .name = "VIP", .condition = *Value::Parse(R"({"tier":"vip"})")};
}

struct Fixture {
  ManualClock clock{absl::FromCivil(absl::CivilSecond(2026, 3, 1, 0, 0, 0), absl::UTCTimeZone())};
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<CampaignRepository> repo;

  Fixture() {
    absl::StatusOr<std::unique_ptr<MemoryStore>> s = OpenMemoryStore({.clock = &clock});
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = *std::move(s);
    absl::StatusOr<std::unique_ptr<CampaignRepository>> r =
        CampaignRepository::Open(store.get(), {.clock = &clock});
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    repo = *std::move(r);
  }

  Campaign Create(const Campaign& c) {
    absl::StatusOr<Campaign> created = repo->Create(c);
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    return *created;
  }
};

TEST_SUITE("campaign.repository") {
  TEST_CASE("Open checks its arguments and declares the domain's indexes") {
    CHECK(CampaignRepository::Open(nullptr).status().code() == absl::StatusCode::kInvalidArgument);
    Fixture f;
    CHECK(CampaignRepository::Open(f.store.get(), {.max_retries = 0}).status().message() ==
          "max_retries: must be within [1, 1000], got 0");
    bool has_by_status = false;
    for (const IndexSpec& spec : f.store->Indexes(kCampaignsCollection)) {
      has_by_status = has_by_status || spec.name == kCampaignsByStatusIndex;
    }
    CHECK(has_by_status);
  }

  TEST_CASE("create is create-only and Get returns what was stored") {
    Fixture f;
    const Campaign created = f.Create(MakeCampaign("spring"));
    CHECK(created.version > 0);
    absl::StatusOr<Campaign> got = f.repo->Get("spring");
    REQUIRE(got.ok());
    CHECK(*got == created);
    absl::StatusOr<Campaign> again = f.repo->Create(MakeCampaign("spring"));
    CHECK(again.status().code() == absl::StatusCode::kAlreadyExists);
    CHECK(again.status().message() == "campaign 'spring' already exists");
    CHECK(f.repo->Get("autumn").status().code() == absl::StatusCode::kNotFound);
    Campaign invalid = MakeCampaign("bad");
    invalid.variants[1].weight = 0.2;
    absl::StatusOr<Campaign> refused = f.repo->Create(invalid);
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(refused.status(), "variants: weights sum to 0.7"));
    CHECK(f.repo->Get("bad").status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("an update at a stale version is refused") {
    Fixture f;
    const Campaign v1 = f.Create(MakeCampaign("spring"));
    Campaign edit = v1;
    edit.name = "Spring, renamed";
    absl::StatusOr<Campaign> v2 = f.repo->Update(edit);
    REQUIRE_MESSAGE(v2.ok(), v2.status().ToString());
    CHECK(v2->version > v1.version);
    CHECK(f.repo->Get("spring")->name == "Spring, renamed");
    edit.name = "lost update";  // still at v1.version
    absl::StatusOr<Campaign> stale = f.repo->Update(edit);
    CHECK(stale.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(stale.status().message() ==
          "campaign 'spring' changed since version " + std::to_string(v1.version));
    CHECK(f.repo->Get("spring")->name == "Spring, renamed");
    edit.version = 0;
    CHECK(f.repo->Update(edit).status().code() == absl::StatusCode::kInvalidArgument);
    Campaign missing = MakeCampaign("nope");
    missing.version = 5;
    CHECK(f.repo->Update(missing).status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("status transitions go through the table") {
    Fixture f;
    const Campaign draft = f.Create(MakeCampaign("spring"));
    absl::StatusOr<Campaign> live = f.repo->SetStatus("spring", CampaignStatus::kLive, draft.version);
    REQUIRE_MESSAGE(live.ok(), live.status().ToString());
    CHECK(live->status == CampaignStatus::kLive);
    CHECK(f.repo->SetStatus("spring", CampaignStatus::kDraft).status().message() ==
          "campaign is live: cannot go draft");
    // Stale expected version.
    CHECK(f.repo->SetStatus("spring", CampaignStatus::kPaused, draft.version).status().code() ==
          absl::StatusCode::kFailedPrecondition);
    // Same status: a no-op that writes nothing.
    absl::StatusOr<Campaign> same = f.repo->SetStatus("spring", CampaignStatus::kLive);
    REQUIRE(same.ok());
    CHECK(same->version == live->version);
    absl::StatusOr<Campaign> ended = f.repo->SetStatus("spring", CampaignStatus::kEnded);
    REQUIRE(ended.ok());
    absl::StatusOr<Campaign> relive = f.repo->SetStatus("spring", CampaignStatus::kLive);
    CHECK(relive.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(relive.status().message() == "campaign is ended: cannot go live");
    // Update enforces the same table.
    Campaign edit = *ended;
    edit.status = CampaignStatus::kLive;
    CHECK(f.repo->Update(edit).status().message() == "campaign is ended: cannot go live");
    CHECK(f.repo->Get("spring")->status == CampaignStatus::kEnded);
    CHECK(f.repo->SetStatus("nope", CampaignStatus::kLive).status().code() ==
          absl::StatusCode::kNotFound);
  }

  TEST_CASE("a campaign whose schedule is over cannot be scheduled or go live") {
    Fixture f;
    Campaign c = MakeCampaign("past");
    c.schedule = {.start = absl::CivilSecond(2026, 2, 1, 0, 0, 0),
                  .end = absl::CivilSecond(2026, 2, 28, 0, 0, 0), .time_zone = "Europe/Paris"};
    const Campaign draft = f.Create(c);
    absl::StatusOr<Campaign> live = f.repo->SetStatus("past", CampaignStatus::kLive);
    CHECK(live.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Contains(live.status(), "schedule.end: the schedule ended at 2026-02-27T23:00:00+00:00"));
    c.id = "past-live";
    c.status = CampaignStatus::kLive;
    CHECK(f.repo->Create(c).status().code() == absl::StatusCode::kFailedPrecondition);
    // Moving the end into the future makes it schedulable.
    Campaign edit = draft;
    edit.schedule.end = absl::CivilSecond(2026, 4, 1, 0, 0, 0);
    edit.status = CampaignStatus::kScheduled;
    CHECK(f.repo->Update(edit).ok());
  }

  TEST_CASE("segment references are checked both ways") {
    Fixture f;
    Campaign c = MakeCampaign("vip-only");
    c.targeting.segments = {"vip"};
    absl::StatusOr<Campaign> refused = f.repo->Create(c);
    CHECK(refused.status().code() == absl::StatusCode::kNotFound);
    CHECK(refused.status().message() == "targeting.segments[0]: unknown segment 'vip'");

    absl::StatusOr<Segment> vip = f.repo->PutSegment(MakeSegment("vip"), 0);
    REQUIRE_MESSAGE(vip.ok(), vip.status().ToString());
    CHECK(f.repo->PutSegment(MakeSegment("vip"), 0).status().code() ==
          absl::StatusCode::kAlreadyExists);
    const Campaign created = f.Create(c);
    // Create rewrote the segment under its version (documented).
    absl::StatusOr<Segment> after = f.repo->GetSegment("vip");
    REQUIRE(after.ok());
    CHECK(after->version > vip->version);
    CHECK(after->condition == vip->condition);

    absl::Status in_use = f.repo->DeleteSegment("vip");
    CHECK(in_use.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(in_use.message() == "segment 'vip' is used by campaign 'vip-only'");
    // Dropping the reference frees it.
    Campaign edit = created;
    edit.targeting.segments.clear();
    REQUIRE(f.repo->Update(edit).ok());
    CHECK(f.repo->DeleteSegment("vip", vip->version).code() ==
          absl::StatusCode::kFailedPrecondition);  // stale version
    CHECK(f.repo->DeleteSegment("vip").ok());
    CHECK(f.repo->GetSegment("vip").status().code() == absl::StatusCode::kNotFound);
    CHECK(f.repo->DeleteSegment("vip").code() == absl::StatusCode::kNotFound);
    // Adding an unknown segment in an update is refused too.
    absl::StatusOr<Campaign> current = f.repo->Get("vip-only");
    REQUIRE(current.ok());
    edit = *current;
    edit.targeting.segments = {"vip"};
    CHECK(f.repo->Update(edit).status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("segments are validated and versioned") {
    Fixture f;
    Segment bad = MakeSegment("bad");
    bad.condition = *Value::Parse("[1]");
    CHECK(f.repo->PutSegment(bad).status().message() == "condition: expected an object, got array");
    absl::StatusOr<Segment> s1 = f.repo->PutSegment(MakeSegment("s"));
    REQUIRE(s1.ok());
    Segment renamed = *s1;
    renamed.name = "Renamed";
    absl::StatusOr<Segment> s2 = f.repo->PutSegment(renamed, s1->version);
    REQUIRE(s2.ok());
    CHECK(f.repo->PutSegment(renamed, s1->version).status().code() ==
          absl::StatusCode::kFailedPrecondition);
    absl::StatusOr<Segment> got = f.repo->GetSegment("s");
    REQUIRE(got.ok());
    CHECK(*got == *s2);
  }

  TEST_CASE("List by status is in priority order and pages without gaps") {
    Fixture f;
    const std::vector<std::pair<std::string, int64_t>> live = {
        {"a", 3}, {"b", 10}, {"c", -1}, {"d", 10}, {"e", 7}};
    for (const auto& [id, priority] : live) f.Create(MakeCampaign(id, CampaignStatus::kLive, priority));
    f.Create(MakeCampaign("f", CampaignStatus::kDraft, 100));
    f.Create(MakeCampaign("g", CampaignStatus::kPaused, 100));

    std::vector<std::string> order;
    CampaignListRequest request{.status = CampaignStatus::kLive, .limit = 2};
    for (int pages = 0; pages < 10; ++pages) {
      absl::StatusOr<CampaignPage> page = f.repo->List(request);
      REQUIRE_MESSAGE(page.ok(), page.status().ToString());
      CHECK(page->campaigns.size() <= 2);
      for (const Campaign& c : page->campaigns) {
        CHECK(c.status == CampaignStatus::kLive);
        CHECK(c.version > 0);
        order.push_back(c.id);
      }
      if (!page->next) break;
      request.after = page->next;
    }
    CHECK(order == std::vector<std::string>{"b", "d", "e", "a", "c"});

    absl::StatusOr<CampaignPage> all = f.repo->List({.limit = 100});
    REQUIRE(all.ok());
    std::vector<std::string> ids;
    for (const Campaign& c : all->campaigns) ids.push_back(c.id);
    CHECK(ids == std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g"});
    CHECK_FALSE(all->next.has_value());
    CHECK(f.repo->List({.limit = 0}).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(f.repo->List({.limit = 1001}).status().code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("only draft and ended campaigns can be deleted") {
    Fixture f;
    const Campaign draft = f.Create(MakeCampaign("draft"));
    f.Create(MakeCampaign("live", CampaignStatus::kLive));
    absl::Status refused = f.repo->Delete("live");
    CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(refused.message() ==
          "campaign 'live' is live: only draft or ended campaigns can be deleted (end it first)");
    REQUIRE(f.repo->SetStatus("live", CampaignStatus::kEnded).ok());
    CHECK(f.repo->Delete("live").ok());
    Campaign renamed = draft;
    renamed.name = "Renamed";
    REQUIRE(f.repo->Update(renamed).ok());
    CHECK(f.repo->Delete("draft", draft.version).code() ==
          absl::StatusCode::kFailedPrecondition);  // stale
    CHECK(f.repo->Delete("draft").ok());
    CHECK(f.repo->Get("draft").status().code() == absl::StatusCode::kNotFound);
    CHECK(f.repo->Delete("draft").code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("SetVariantWeights replaces the weights and keeps the rest") {
    Fixture f;
    const Campaign created = f.Create(MakeCampaign("spring", CampaignStatus::kLive));
    absl::StatusOr<Campaign> reweighted =
        f.repo->SetVariantWeights("spring", {0.8, 0.2}, created.version);
    REQUIRE_MESSAGE(reweighted.ok(), reweighted.status().ToString());
    CHECK(reweighted->variants[0].weight == 0.8);
    CHECK(reweighted->variants[1].weight == 0.2);
    Campaign expected = created;
    expected.variants[0].weight = 0.8;
    expected.variants[1].weight = 0.2;
    expected.version = reweighted->version;
    CHECK(*f.repo->Get("spring") == expected);
    CHECK(f.repo->SetVariantWeights("spring", {1}).status().message() ==
          "weights: 1 given for 2 variants");
    CHECK(f.repo->SetVariantWeights("spring", {0.5, 0.6}).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(f.repo->SetVariantWeights("spring", {0.5, 0.5}, created.version).status().code() ==
          absl::StatusCode::kFailedPrecondition);
  }

  TEST_CASE("a stored body that is not a campaign is DataLoss naming it") {
    Fixture f;
    WriteBatch batch;
    batch.Put(std::string(kCampaignsCollection), "junk", J(R"({"name":"x"})"));
    REQUIRE(f.store->Write(batch).ok());
    absl::StatusOr<Campaign> got = f.repo->Get("junk");
    CHECK(got.status().code() == absl::StatusCode::kDataLoss);
    CHECK(Contains(got.status(), "campaign 'junk': stored body is not a valid campaign: status: missing"));
    CHECK(f.repo->List({}).status().code() == absl::StatusCode::kDataLoss);
  }

  TEST_CASE("a create racing a segment delete never leaves a dangling reference" *
            doctest::test_suite("concurrent")) {
    Fixture f;
    constexpr int kRounds = 30;
    int created = 0, deleted = 0;
    for (int round = 0; round < kRounds; ++round) {
      CAPTURE(round);
      REQUIRE(f.repo->PutSegment(MakeSegment("s")).ok());
      Campaign c = MakeCampaign("c" + std::to_string(round));
      c.targeting.segments = {"s"};
      absl::StatusOr<Campaign> create;
      absl::Status erase;
      std::barrier start(2);
      std::thread creator([&] {
        start.arrive_and_wait();
        create = f.repo->Create(c);
      });
      std::thread deleter([&] {
        start.arrive_and_wait();
        erase = f.repo->DeleteSegment("s");
      });
      creator.join();
      deleter.join();
      const bool campaign_exists = f.repo->Get(c.id).ok();
      const bool segment_exists = f.repo->GetSegment("s").ok();
      CHECK(campaign_exists == create.ok());
      CHECK(segment_exists == !erase.ok());
      // The invariant: a stored campaign's segment exists.
      CHECK((!campaign_exists || segment_exists));
      CHECK(create.ok() != erase.ok());  // exactly one of the two wins
      created += create.ok() ? 1 : 0;
      deleted += erase.ok() ? 1 : 0;
      if (campaign_exists) REQUIRE(f.repo->Delete(c.id).ok());
      if (segment_exists) REQUIRE(f.repo->DeleteSegment("s").ok());
    }
    MESSAGE("creates won ", created, " rounds, deletes ", deleted);
  }

  TEST_CASE("8 threads updating one campaign: exactly the non-stale updates win" *
            doctest::test_suite("concurrent")) {
    Fixture f;
    f.Create(MakeCampaign("hot"));
    constexpr int kThreads = 8;
    constexpr int kRounds = 40;
    std::atomic<int> wins{0};
    std::atomic<int> stale{0};
    std::atomic<int> unexpected{0};
    std::vector<std::atomic<int>> round_wins(kRounds);
    std::barrier sync(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int round = 0; round < kRounds; ++round) {
          // Everyone reads the same version, then all update at once.
          absl::StatusOr<Campaign> c = f.repo->Get("hot");
          sync.arrive_and_wait();
          if (!c.ok()) {
            ++unexpected;
          } else {
            c->priority += 1;  // the counter: read, add one, write back
            absl::StatusOr<Campaign> u = f.repo->Update(*c);
            if (u.ok()) {
              ++wins;
              ++round_wins[round];
            } else if (absl::IsFailedPrecondition(u.status())) {
              ++stale;
            } else {
              ++unexpected;
            }
          }
          sync.arrive_and_wait();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(unexpected.load() == 0);
    CHECK(wins.load() + stale.load() == kThreads * kRounds);
    for (int round = 0; round < kRounds; ++round) {
      CAPTURE(round);
      CHECK(round_wins[round].load() == 1);  // one winner per version
    }
    // No lost update: every win added exactly one.
    CHECK(f.repo->Get("hot")->priority == wins.load());
  }
}

}  // namespace
}  // namespace marquee::campaign
