// marquee/campaign/campaign.h — the campaign model: values, JSON, rules.
//
// A Campaign is what a front end shows: a status, a schedule in a time zone,
// a priority (higher first), the placements it may fill, its targeting (a
// GrowthBook condition and/or saved segments), weighted variants with JSON
// content, experiment settings for assigning a variant, tags and free
// attributes. This header gives the plain value types, their JSON record
// body (collection "campaigns", id = campaign id, schema version 1), the
// validation every write goes through, the status transition table and
// IsServable, the check Decide makes per campaign.
//
// The record body, camelCase, every member written by CampaignToJson in this
// order (optional ones only when set):
//   {"name": "Spring sale", "status": "live",
//    "schedule": {"start": "2026-03-01T09:00:00", "end": "...", "timeZone": "Europe/Paris"},
//    "priority": 10, "placements": ["home.hero"],
//    "targeting": {"condition": {"country": "FR"}, "segments": ["vip"]},
//    "variants": [{"key": "control", "weight": 0.5, "content": {...}}, ...],
//    "experiment": {"hashAttribute": "id", "fallbackAttribute": "deviceId",
//                   "coverage": 1, "sticky": false, "seed": "s1", "hashVersion": 2},
//    "tags": ["sale"], "attributes": {...}, "rules": [...]}
// Reading (CampaignFromJson): "name", "status" and "variants" are required;
// every other member may be absent and takes the default of its field below.
// Unknown members, at any level of the layout above, are rejected with
// InvalidArgument naming them ("experiment.hashAtribute: unknown member"):
// free-form data belongs in "attributes" or a variant's "content", so a
// misspelt setting never silently does nothing. "content", "attributes" and
// "rules" are kept verbatim (byte for byte as stored, key order and number
// spelling included); the condition is kept as a Value and written back as
// Value writes it (JavaScript's key order). Hence for a body as
// CampaignToJson writes it, CampaignToJson(CampaignFromJson(body)) == body,
// and CampaignFromJson(id, CampaignToJson(c)) == c for a valid c (version
// aside).
//
// Status transitions (CheckTransition); a status to itself is always allowed:
//   from \ to   draft  scheduled  live  paused  ended
//   draft         =        x       x      -       x
//   scheduled     x        =       x      x       x
//   live          -        -       =      x       x
//   paused        -        x       x      =       x
//   ended         -        -       -      -       =
// "ended" is final: an ended campaign never runs again (copy it instead).
// A campaign is served (IsServable) when it is scheduled or live and its
// schedule window contains now; "scheduled" means "live once the window
// opens", so a host need not flip statuses on time.
// Thread-safety: values and pure functions.
//
//   absl::StatusOr<Campaign> c = CampaignFromJson("spring", *Json::Parse(body_text));
//   if (!c.ok()) return c.status();  // "variants[1].weight: must be >= 0, got -0.2"
//   MARQUEE_RETURN_IF_ERROR(CheckTransition(c->status, CampaignStatus::kLive));
//   if (IsServable(*c, clock->Now())) show(*c);
#ifndef MARQUEE_CAMPAIGN_CAMPAIGN_H_
#define MARQUEE_CAMPAIGN_CAMPAIGN_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/schedule.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee::campaign {

enum class CampaignStatus : uint8_t { kDraft, kScheduled, kLive, kPaused, kEnded };

// "draft", "scheduled", "live", "paused", "ended".
MARQUEE_EXPORT std::string_view CampaignStatusName(CampaignStatus status);

// The status named `name` (exact, lower case).
// Errors: InvalidArgument ("status: unknown status 'running'; expected one
// of draft, scheduled, live, paused, ended").
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<CampaignStatus> ParseCampaignStatus(
    std::string_view name);

// Whether a campaign may go from `from` to `to` (table in the file comment).
// Errors: FailedPrecondition naming both ("campaign is ended: cannot go
// live", "campaign is live: cannot go draft").
[[nodiscard]] MARQUEE_EXPORT absl::Status CheckTransition(CampaignStatus from, CampaignStatus to);

// Longest campaign or segment name, in bytes.
inline constexpr size_t kMaxCampaignNameBytes = 1024;
// Variant weights must sum to 1 within this tolerance.
inline constexpr double kVariantWeightTolerance = 0.001;
// Priorities are 32-bit: they sort as JSON numbers everywhere (index,
// JavaScript clients) without loss.
inline constexpr int64_t kMinCampaignPriority = -2147483648LL;
inline constexpr int64_t kMaxCampaignPriority = 2147483647LL;

struct Variant {
  // Unique within the campaign; 1..512 bytes, no control characters.
  std::string key{};
  // Share of the traffic; >= 0, all weights of a campaign sum to 1.
  double weight = 0;
  // What the front end renders; any JSON. Default: null.
  Json content{};

  friend bool operator==(const Variant&, const Variant&) = default;
};

