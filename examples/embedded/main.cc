// examples/embedded — Marquee as a library inside your own program.
//
// Opens a durable MemoryStore in the directory given on the command line and
// walks through both layers, printing each step:
//   - the store: three draft campaigns written in one atomic create-only
//     batch, a compare-and-set (CAS) update, a stale CAS refused, a read and
//     an index scan;
//   - the campaign domain on the same store: a live campaign with two
//     variants, a poll and its votes, events rolled into aggregates and an
//     A/B test over them, a user profile, and Decide choosing what users see.
// Run it twice on the same directory: the second run recovers everything
// from disk, so its create-only batch is refused, the campaign and the poll
// are found instead of created, every vote is unchanged, and the events add
// to those of the first run.
//
//   embedded /tmp/marquee-data
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/campaign/merge_patch.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/campaign/profile.h"
#include "marquee/marquee.h"

namespace mc = marquee::campaign;

namespace {

// One line per record; a long body is cut to keep it so.
void PrintRecord(const marquee::Record& record) {
  const std::string_view body = record.body.text();
  std::cout << "  " << record.collection << "/" << record.id << "  v" << record.version
            << "  updated "
            << absl::FormatTime(absl::RFC3339_sec, record.updated, absl::UTCTimeZone()) << "  "
            << body.substr(0, 100) << (body.size() > 100 ? "..." : "") << "\n";
}

int Fail(std::string_view what, const absl::Status& status) {
  std::cerr << "error: " << what << ": " << status << "\n";
  return 1;
}

// The live campaign, as its record body (campaign.h gives the layout): shown
// on the home page's hero placement to users in France or Belgium, half of
// them getting each banner.
constexpr std::string_view kBannerId = "welcome-banner";
constexpr std::string_view kBannerBody = R"({"name": "Welcome banner", "status": "live",
  "priority": 10, "placements": ["home.hero"],
  "targeting": {"condition": {"country": {"$in": ["FR", "BE"]}}},
  "variants": [
    {"key": "control", "weight": 0.5, "content": {"text": "Welcome to our shop"}},
    {"key": "bold", "weight": 0.5, "content": {"text": "20% off today only!", "color": "red"}}]})";
