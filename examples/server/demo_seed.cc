#include "demo_seed.h"

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/campaign/profile.h"
#include "marquee/campaign/segment.h"
#include "marquee/campaign/value.h"
#include "marquee/json.h"

namespace marquee_server {

namespace mc = marquee::campaign;

namespace {

struct Item {
  std::string_view id;
  std::string_view body;
};

constexpr Item kSegments[] = {
    {"vip-france", R"({"name": "VIP customers in France",
                       "condition": {"tier": "vip", "country": "FR"}})"},
    {"mobile", R"({"name": "Mobile visitors", "condition": {"device": "mobile"}})"},
};

// A live sale running over 2026-2027 (Paris time), a summer launch
// scheduled for later, and a draft.
constexpr Item kCampaigns[] = {
    {"spring-sale", R"({"name": "Spring sale", "status": "live",
      "schedule": {"start": "2026-01-01T00:00:00", "end": "2027-12-31T23:59:59",
                   "timeZone": "Europe/Paris"},
      "priority": 10, "placements": ["home.hero"],
      "variants": [
        {"key": "control", "weight": 0.5, "content": {"headline": "Spring sale: up to 30% off"}},
        {"key": "urgent", "weight": 0.5,
         "content": {"headline": "Last days: 30% off everything", "color": "red"}}],
      "tags": ["sale"]})"},
    {"vip-preview", R"({"name": "VIP early access", "status": "live", "priority": 20,
      "placements": ["home.hero", "account.banner"],
      "targeting": {"segments": ["vip-france"]},
      "variants": [{"key": "only", "weight": 1,
                    "content": {"headline": "Your early access to the new collection"}}]})"},
    {"summer-launch", R"({"name": "Summer launch", "status": "scheduled",
      "schedule": {"start": "2027-06-01T09:00:00", "end": "2027-08-31T23:59:59",
                   "timeZone": "Europe/Paris"},
      "priority": 5, "placements": ["home.hero"],
      "targeting": {"condition": {"country": {"$in": ["FR", "BE", "DE"]}}},
      "variants": [{"key": "a", "weight": 1, "content": {"headline": "Summer is here"}}]})"},
    {"newsletter", R"({"name": "Newsletter sign-up", "status": "draft",
      "placements": ["footer"], "targeting": {"segments": ["mobile"]},
      "variants": [{"key": "a", "weight": 1, "content": {"text": "Get our deals by e-mail"}}]})"},
};

// GrowthBook feature definitions: a flag forced for beta users, and an
// experiment over the checkout button's colour.
constexpr Item kFeatures[] = {
    {"dark-mode", R"({"defaultValue": false,
                      "rules": [{"condition": {"beta": true}, "force": true}]})"},
    {"checkout-button", R"({"defaultValue": "blue",
      "rules": [{"key": "checkout-color", "variations": ["blue", "green"],
                 "weights": [0.5, 0.5], "coverage": 1, "hashAttribute": "id"}]})"},
};

constexpr std::string_view kPollId = "favourite-banner";
constexpr std::string_view kPollBody = R"({"question": "Which banner do you prefer?",
  "options": [{"key": "control", "label": "Up to 30% off"},
              {"key": "urgent", "label": "Last days"}]})";

constexpr Item kProfiles[] = {
    {"alice", R"({"country": "FR", "tier": "vip", "device": "desktop"})"},
    {"bob", R"({"country": "BE", "tier": "standard", "device": "mobile", "beta": true})"},
    {"carol", R"({"country": "DE", "tier": "standard", "device": "mobile"})"},
};

std::string Outcome(bool created) { return created ? "created" : "already there"; }

}  // namespace

