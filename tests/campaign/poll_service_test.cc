// PollService on a MemoryStore: the vote rules (one vote per user,
// unchanged / changed / refused), open and close boundaries, targeting, bad
// input, back-pressure, tallies equal to the votes after a concurrent random
// workload (sharded or not), 32 concurrent identical votes counted once,
// coalesced subscriptions, and poll rules firing exactly once under
// concurrent voters and with two services on one store.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "marquee/campaign/campaign.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'772'355'600);  // 2026-03-01T09:00:00Z

Poll MakePoll(std::string id, bool allow_change = false) {
  Poll p;
  p.id = std::move(id);
  p.question = "Colour?";
  p.options = {{.key = "red", .label = "Red"}, {.key = "blue", .label = "Blue"},
               {.key = "green", .label = "Green"}};
  p.allow_vote_change = allow_change;
  return p;
}

struct Fixture {
  ManualClock clock{kStart};
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<PollService> polls;

  explicit Fixture(PollServiceOptions options = {}) {
    absl::StatusOr<std::unique_ptr<MemoryStore>> s = OpenMemoryStore({.clock = &clock});
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = *std::move(s);
    options.clock = &clock;
    polls = Open(options);
  }

  std::unique_ptr<PollService> Open(PollServiceOptions options) {
    options.clock = &clock;
    absl::StatusOr<std::unique_ptr<PollService>> p = PollService::Open(store.get(), options);
    REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    return *std::move(p);
  }

  void Create(const Poll& p) {
    absl::StatusOr<Poll> created = polls->CreatePoll(p);
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  }