constexpr std::string_view kPollId = "banner-poll";
constexpr std::string_view kPollBody = R"({"question": "Which banner do you prefer?",
  "options": [{"key": "control", "label": "Welcome"}, {"key": "bold", "label": "20% off"},
              {"key": "neither", "label": "Neither"}]})";

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DATA_DIR\n";
    return 2;
  }

  // 1. Open the store. Every write is fsynced before it is acknowledged
  //    (kAlways); indexes given here are built once, during recovery. Then
  //    declare the indexes the campaign domain scans by (a no-op when they
  //    exist), before any of its services reads the store.
  const marquee::IndexSpec by_priority{
      .collection = "campaigns",
      .name = "by_priority",
      .fields = {{.pointer = "/priority", .order = marquee::SortOrder::kDescending}}};
  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> opened = marquee::OpenMemoryStore(
      {.data_dir = argv[1], .fsync = marquee::FsyncPolicy::kAlways, .indexes = {by_priority}});
  if (!opened.ok()) return Fail("open", opened.status());
  marquee::MemoryStore& store = **opened;
  if (absl::Status s = mc::PrepareCampaignStore(store); !s.ok()) return Fail("prepare", s);

  const marquee::RecoveryReport& recovery = store.recovery();
  std::cout << "1. opened " << argv[1] << "\n   recovery: snapshot v" << recovery.snapshot_version
            << ", replayed " << recovery.replayed_batches << " log batches, truncated "
            << recovery.truncated_bytes << " torn bytes\n";
  for (const std::string& note : recovery.notes) std::cout << "   note: " << note << "\n";
  std::cout << "   recovered " << store.stats().records << " records, store at version "
            << store.CurrentVersion() << "\n";

  // 2. Three campaigns in one atomic batch. expected_version 0 means "must
  //    not exist yet", so the batch is create-only: all three or none. The
  //    bodies are valid draft campaigns, so the campaign layer can read them.
  struct Seed {
    const char* id;
    const char* name;
    int priority;
  };
  const Seed seeds[] = {{"spring", "Spring sale", 5}, {"summer", "Summer launch", 7},
                        {"autumn", "Autumn clearance", 3}};
  marquee::WriteBatch batch;
  for (const Seed& seed : seeds) {
    absl::StatusOr<marquee::Json> body = marquee::Json::Parse(
        absl::StrCat(R"({"name": ")", seed.name, R"(", "status": "draft", "priority": )",
                     seed.priority, R"(, "variants": [{"key": "a", "weight": 1}]})"));
    if (!body.ok()) return Fail("parse", body.status());
    batch.Put("campaigns", seed.id, *body, {.expected_version = 0});
  }
  absl::StatusOr<uint64_t> created = store.Write(batch);
  if (created.ok()) {
    std::cout << "2. created 3 campaigns in one batch at version " << *created << "\n";
  } else if (absl::IsFailedPrecondition(created.status())) {
    std::cout << "2. create-only batch refused, nothing written (the campaigns were "
                 "recovered from an earlier run):\n   " << created.status() << "\n";
  } else {
    return Fail("create campaigns", created.status());
  }

  // 3. Read-modify-write with a CAS: the write holds only if the record is
  //    still at the version we read. A merge patch changes one member.
  absl::StatusOr<marquee::Record> summer = store.Get("campaigns", "summer");
  if (!summer.ok()) return Fail("get campaigns/summer", summer.status());
  absl::StatusOr<marquee::IndexValue> priority = marquee::ValueAt(summer->body, "/priority");
  if (!priority.ok()) return Fail("read /priority", priority.status());
  const auto new_priority = static_cast<int64_t>(priority->number()) + 10;
  absl::StatusOr<marquee::Json> patch =
      marquee::Json::Parse(absl::StrCat(R"({"priority": )", new_priority, "}"));
  if (!patch.ok()) return Fail("parse", patch.status());
  absl::StatusOr<marquee::Json> new_body = mc::ApplyMergePatch(summer->body, *patch);
  if (!new_body.ok()) return Fail("patch campaigns/summer", new_body.status());
  marquee::WriteBatch update;
  update.Put("campaigns", "summer", *new_body, {.expected_version = summer->version});
  absl::StatusOr<uint64_t> updated = store.Write(update);
  if (!updated.ok()) return Fail("CAS update of campaigns/summer", updated.status());
  std::cout << "3. CAS update of campaigns/summer (expected v" << summer->version
            << "): priority " << new_priority << ", committed at version " << *updated << "\n";

  // 4. The same CAS again: the record has moved past the version it expects,
  //    so the store refuses it with FailedPrecondition and writes nothing.
  absl::StatusOr<uint64_t> stale = store.Write(update);
  if (stale.ok()) return Fail("stale CAS", absl::InternalError("accepted; it must be refused"));
  if (!absl::IsFailedPrecondition(stale.status())) return Fail("stale CAS", stale.status());
  std::cout << "4. stale CAS (expected v" << summer->version << ") refused:\n   "
            << stale.status() << "\n";

  // 5. A point read, then 6. an ordered scan, highest priority first.
  absl::StatusOr<marquee::Record> current = store.Get("campaigns", "summer");
  if (!current.ok()) return Fail("get campaigns/summer", current.status());
  std::cout << "5. get campaigns/summer:\n";
  PrintRecord(*current);
  absl::StatusOr<marquee::ScanResult> page =
      store.Scan({.collection = "campaigns", .index = "by_priority", .limit = 10});
  if (!page.ok()) return Fail("scan campaigns/by_priority", page.status());
  std::cout << "6. scan campaigns/by_priority (" << page->records.size() << " rows):\n";
  for (const marquee::Record& record : page->records) PrintRecord(record);

  // 7. The live campaign, through the repository, which validates it. It is
  //    create-only: on a later run AlreadyExists means "read what is there".
  absl::StatusOr<std::unique_ptr<mc::CampaignRepository>> repo =
      mc::CampaignRepository::Open(&store);
  if (!repo.ok()) return Fail("open campaign repository", repo.status());
  absl::StatusOr<marquee::Json> banner_json = marquee::Json::Parse(kBannerBody);
  if (!banner_json.ok()) return Fail("parse campaign", banner_json.status());
  absl::StatusOr<mc::Campaign> banner = mc::CampaignFromJson(kBannerId, *banner_json);
  if (!banner.ok()) return Fail("read campaign", banner.status());
  banner = (*repo)->Create(*banner);
  const bool banner_found = absl::IsAlreadyExists(banner.status());
  if (banner_found) banner = (*repo)->Get(kBannerId);
  if (!banner.ok()) return Fail("create campaign", banner.status());
  std::cout << "7. campaign " << banner->id << (banner_found ? " found" : " created") << " (v"
            << banner->version << "), " << mc::CampaignStatusName(banner->status) << ", variants:";
  for (const mc::Variant& v : banner->variants) std::cout << " " << v.key << "=" << v.weight;
  std::cout << "\n";

  // 8. A poll, then one vote per user. Polls do not allow changing a vote,
  //    so re-sending one returns the stored vote (kUnchanged).
  absl::StatusOr<std::unique_ptr<mc::PollService>> polls = mc::PollService::Open(&store);
  if (!polls.ok()) return Fail("open poll service", polls.status());
  absl::StatusOr<marquee::Json> poll_json = marquee::Json::Parse(kPollBody);
  if (!poll_json.ok()) return Fail("parse poll", poll_json.status());
  absl::StatusOr<mc::Poll> poll = mc::PollFromJson(kPollId, *poll_json);
  if (!poll.ok()) return Fail("read poll", poll.status());
  poll = (*polls)->CreatePoll(*poll);
  const bool poll_found = absl::IsAlreadyExists(poll.status());
  if (poll_found) poll = (*polls)->GetPoll(kPollId);
  if (!poll.ok()) return Fail("create poll", poll.status());
  std::cout << "8. poll " << poll->id << (poll_found ? " found: " : " created: ")
            << poll->question << "\n";
  const char* const votes[][2] = {
      {"alice", "bold"}, {"bob", "control"}, {"carol", "bold"}, {"dave", "neither"},
      {"alice", "bold"}};  // alice again: the same option
  for (const auto& [user, option] : votes) {
    absl::StatusOr<mc::VoteResult> vote = (*polls)->Vote(kPollId, user, option);
    if (!vote.ok()) return Fail(absl::StrCat("vote of ", user), vote.status());
    std::cout << "   " << user << " votes " << option << ": "
              << (vote->kind == mc::VoteKind::kUnchanged ? "unchanged, nothing written"
                  : vote->kind == mc::VoteKind::kCreated ? "created" : "changed") << "\n";
  }
  absl::StatusOr<mc::PollTally> tally = (*polls)->Tally(kPollId);
  if (!tally.ok()) return Fail("tally", tally.status());
  std::cout << "   tally (" << tally->total << " votes):";
  for (const auto& [option, count] : tally->counts) std::cout << " " << option << "=" << count;
  std::cout << "\n";

  // 9. Events: 500 impressions per variant, with more clicks and conversions
  //    for "bold". The ingestor keeps only counters per bucket (so a second
  //    run adds to the first's); Flush waits until they are in the store,
  //    where Stats reads them.
  absl::StatusOr<std::unique_ptr<mc::EventIngestor>> ingestor = mc::EventIngestor::Open(&store);
  if (!ingestor.ok()) return Fail("open event ingestor", ingestor.status());
  // Variant, impressions, clicks, conversions.
  const std::tuple<const char*, int, int, int> counts[] = {{"control", 500, 40, 10},
                                                           {"bold", 500, 55, 22}};
  const absl::Time now = absl::Now();
  std::vector<mc::Event> events;
  for (const auto& [variant, impressions, clicks, conversions] : counts) {
    for (int i = 0; i < impressions; ++i) {
      mc::Event event{.campaign = std::string(kBannerId), .variant = variant,
                      .user = absl::StrCat("u", i), .time = now};
      events.push_back(event);
      event.type = mc::EventType::kClick;
      if (i < clicks) events.push_back(event);
      event.type = mc::EventType::kConversion;
      event.value = 25;  // revenue, summed per bucket
      if (i < conversions) events.push_back(event);
    }
  }
  if (absl::Status s = (*ingestor)->Ingest(events); !s.ok()) return Fail("ingest", s);
  if (absl::Status s = (*ingestor)->Flush(); !s.ok()) return Fail("flush events", s);
  absl::StatusOr<mc::CampaignStats> stats =
      mc::Stats(store, kBannerId, now - absl::Hours(24), absl::Now(), mc::Bucket::kHour,
                {.control_variant = "control"});
  if (!stats.ok()) return Fail("stats", stats.status());
  std::cout << "9. ingested " << events.size() << " events; stats of " << kBannerId
            << " over the last day (" << stats->records_read << " aggregate records):\n";
  for (const mc::VariantStats& v : stats->variants) {
    const auto total = [&](mc::EventType t) { return v.totals[static_cast<size_t>(t)].count; };
    std::cout << "   " << v.variant << ": " << total(mc::EventType::kImpression)
              << " impressions, " << total(mc::EventType::kClick) << " clicks, "
              << total(mc::EventType::kConversion) << " conversions, rate "
              << v.conversion_rate.value_or(0) * 100 << "%"
              << (v.test ? absl::StrCat(", z=", v.test->z, " p=", v.test->p_value)
                         : absl::StrCat(" (no test: ", v.no_test_reason, ")")) << "\n";
  }

  // 10. A profile for alice, then Decide. The Decider loads its read model
  //     when it opens, so it sees everything written above; the request's
  //     context attributes are merged over the profile's. One call explains
  //     its choice and lists the campaigns it skipped.
  absl::StatusOr<std::unique_ptr<mc::ProfileRepository>> profiles =
      mc::ProfileRepository::Open(&store);
  if (!profiles.ok()) return Fail("open profile repository", profiles.status());
  absl::StatusOr<marquee::Json> alice_attributes =
      marquee::Json::Parse(R"({"country": "FR", "plan": "pro"})");
  if (!alice_attributes.ok()) return Fail("parse profile", alice_attributes.status());
  absl::StatusOr<mc::Profile> alice = (*profiles)->Put("alice", *alice_attributes);
  if (!alice.ok()) return Fail("put profile alice", alice.status());
  std::cout << "10. profile alice v" << alice->version << ": " << alice->attributes.text() << "\n";
  absl::StatusOr<std::unique_ptr<mc::Decider>> decider = mc::Decider::Open(&store);
  if (!decider.ok()) return Fail("open decider", decider.status());
  struct Ask { const char* user; const char* context; bool explain; };
  const Ask asks[] = {{"alice", R"({"device": "mobile"})", false},
                      {"bob", R"({"country": "BE"})", true},
                      {"dave", R"({"country": "DE"})", false}};
  for (const Ask& ask : asks) {
    absl::StatusOr<mc::Value> context = mc::Value::Parse(ask.context);
    if (!context.ok()) return Fail("parse context", context.status());
    absl::StatusOr<mc::Decision> decision = (*decider)->Decide(
        {.user = ask.user, .context = *context, .placement = "home.hero", .explain = ask.explain});
    if (!decision.ok()) return Fail(absl::StrCat("decide for ", ask.user), decision.status());
    std::cout << "   decide " << ask.user << " " << ask.context << " on home.hero:"
              << (decision->campaigns.empty() ? " no campaign" : "") << "\n";
    for (const mc::CampaignDecision& c : decision->campaigns) {
      std::cout << "     " << c.campaign_id << ", variant " << c.variant_key << ": "
                << c.content.text() << "\n";
      for (const std::string& line : c.explain) std::cout << "       because " << line << "\n";
    }
    for (const mc::SkippedCampaign& s : decision->skipped) {
      std::cout << "     skipped " << s.campaign_id << ": " << s.reason << "\n";
    }
  }

  const marquee::MemoryStoreStats store_stats = store.stats();
  std::cout << "done: " << store_stats.records << " records at version " << store_stats.version
            << ", " << store_stats.fsyncs << " fsyncs, " << store_stats.group_commits
            << " group commits, " << store_stats.log_bytes << " log bytes\n";
  return 0;  // The services stop first (declared later), then the store syncs its log.
}