// How users are assigned a variant: GrowthBook's experiment hashing
// (hashing.h), so every node and SDK agrees.
struct ExperimentSettings {
  // The attribute hashed to pick a variant. Default: "id".
  std::string hash_attribute = "id";
  // Hashed when hash_attribute is absent or empty. Default: none.
  std::optional<std::string> fallback_attribute{};
  // Share of matching users included, in [0, 1]. Default: 1.
  double coverage = 1;
  // Keep a user's first variant when the weights change later (sticky
  // buckets). Default: false.
  bool sticky = false;
  // Hash seed. Default: none (the campaign id is used).
  std::optional<std::string> seed{};
  // GrowthBook hash version, 1 or 2. Default: 2.
  int hash_version = 2;

  friend bool operator==(const ExperimentSettings&, const ExperimentSettings&) = default;
};

// Who sees the campaign: users whose attributes match `condition` and every
// segment's condition. No condition and no segments: everyone.
struct Targeting {
  // A GrowthBook condition object. Default: none.
  std::optional<Value> condition{};
  // Ids of segments (segment.h). Default: none.
  std::vector<std::string> segments{};

  friend bool operator==(const Targeting&, const Targeting&) = default;
};

struct Campaign {
  // The record id; 1..512 bytes of UTF-8 without control characters.
  std::string id{};
  // 1..kMaxCampaignNameBytes bytes.
  std::string name{};
  // Default: kDraft.
  CampaignStatus status = CampaignStatus::kDraft;
  // Default: always, in UTC.
  Schedule schedule{};
  // Higher first; within [kMinCampaignPriority, kMaxCampaignPriority].
  // Default: 0.
  int64_t priority = 0;
  // Where on the page it may appear ("home.hero"); each a valid id.
  // Empty: any placement. Default: empty.
  std::vector<std::string> placements{};
  Targeting targeting{};
  // At least one. Default: empty (invalid).
  std::vector<Variant> variants{};
  ExperimentSettings experiment{};
  // Each a valid id. Default: empty.
  std::vector<std::string> tags{};
  // Free JSON object. Default: {}.
  Json attributes = EmptyObject();
  // Poll-rule state (poll_service.h owns its meaning); a JSON array kept
  // verbatim. Default: [].
  Json rules = EmptyArray();
  // The record version this was read at; 0 for a campaign not yet stored.
  uint64_t version = 0;

  friend bool operator==(const Campaign&, const Campaign&) = default;

  MARQUEE_EXPORT static Json EmptyObject();
  MARQUEE_EXPORT static Json EmptyArray();
};

// Checks every rule of the model, naming the field of the first violation:
//   id (ValidateRecordId), name (empty, too long, not UTF-8), schedule (ResolveSchedule's
//   errors), priority (out of range), placements[i] / tags[i] /
//   targeting.segments[i] (not a valid id), targeting.condition (not an
//   object, or CompiledCondition::Compile's error), variants (empty),
//   variants[i].key (empty, invalid, duplicate), variants[i].weight (< 0 or
//   not finite), variants (weights sum to S, not 1), experiment.hashAttribute
//   (empty), experiment.fallbackAttribute (empty when set), experiment.seed /
//   hashAttribute / fallbackAttribute (not UTF-8),
//   experiment.coverage (outside [0, 1]), experiment.hashVersion (not 1 or
//   2), attributes (not an object), rules (not an array).
// Errors: InvalidArgument with a message "<field>: <what is wrong>".
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateCampaign(const Campaign& campaign);

// The campaign stored as `body` under `id` (layout in the file comment),
// validated by ValidateCampaign. version is left 0: the caller sets it from
// the record.
// Errors: InvalidArgument naming the field (wrong type, missing required
// member, unknown member, malformed civil time, and ValidateCampaign's).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Campaign> CampaignFromJson(std::string_view id,
                                                                       const Json& body);

// The record body of `campaign` (its id and version are not part of it).
// Does not validate: callers validate first.
// Errors: InvalidArgument (a string that is not valid UTF-8, a weight or
// coverage that is not finite).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> CampaignToJson(const Campaign& campaign);

// True when the campaign should be delivered at `now`: status scheduled or
// live, and its schedule window contains now. False for a schedule that does
// not resolve (an unknown zone).
MARQUEE_EXPORT bool IsServable(const Campaign& campaign, absl::Time now);

// `campaign_body` (a stored campaign body) with its variants' weights
// replaced by `weights`, in variant order, written by CampaignToJson (so a
// body in CampaignToJson's form changes in its weights only). For callers that write the new
// body in their own WriteBatch (poll rules); CampaignRepository::
// SetVariantWeights is the stand-alone form.
// Errors: InvalidArgument (the body is not a valid campaign; weights.size()
// differs from the number of variants; the new weights break validation,
// naming the field).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> WithVariantWeights(
    const Json& campaign_body, const std::vector<double>& weights);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_CAMPAIGN_H_