absl::StatusOr<SeedReport> SeedDemo(marquee::Store& store, mc::CampaignRepository& campaigns) {
  SeedReport report;
  for (const Item& item : kSegments) {
    absl::StatusOr<marquee::Json> json = marquee::Json::Parse(item.body);
    if (!json.ok()) return json.status();
    absl::StatusOr<mc::Segment> segment = mc::SegmentFromJson(item.id, *json);
    if (!segment.ok()) return segment.status();
    absl::StatusOr<mc::Segment> put = campaigns.PutSegment(*segment, /*expected_version=*/0);
    if (!put.ok() && !absl::IsAlreadyExists(put.status())) return put.status();
    report.push_back("segment " + std::string(item.id) + ": " + Outcome(put.ok()));
  }
  for (const Item& item : kCampaigns) {
    absl::StatusOr<marquee::Json> json = marquee::Json::Parse(item.body);
    if (!json.ok()) return json.status();
    absl::StatusOr<mc::Campaign> campaign = mc::CampaignFromJson(item.id, *json);
    if (!campaign.ok()) return campaign.status();
    absl::StatusOr<mc::Campaign> created = campaigns.Create(*campaign);
    if (!created.ok() && !absl::IsAlreadyExists(created.status())) return created.status();
    report.push_back("campaign " + std::string(item.id) + " (" +
                     std::string(mc::CampaignStatusName(campaign->status)) + ", " +
                     std::to_string(campaign->variants.size()) + " variants): " +
                     Outcome(created.ok()));
  }
  for (const Item& item : kFeatures) {
    // Checked as Decide will read it, then stored create-only.
    absl::StatusOr<mc::Value> value = mc::Value::Parse(item.body);
    if (!value.ok()) return value.status();
    if (absl::Status s = mc::FeatureDefinitionFromValue(*value, std::string(item.id)).status(); !s.ok()) {
      return s;
    }
    absl::StatusOr<marquee::Json> json = marquee::Json::Parse(item.body);
    if (!json.ok()) return json.status();
    marquee::WriteBatch batch;
    batch.Put(std::string(mc::kFeaturesCollection), std::string(item.id), *json, {.expected_version = 0});
    absl::StatusOr<uint64_t> written = store.Write(batch);
    if (!written.ok() && !absl::IsFailedPrecondition(written.status())) return written.status();
    report.push_back("feature " + std::string(item.id) + ": " + Outcome(written.ok()));
  }

  absl::StatusOr<std::unique_ptr<mc::PollService>> polls = mc::PollService::Open(&store);
  if (!polls.ok()) return polls.status();
  absl::StatusOr<marquee::Json> poll_json = marquee::Json::Parse(kPollBody);
  if (!poll_json.ok()) return poll_json.status();
  absl::StatusOr<mc::Poll> poll = mc::PollFromJson(kPollId, *poll_json);
  if (!poll.ok()) return poll.status();
  absl::StatusOr<mc::Poll> created_poll = (*polls)->CreatePoll(*poll);
  if (!created_poll.ok() && !absl::IsAlreadyExists(created_poll.status())) {
    return created_poll.status();
  }
  // One vote per user: voting again for the same option changes nothing.
  for (const auto& [user, option] : {std::pair{"alice", "urgent"}, std::pair{"bob", "control"},
                                     std::pair{"carol", "urgent"}}) {
    absl::StatusOr<mc::VoteResult> vote = (*polls)->Vote(kPollId, user, option);
    if (!vote.ok()) return vote.status();
  }
  report.push_back("poll " + std::string(kPollId) + " with 3 votes: " +
                   Outcome(created_poll.ok()));

  absl::StatusOr<std::unique_ptr<mc::ProfileRepository>> profiles =
      mc::ProfileRepository::Open(&store);
  if (!profiles.ok()) return profiles.status();
  for (const Item& item : kProfiles) {
    absl::StatusOr<marquee::Json> json = marquee::Json::Parse(item.body);
    if (!json.ok()) return json.status();
    // Left as found on a restart (a user may have changed it since).
    absl::StatusOr<mc::Profile> found = (*profiles)->Get(item.id);
    if (found.ok()) continue;
    if (!absl::IsNotFound(found.status())) return found.status();
    absl::StatusOr<mc::Profile> put = (*profiles)->Put(item.id, *json);
    if (!put.ok()) return put.status();
  }
  report.push_back("profiles alice, bob, carol");
  return report;
}

}  // namespace marquee_server
