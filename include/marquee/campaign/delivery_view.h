// marquee/campaign/delivery_view.h — the read model Decide serves from.
//
// A DeliveryView is the CQRS read side of the campaign domain: a
// denormalised, immutable snapshot of everything a page view needs, kept
// current from Store::Watch. For each campaign that can be served (status
// scheduled or live; drafts, paused and ended campaigns are left out) it
// holds the parsed Campaign, its schedule window as instants, its compiled
// condition, the compiled conditions of the segments it names, and its
// hashing inputs (seed, bucket ranges); campaigns are ordered by priority
// (higher first, then id) and indexed by placement. It also holds the
// compiled FeatureSet of the "features" collection.
//
// Loading never misses a change: Open subscribes to the change feed at the
// store's current version first, then scans, then applies the changes
// delivered meanwhile, skipping any the scan already reflected (each key
// remembers the version it was applied at). A change rebuilds only what it
// touches (a segment change re-resolves the campaigns naming it) and
// publishes a new snapshot; the changes of one committed batch are
// published together. A view that falls behind the store's retained
// history (Watch's OutOfRange) reloads everything.
// Thread-safety: every method may be called concurrently. Snapshots are
// immutable; a reader holds one by shared_ptr and takes no lock while using
// it.
//
//   auto view = DeliveryView::Open(store.get());
//   if (!view.ok()) return view.status();
//   uint64_t v = *store->Write(batch);
//   MARQUEE_RETURN_IF_ERROR((*view)->WaitForVersion(v, absl::Seconds(1)));
//   std::shared_ptr<const DeliverySnapshot> snap = (*view)->snapshot();
//   for (const auto& entry : snap->campaigns) use(entry->campaign);
#ifndef MARQUEE_CAMPAIGN_DELIVERY_VIEW_H_
#define MARQUEE_CAMPAIGN_DELIVERY_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/hashing.h"
#include "marquee/campaign/schedule.h"
#include "marquee/export.h"
#include "marquee/store.h"

namespace marquee::campaign {

// One segment a campaign names, resolved.
struct ResolvedSegment {
  std::string id{};
  // Null when the segment does not exist (or its record is invalid): the
  // campaign is then not served.
  std::shared_ptr<const CompiledCondition> condition{};
};

// One servable campaign, denormalised for Decide.
struct DeliveryEntry {
  Campaign campaign{};
  // The schedule resolved to instants.
  ScheduleWindow window{};
  // The campaign's own condition; {} (matches everyone) when it has none.
  CompiledCondition condition{};
  // Targeting.segments in order.
  std::vector<ResolvedSegment> segments{};
  // The first segment of `segments` that is missing; empty when none is.
  std::string missing_segment{};
  // experiment.seed, else the campaign id.
  std::string seed{};
  // GetBucketRanges(variants, coverage, weights).
  std::vector<BucketRange> ranges{};
};

// A stored campaign the view does not serve, kept so explain can say why.
struct HeldCampaign {
  std::string id{};
  // "status paused", or the record's validation error.
  std::string reason{};
};

// An immutable picture of the delivery data at one store version.
struct DeliverySnapshot {
  // Store version the snapshot reflects (every commit up to it).
  uint64_t version = 0;
  // Servable campaigns, priority descending, then id ascending.
  std::vector<std::shared_ptr<const DeliveryEntry>> campaigns{};
  // Placement -> positions in `campaigns` (ascending) of the campaigns
  // listing it or listing no placement at all.
  std::map<std::string, std::vector<uint32_t>, std::less<>> by_placement{};
  // Positions of campaigns that list no placement (they fill any).
  std::vector<uint32_t> any_placement{};
  // Campaigns stored but not served, by id.
  std::map<std::string, HeldCampaign, std::less<>> held{};
  // Segment id -> compiled condition (valid segments only).
  std::map<std::string, std::shared_ptr<const CompiledCondition>, std::less<>> segments{};
  // The features collection, compiled (invalid definitions left out).
  std::shared_ptr<const FeatureSet> features{};
  // Features left out of `features`, with their errors.
  std::map<std::string, absl::Status, std::less<>> invalid_features{};
};

struct DeliveryViewStats {
  uint64_t changes_applied = 0;     // feed changes processed (any collection)
  uint64_t changes_skipped = 0;     // feed changes the initial scan already reflected
  uint64_t snapshots_published = 0;
  uint64_t reloads = 0;             // full reloads after falling behind the feed
};

struct DeliveryViewOptions {
  // Called on the view's thread for every change of the feed, in commit
  // order, before the snapshot that reflects it is published (Decider
  // invalidates its caches here). Must not call back into the view.
  // Default: none.
  std::function<void(const Change&)> on_change{};
  // Called on the view's thread after a full reload, when changes may have
  // been missed (Decider clears its caches). Default: none.
  std::function<void()> on_reload{};
  // Most records read per Scan page while loading. Default: 1,000.
  size_t scan_page = 1'000;
  // Most changes queued between the store's watch thread and the view's
  // thread. When full, the watch thread waits; if the store discards the
  // history meanwhile, the view reloads (memory stays bounded either way).
  // Default: 65,536.
  size_t max_queued_changes = 65'536;
};

class MARQUEE_EXPORT DeliveryView {
 public:
  // Loads campaigns, segments and features from `store` (not owned; it
  // must outlive the view) and follows its change feed.
  // Errors: InvalidArgument (null store, scan_page or max_queued_changes
  // 0), those of Store::Scan
  // and Store::Watch (OutOfRange after repeated attempts when the store
  // discards history faster than the view can load).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DeliveryView>> Open(
      Store* store, DeliveryViewOptions options = {});
  // Stops following the feed and joins the view's thread.
  ~DeliveryView();
  DeliveryView(const DeliveryView&) = delete;
  DeliveryView& operator=(const DeliveryView&) = delete;

  // The current snapshot; never null.
  std::shared_ptr<const DeliverySnapshot> snapshot() const;
  // The store version the current snapshot reflects.
  uint64_t version() const;
  // Waits until version() >= v.
  // Errors: DeadlineExceeded (timeout), Cancelled (the view is shutting
  // down), the feed's error when it ended for good.
  [[nodiscard]] absl::Status WaitForVersion(uint64_t v, absl::Duration timeout) const;
  DeliveryViewStats stats() const;

 private:
  struct Impl;
  explicit DeliveryView(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_DELIVERY_VIEW_H_