  // Counts the stored votes of `poll` by scanning the votes index: what the
  // tally must equal (the service itself never scans).
  std::map<std::string, int64_t> CountVotes(const std::string& poll) {
    std::map<std::string, int64_t> counts;
    ScanRequest request{.collection = std::string(kVotesCollection),
                        .index = std::string(kVotesByPollIndex),
                        .prefix = {IndexValue::String(poll)},
                        .limit = 1000,
                        .max_scanned = 100'000};
    for (;;) {
      absl::StatusOr<ScanResult> page = store->Scan(request);
      REQUIRE_MESSAGE(page.ok(), page.status().ToString());
      for (const Record& r : page->records) {
        absl::StatusOr<Value> v = Value::FromJson(r.body);
        REQUIRE(v.ok());
        counts[std::string(v->Find("option")->as_string())] += 1;
      }
      if (!page->more || !page->end) break;
      request.after = page->end;
    }
    return counts;
  }

  void CheckTallyEqualsVotes(const std::string& poll) {
    absl::StatusOr<PollTally> tally = polls->Tally(poll);
    REQUIRE_MESSAGE(tally.ok(), tally.status().ToString());
    std::map<std::string, int64_t> counted = CountVotes(poll);
    int64_t total = 0;
    for (const auto& [option, n] : tally->counts) {
      CHECK_MESSAGE(n == counted[option], option);
      total += n;
    }
    CHECK(tally->total == total);
  }
};

TEST_SUITE("campaign.poll_service") {
  TEST_CASE("Open checks its arguments") {
    CHECK(PollService::Open(nullptr).status().code() == absl::StatusCode::kInvalidArgument);
    Fixture f;
    CHECK(PollService::Open(f.store.get(), {.tally_shards = 0}).status().message() ==
          "tally_shards: must be within [1, 256], got 0");
    CHECK(PollService::Open(f.store.get(), {.queue_capacity = 0}).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(PollService::Open(f.store.get(), {.max_votes_per_write = 0}).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(PollService::Open(f.store.get(), {.max_retries = 0}).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(PollService::Open(f.store.get(), {.subscription_interval = absl::ZeroDuration()})
              .status()
              .code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("CreatePoll is create-only and GetPoll reads it back") {
    Fixture f;
    f.Create(MakePoll("colour"));
    CHECK(f.polls->CreatePoll(MakePoll("colour")).status().code() ==
          absl::StatusCode::kAlreadyExists);
    absl::StatusOr<Poll> got = f.polls->GetPoll("colour");
    REQUIRE(got.ok());
    CHECK(got->question == "Colour?");
    CHECK(got->version > 0);
    CHECK(f.polls->GetPoll("nope").status().code() == absl::StatusCode::kNotFound);
    Poll bad = MakePoll("bad");
    bad.options.pop_back();
    bad.options.pop_back();
    CHECK(f.polls->CreatePoll(bad).status().message() == "options: needs at least 2 options, got 1");
    Poll fired = MakePoll("fired");
    fired.rules = {{.id = "r", .option = "red", .campaign = "c", .weights = {1}, .fired_at = kStart}};
    CHECK(f.polls->CreatePoll(fired).status().message() ==
          "rules[0].firedAt: a new poll's rules must not be fired");
  }

  TEST_CASE("one vote per user: same option unchanged, another refused") {
    Fixture f;
    f.Create(MakePoll("colour"));
    absl::StatusOr<VoteResult> first = f.polls->Vote("colour", "u1", "red");
    REQUIRE_MESSAGE(first.ok(), first.status().ToString());
    CHECK(first->kind == VoteKind::kCreated);
    CHECK(first->vote.option == "red");
    CHECK(first->vote.at == kStart);
    CHECK(first->vote.version > 0);
    f.clock.Advance(absl::Minutes(1));
    absl::StatusOr<VoteResult> again = f.polls->Vote("colour", "u1", "red");
    REQUIRE(again.ok());
    CHECK(again->kind == VoteKind::kUnchanged);
    CHECK(again->vote == first->vote);
    absl::StatusOr<VoteResult> other = f.polls->Vote("colour", "u1", "blue");
    CHECK(other.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(other.status().message() ==
          "user 'u1' already voted for 'red' in poll 'colour', and the poll does not allow "
          "changing a vote");
    absl::StatusOr<PollVote> stored = f.polls->GetVote("colour", "u1");
    REQUIRE(stored.ok());
    CHECK(*stored == first->vote);
    absl::StatusOr<PollTally> tally = f.polls->Tally("colour");
    REQUIRE(tally.ok());
    CHECK(tally->counts == std::map<std::string, int64_t>{{"blue", 0}, {"green", 0}, {"red", 1}});
    CHECK(tally->total == 1);
    CHECK(f.polls->GetVote("colour", "u2").status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("a changed vote moves one count in the same commit") {
    Fixture f;
    f.Create(MakePoll("colour", /*allow_change=*/true));
    REQUIRE(f.polls->Vote("colour", "u1", "red").ok());
    REQUIRE(f.polls->Vote("colour", "u2", "red").ok());
    absl::StatusOr<VoteResult> changed = f.polls->Vote("colour", "u1", "blue");
    REQUIRE_MESSAGE(changed.ok(), changed.status().ToString());
    CHECK(changed->kind == VoteKind::kChanged);
    CHECK(changed->vote.option == "blue");
    absl::StatusOr<PollTally> tally = f.polls->Tally("colour");
    REQUIRE(tally.ok());
    CHECK(tally->counts["red"] == 1);
    CHECK(tally->counts["blue"] == 1);
    CHECK(tally->total == 2);
    // The vote and the tally share one commit version.
    CHECK(tally->version == changed->vote.version);
  }

  TEST_CASE("votes are taken from opensAt until closesAt only") {
    Fixture f;
    Poll p = MakePoll("timed");
    p.opens_at = kStart + absl::Hours(1);
    p.closes_at = kStart + absl::Hours(2);
    f.Create(p);
    f.clock.Set(kStart + absl::Hours(1) - absl::Microseconds(1));
    absl::StatusOr<VoteResult> early = f.polls->Vote("timed", "u1", "red");
    CHECK(early.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(early.status().message()).find("is not open yet") != std::string::npos);
    f.clock.Set(kStart + absl::Hours(1));
    CHECK(f.polls->Vote("timed", "u1", "red").ok());
    f.clock.Set(kStart + absl::Hours(2) - absl::Microseconds(1));
    CHECK(f.polls->Vote("timed", "u2", "red").ok());
    f.clock.Set(kStart + absl::Hours(2));
    absl::StatusOr<VoteResult> late = f.polls->Vote("timed", "u3", "red");
    CHECK(late.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(late.status().message()).find("is closed") != std::string::npos);
    CHECK(f.polls->Tally("timed")->total == 2);
  }

  TEST_CASE("ClosePoll stops the votes at once") {
    Fixture f;
    f.Create(MakePoll("colour"));
    REQUIRE(f.polls->Vote("colour", "u1", "red").ok());
    absl::StatusOr<Poll> closed = f.polls->ClosePoll("colour");
    REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
    CHECK(*closed->closes_at == kStart);
    CHECK(f.polls->Vote("colour", "u2", "red").status().code() ==
          absl::StatusCode::kFailedPrecondition);
    CHECK(f.polls->ClosePoll("colour")->version == closed->version);  // already closed
    CHECK(f.polls->ClosePoll("nope").status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("targeting refuses users who do not match") {
    Fixture f;
    Poll p = MakePoll("fr");
    p.targeting = *Value::Parse(R"({"country":"FR","id":{"$ne":"banned"}})");
    f.Create(p);
    absl::StatusOr<Value> fr = Value::Parse(R"({"country":"FR"})");
    absl::StatusOr<Value> de = Value::Parse(R"({"country":"DE"})");
    CHECK(f.polls->Vote("fr", "u1", "red", *fr).ok());
    absl::StatusOr<VoteResult> refused = f.polls->Vote("fr", "u2", "red", *de);
    CHECK(refused.status().code() == absl::StatusCode::kPermissionDenied);
    CHECK(refused.status().message() == "user 'u2' does not match the targeting of poll 'fr'");
    CHECK(f.polls->Vote("fr", "u3", "red").status().code() == absl::StatusCode::kPermissionDenied);
    // The user id is an attribute "id" unless the caller sets one.
    CHECK(f.polls->Vote("fr", "banned", "red", *fr).status().code() ==
          absl::StatusCode::kPermissionDenied);
    CHECK(f.polls->Tally("fr")->total == 1);
  }

  TEST_CASE("bad input gives InvalidArgument or NotFound naming it") {
    Fixture f;
    f.Create(MakePoll("colour"));
    CHECK(f.polls->Vote("nope", "u1", "red").status().code() == absl::StatusCode::kNotFound);
    CHECK(f.polls->Vote("colour", "u1", "purple").status().message() ==
          "option: 'purple' is not an option of poll 'colour'");
    CHECK(f.polls->Vote("a/b", "u1", "red").status().message() == "poll id: must not contain '/'");
    CHECK(f.polls->Vote("colour", "", "red").status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(f.polls->Vote("colour", "u\n1", "red").status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(std::string(f.polls->Vote("colour", std::string(510, 'u'), "red").status().message())
              .find("must fit in 512 bytes") != std::string::npos);
    CHECK(f.polls->Vote("colour", "u1", "red", Value::Number(3)).status().message() ==
          "attributes: expected an object, got number");
    CHECK(f.polls->Subscribe("colour", nullptr).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(f.polls->Tally("colour")->total == 0);
  }

  TEST_CASE("a full queue answers ResourceExhausted") {
    Fixture f({.queue_capacity = 2});
    f.Create(MakePoll("colour"));
    // The first vote's callback runs on the committer thread: holding it
    // there keeps the queue from draining.
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false;
    bool release = false;
    f.polls->VoteAsync("colour", "u0", "red", {}, [&](absl::StatusOr<VoteResult> r) {
      CHECK(r.ok());
      std::unique_lock lock(mu);
      entered = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    });
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return entered; });
    }
    std::atomic<int> accepted{0};
    for (int i = 1; i <= 2; ++i) {
      f.polls->VoteAsync("colour", "u" + std::to_string(i), "red", {},
                         [&](absl::StatusOr<VoteResult> r) { accepted += r.ok() ? 1 : 0; });
    }
    absl::StatusOr<VoteResult> refused;
    f.polls->VoteAsync("colour", "u3", "red", {},
                       [&](absl::StatusOr<VoteResult> r) { refused = std::move(r); });
    CHECK(refused.status().code() == absl::StatusCode::kResourceExhausted);
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    f.polls.reset();  // commits what is pending
    CHECK(accepted == 2);
    absl::StatusOr<Record> tally = f.store->Get(kPollTalliesCollection, "colour");
    REQUIRE(tally.ok());
    CHECK(tally->body.text() == R"({"poll":"colour","counts":{"red":3},"total":3})");
  }

  TEST_CASE("32 concurrent identical votes count once" * doctest::test_suite("concurrent")) {
    Fixture f;
    f.Create(MakePoll("colour"));
    std::vector<absl::StatusOr<VoteResult>> results(32);
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    for (int t = 0; t < 32; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        results[t] = f.polls->Vote("colour", "same-user", "red");
      });
    }
    go = true;
    for (std::thread& t : threads) t.join();
    int created = 0;
    for (const auto& r : results) {
      REQUIRE_MESSAGE(r.ok(), r.status().ToString());
      created += r->kind == VoteKind::kCreated ? 1 : 0;
      CHECK(r->vote == results[0]->vote);
    }
    CHECK(created == 1);
    absl::StatusOr<PollTally> tally = f.polls->Tally("colour");
    REQUIRE(tally.ok());
    CHECK(tally->total == 1);
    CHECK(tally->counts["red"] == 1);
  }

  void RandomWorkload(int shards) {
    Fixture f({.tally_shards = shards, .max_votes_per_write = 64});
    f.Create(MakePoll("open", /*allow_change=*/true));
    f.Create(MakePoll("fixed"));
    const char* options[] = {"red", "blue", "green"};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(1234 + t);
        for (int i = 0; i < 400; ++i) {
          const std::string user = "u" + std::to_string(rng() % 60);
          const char* poll = rng() % 2 ? "open" : "fixed";
          absl::StatusOr<VoteResult> r = f.polls->Vote(poll, user, options[rng() % 3]);
          CHECK((r.ok() || absl::IsFailedPrecondition(r.status())));
        }
      });
    }
    for (std::thread& t : threads) t.join();
    f.CheckTallyEqualsVotes("open");
    f.CheckTallyEqualsVotes("fixed");
  }

  TEST_CASE("tallies equal the votes after a random concurrent workload" *
            doctest::test_suite("concurrent")) {
    SUBCASE("one tally record") { RandomWorkload(1); }
    SUBCASE("four shards") { RandomWorkload(4); }
  }

  TEST_CASE("two services on one store keep one exact tally" * doctest::test_suite("concurrent")) {
    Fixture f({.tally_shards = 2});
    std::unique_ptr<PollService> second = f.Open({.tally_shards = 2});
    f.Create(MakePoll("colour", /*allow_change=*/true));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        PollService* service = t % 2 ? second.get() : f.polls.get();
        std::mt19937 rng(99 + t);
        const char* options[] = {"red", "blue", "green"};
        for (int i = 0; i < 300; ++i) {
          absl::StatusOr<VoteResult> r =
              service->Vote("colour", "u" + std::to_string(rng() % 80), options[rng() % 3]);
          CHECK_MESSAGE(r.ok(), r.status().ToString());
        }
      });
    }
    for (std::thread& t : threads) t.join();
    f.CheckTallyEqualsVotes("colour");
    CHECK(second->stats().votes_committed + f.polls->stats().votes_committed > 0);
  }


  // A live campaign with two variants, and a poll whose rule sets its
  // weights to [0.1, 0.9] once "red" leads by 20 points after 10 votes.
  void CreateRuleFixture(Fixture& f) {
    Campaign c;
    c.id = "spring";
    c.name = "Spring";
    c.status = CampaignStatus::kLive;
    c.variants = {{.key = "control", .weight = 0.5}, {.key = "treatment", .weight = 0.5}};
    absl::StatusOr<Json> body = CampaignToJson(c);
    REQUIRE(body.ok());
    WriteBatch batch;
    batch.Put(std::string(kCampaignsCollection), "spring", *body, {.expected_version = 0});
    REQUIRE(f.store->Write(batch).ok());
    Poll p = MakePoll("colour");
    p.rules = {{.id = "boost", .option = "red", .lead_points = 20, .min_votes = 10,
                .campaign = "spring", .weights = {0.1, 0.9}}};
    f.Create(p);
  }

  // Counts the writes of campaigns/spring after `from` via the change feed.
  struct CampaignWrites {
    std::atomic<int> count{0};
    std::unique_ptr<Subscription> watch;
    CampaignWrites(Store& store, uint64_t from) {
      absl::StatusOr<std::unique_ptr<Subscription>> w =
          store.Watch(from, [this](const absl::StatusOr<Change>& c) {
            if (c.ok() && c->collection == kCampaignsCollection) count.fetch_add(1);
          });
      REQUIRE(w.ok());
      watch = *std::move(w);
    }
  };

  void CheckRuleFired(Fixture& f, CampaignWrites& writes) {
    absl::StatusOr<Record> campaign = f.store->Get(kCampaignsCollection, "spring");
    REQUIRE(campaign.ok());
    absl::StatusOr<Campaign> c = CampaignFromJson("spring", campaign->body);
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    CHECK(c->variants[0].weight == 0.1);
    CHECK(c->variants[1].weight == 0.9);
    absl::StatusOr<Poll> poll = f.polls->GetPoll("colour");
    REQUIRE(poll.ok());
    CHECK(poll->rules[0].fired_at == f.clock.Now());
    // Every change was delivered once the watch reaches the store's version.
    const uint64_t target = f.store->CurrentVersion();
    for (int i = 0; i < 10'000 && writes.watch->position() < target; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(writes.watch->position() >= target);
    CHECK(writes.count.load() == 1);
  }

  TEST_CASE("a poll rule fires once its lead and vote count hold") {
    Fixture f;
    CreateRuleFixture(f);
    CampaignWrites writes(*f.store, f.store->CurrentVersion());
    // 5 red, 4 blue: 9 votes, not enough.
    for (int i = 0; i < 5; ++i) REQUIRE(f.polls->Vote("colour", "r" + std::to_string(i), "red").ok());
    for (int i = 0; i < 4; ++i) REQUIRE(f.polls->Vote("colour", "b" + std::to_string(i), "blue").ok());
    CHECK_FALSE(f.polls->GetPoll("colour")->rules[0].fired_at.has_value());
    // 10 votes, red leads by 10 points only.
    REQUIRE(f.polls->Vote("colour", "g0", "green").ok());
    CHECK_FALSE(f.polls->GetPoll("colour")->rules[0].fired_at.has_value());
    // 7 red of 12 against 4 blue: 25 points.
    REQUIRE(f.polls->Vote("colour", "r5", "red").ok());
    REQUIRE(f.polls->Vote("colour", "r6", "red").ok());
    CHECK(f.polls->stats().rules_fired == 1);
    CheckRuleFired(f, writes);
    // More red votes never fire it again.
    for (int i = 7; i < 20; ++i) REQUIRE(f.polls->Vote("colour", "r" + std::to_string(i), "red").ok());
    CHECK(f.polls->stats().rules_fired == 1);
    CheckRuleFired(f, writes);
  }

  TEST_CASE("a poll rule fires exactly once with 16 concurrent voters" *
            doctest::test_suite("concurrent")) {
    Fixture f({.max_votes_per_write = 4});
    CreateRuleFixture(f);
    CampaignWrites writes(*f.store, f.store->CurrentVersion());
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 8; ++i) {
          absl::StatusOr<VoteResult> r =
              f.polls->Vote("colour", "u" + std::to_string(t * 8 + i), i % 4 ? "red" : "blue");
          CHECK_MESSAGE(r.ok(), r.status().ToString());
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(f.polls->stats().rules_fired == 1);
    CheckRuleFired(f, writes);
    f.CheckTallyEqualsVotes("colour");
  }

  TEST_CASE("a poll rule fires exactly once with two services on one store" *
            doctest::test_suite("concurrent")) {
    Fixture f({.max_votes_per_write = 2});
    std::unique_ptr<PollService> second = f.Open({.max_votes_per_write = 2});
    CreateRuleFixture(f);
    CampaignWrites writes(*f.store, f.store->CurrentVersion());
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        PollService* service = t % 2 ? second.get() : f.polls.get();
        for (int i = 0; i < 10; ++i) {
          absl::StatusOr<VoteResult> r =
              service->Vote("colour", "u" + std::to_string(t * 10 + i), "red");
          CHECK_MESSAGE(r.ok(), r.status().ToString());
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(f.polls->stats().rules_fired + second->stats().rules_fired == 1);
    CheckRuleFired(f, writes);
    f.CheckTallyEqualsVotes("colour");
    CHECK(f.polls->Tally("colour")->total == 80);
  }

  TEST_CASE("UpdatePoll keeps fired rules and votes and DeletePoll erases votes and tallies") {
    Fixture f;
    Poll poll = MakePoll("colour");
    poll.rules = {{.id = "r1", .option = "red", .campaign = "c", .weights = {1.0}},
                  {.id = "r2", .option = "blue", .campaign = "c", .weights = {1.0}}};
    f.Create(poll);
    REQUIRE(f.polls->Vote("colour", "u1", "red").ok());
    REQUIRE(f.polls->Vote("colour", "u2", "blue").ok());
    // r1 fired (as the service would record it).
    Poll fired = *f.polls->GetPoll("colour");
    fired.rules[0].fired_at = kStart;
    WriteBatch batch;
    batch.Put(std::string(kPollsCollection), "colour", *PollToJson(fired),
              {.expected_version = fired.version});
    REQUIRE(f.store->Write(batch).ok());
    Poll current = *f.polls->GetPoll("colour");

    Poll changed = current;
    changed.rules[0].lead_points = 10;
    CHECK(f.polls->UpdatePoll(changed, current.version).status().code() ==
          absl::StatusCode::kFailedPrecondition);
    Poll dropped = current;
    dropped.rules.erase(dropped.rules.begin());
    CHECK(f.polls->UpdatePoll(dropped, current.version).status().code() ==
          absl::StatusCode::kFailedPrecondition);
    Poll self_fired = current;
    self_fired.rules[1].fired_at = kStart;
    CHECK(f.polls->UpdatePoll(self_fired, current.version).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(f.polls->UpdatePoll(current, current.version + 100).status().code() ==
          absl::StatusCode::kFailedPrecondition);

    Poll renamed = current;
    renamed.question = "Which colour, really?";
    renamed.rules[1].lead_points = 20;  // not fired: may change
    absl::StatusOr<Poll> updated = f.polls->UpdatePoll(renamed, current.version);
    REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
    CHECK(f.polls->GetPoll("colour")->question == "Which colour, really?");
    CHECK(f.polls->Tally("colour")->total == 2);

    CHECK(f.polls->DeletePoll("colour", current.version).code() ==
          absl::StatusCode::kFailedPrecondition);
    REQUIRE(f.polls->DeletePoll("colour", updated->version).ok());
    CHECK(f.polls->GetPoll("colour").status().code() == absl::StatusCode::kNotFound);
    CHECK(f.CountVotes("colour").empty());
    CHECK(f.store->Get(kPollTalliesCollection, "colour").status().code() ==
          absl::StatusCode::kNotFound);
    CHECK(f.polls->DeletePoll("colour", std::nullopt).code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("a rule whose campaign is missing stays unfired and is counted") {
    Fixture f;
    Poll p = MakePoll("colour");
    p.rules = {{.id = "boost", .option = "red", .min_votes = 1, .campaign = "ghost",
                .weights = {1}}};
    f.Create(p);
    REQUIRE(f.polls->Vote("colour", "u1", "red").ok());
    CHECK(f.polls->stats().rule_errors == 1);
    CHECK(f.polls->stats().rules_fired == 0);
    CHECK_FALSE(f.polls->GetPoll("colour")->rules[0].fired_at.has_value());
  }

  TEST_CASE("subscriptions coalesce to one delivery per interval" *
            doctest::test_suite("concurrent")) {
    // Batches of at most 32 votes: a MemoryStore write holds one lock per
    // record shard it touches, and ThreadSanitizer's deadlock detector
    // aborts a thread holding more than 64 locks (a limit of the tool, not a
    // deadlock). Coalescing is what this test is about, not batch size.
    Fixture f({.max_votes_per_write = 32});
    f.Create(MakePoll("colour"));
    std::mutex mu;
    std::condition_variable cv;
    std::vector<PollTally> seen;
    absl::StatusOr<std::unique_ptr<PollSubscription>> sub =
        f.polls->Subscribe("colour", [&](const PollTally& t) {
          std::lock_guard lock(mu);
          seen.push_back(t);
          cv.notify_all();
        });
    REQUIRE_MESSAGE(sub.ok(), sub.status().ToString());
    {
      std::unique_lock lock(mu);
      REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !seen.empty(); }));
      CHECK(seen[0].total == 0);  // the first delivery is the current tally
      seen.clear();
    }
    const auto start = std::chrono::steady_clock::now();
    std::atomic<int> pending{1000};
    for (int i = 0; i < 1000; ++i) {
      f.polls->VoteAsync("colour", "u" + std::to_string(i), i % 3 ? "red" : "blue", {},
                         [&](absl::StatusOr<VoteResult> r) {
                           CHECK(r.ok());
                           pending.fetch_sub(1);
                         });
    }
    while (pending.load() > 0) std::this_thread::yield();
    const auto burst = std::chrono::steady_clock::now() - start;
    absl::StatusOr<PollTally> final_tally = f.polls->Tally("colour");
    REQUIRE(final_tally.ok());
    {
      std::unique_lock lock(mu);
      REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] {
        return !seen.empty() && seen.back().total == 1000;
      }));
      const auto elapsed = std::chrono::steady_clock::now() - start;
      const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
      CHECK(seen.size() <= static_cast<size_t>(std::ceil(ms / 50.0)) + 1);
      CHECK(seen.back() == *final_tally);
      for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i - 1].total <= seen[i].total);
      MESSAGE("burst ", std::chrono::duration<double, std::milli>(burst).count(), " ms, ",
              seen.size(), " deliveries");
    }
    sub->reset();
    const size_t after_reset = [&] {
      std::lock_guard lock(mu);
      return seen.size();
    }();
    REQUIRE(f.polls->Vote("colour", "late", "red").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(120));  // a delivery would have come
    std::lock_guard lock(mu);
    CHECK(seen.size() == after_reset);
  }
}

}  // namespace
}  // namespace marquee::campaign
