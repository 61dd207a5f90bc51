// marquee/campaign/decide.h — what one page view shows: campaigns, variants, flags.
//
// Decider::Decide answers, for one user and one page view, which campaigns
// to show and with which variant, and the value of every feature flag:
//   - attributes: the user's profile attributes (profiles/<user>), then the
//     request's context members over them (context wins), then "id" = the
//     user id when absent;
//   - campaigns: those servable now (status scheduled or live, schedule
//     window containing the clock's now), filling the requested placement
//     (a campaign with no placements fills any), whose condition and every
//     segment's condition match, in priority order (higher first, then id);
//   - variants: GrowthBook hashing (hashing.h) with the campaign's seed (the
//     campaign id by default) and hash attribute (its fallback when absent
//     or empty); a user outside the coverage, or without a hash value, gets
//     variant 0 and in_experiment false. A sticky campaign keeps the first
//     variant a user got (sticky_bucket.h, assignment key
//     "<campaign id>__0") even after its weights change;
//   - flags: every feature of the features collection, evaluated by
//     EvalFeature (evaluator.h) on the same attributes.
// Hot path: the campaigns come from a DeliveryView snapshot (compiled
// conditions, precomputed bucket ranges); profiles and sticky-bucket
// documents come from byte-bounded L1 caches (cache.h) filled on a miss and
// invalidated from the change feed, missing ones cached too. A repeated
// Decide for a user reads nothing from the store while nothing changed
// (the first assignment of a sticky campaign writes it once).
// Thread-safety: Decide is const and may be called from any number of
// threads at once.
//
//   auto decider = Decider::Open(store.get(), {.clock = &clock});
//   if (!decider.ok()) return decider.status();
//   absl::StatusOr<Decision> d = (*decider)->Decide(
//       {.user = "u42", .context = *Value::Parse(R"({"country":"FR"})"),
//        .placement = "home.hero"});
//   for (const CampaignDecision& c : d->campaigns) render(c.campaign_id, c.content);
#ifndef MARQUEE_CAMPAIGN_DECIDE_H_
#define MARQUEE_CAMPAIGN_DECIDE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/cache.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/campaign/value.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign {

struct DecideRequest {
  // The user; a valid user id (ValidateUserId, profile.h).
  std::string user{};
  // Attributes of this request (page, device, ...), an object or null.
  // They override the profile's. Default: null (none).
  Value context{};
  // Only campaigns that may fill this placement. Default: none (all).
  std::optional<std::string> placement{};
  // Report why each campaign was or was not selected. Default: false.
  bool explain = false;
};

struct CampaignDecision {
  std::string campaign_id{};
  std::string name{};
  int64_t priority = 0;
  std::vector<std::string> placements{};
  std::string variant_key{};
  int variant_index = 0;
  // The variant's content.
  Json content{};
  // False when the user fell outside the coverage or had no hash value
  // (variant 0 is shown then).
  bool in_experiment = false;
  // The variant came from the user's sticky bucket.
  bool sticky_used = false;
  // With explain: the clauses that decided, one per line.
  std::vector<std::string> explain{};
};

// With explain: a campaign the user did not get, and why.
struct SkippedCampaign {
  std::string campaign_id{};
  // The first clause that failed ("condition: false", "segment vip: false").
  std::string reason{};
};

struct FlagDecision {
  std::string key{};
  Value value{};
  bool on = false;
  FeatureSource source = FeatureSource::kUnknownFeature;
  // Id of the rule that gave the value; "" for none.
  std::string rule_id{};
};

struct Decision {
  // Selected campaigns, priority descending, then id.
  std::vector<CampaignDecision> campaigns{};
  // Every feature, by key ascending.
  std::vector<FlagDecision> flags{};
  // With explain: every other stored campaign and why it was not selected.
  std::vector<SkippedCampaign> skipped{};
  // The DeliveryView version decided from.
  uint64_t view_version = 0;
};

struct DeciderOptions {
  // Source of "now" for schedules. Not owned. Default: Clock::Real().
  Clock* clock = nullptr;
  // Where sticky assignments are read and saved. Not owned. Default: a
  // StoreStickyBucketService over the store, read through an L1 cache
  // invalidated from the change feed. A service given here is called
  // directly (not cached): the Decider cannot see its changes.
  StickyBucketService* sticky_bucket_service = nullptr;
  // Bound of the L1 cache of profiles. Default: 64 MiB.
  size_t profile_cache_bytes = size_t{64} << 20;
  // Bound of the L1 cache of sticky-bucket documents. Default: 16 MiB.
  size_t sticky_cache_bytes = size_t{16} << 20;
  // Evaluate feature flags in every Decide. Default: true.
  bool evaluate_flags = true;
};

class MARQUEE_EXPORT Decider {
 public:
  // A Decider over `store` (not owned; it must outlive the Decider), with
  // its own DeliveryView.
  // Errors: InvalidArgument (null store, a cache size of 0), those of
  // DeliveryView::Open.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Decider>> Open(Store* store,
                                                                     DeciderOptions options = {});
  ~Decider();
  Decider(const Decider&) = delete;
  Decider& operator=(const Decider&) = delete;

  // The decision for one page view (rules in the file comment).
  // Errors: InvalidArgument (bad user id, context not an object, empty
  // placement), DataLoss (the stored profile has no "attributes" object),
  // those of Store::Get (loading a profile or sticky document on a cache
  // miss). A failure to save a new sticky assignment does not fail the
  // decision (the assignment is recomputed next time).
  [[nodiscard]] absl::StatusOr<Decision> Decide(const DecideRequest& request) const;

  // The read model decisions come from (WaitForVersion for read-your-writes).
  const DeliveryView& view() const;
  // Statistics of the profile and sticky-bucket L1 caches.
  CacheStats profile_cache_stats() const;
  CacheStats sticky_cache_stats() const;

 private:
  struct Impl;
  explicit Decider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_DECIDE_H_
