// Decider: one page view's campaigns, variants and flags, from a
// DeliveryView snapshot and L1-cached profiles and sticky buckets.
#include "marquee/campaign/decide.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/clause_memo_internal.h"
#include "campaign/decide_internal.h"
#include "campaign/regex_memo_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/profile.h"
#include "marquee/status.h"

namespace marquee::campaign {

struct Decider::Impl {
  Store* store = nullptr;
  Clock* clock = nullptr;
  bool evaluate_flags = true;
  std::unique_ptr<Cache<Value>> profiles;
  std::unique_ptr<Cache<StickyAssignmentsDoc>> sticky_docs;
  std::unique_ptr<internal::CachedStickyBucketService> cached_sticky;
  StickyBucketService* sticky = nullptr;
  // Declared last, destroyed first: its thread calls into the caches.
  std::unique_ptr<DeliveryView> view;

  void OnChange(const Change& change) {
    if (change.collection == kProfilesCollection) {
      profiles->Invalidate(change.id, change.version);
    } else if (change.collection == kStickyBucketsCollection) {
      sticky_docs->Invalidate(change.id, change.version);
    }
  }

  void OnReload() {
    profiles->Clear();
    sticky_docs->Clear();
  }

  void Flags(const DeliverySnapshot& snap, const Value& attributes, Decision& out) const {
    if (snap.features == nullptr || snap.features->size() == 0) return;
    Context context;
    context.attributes = attributes;
    context.features = snap.features;
    context.sticky_bucket_service = sticky;
    // A sticky document that cannot be read only costs stickiness here.
    (void)LoadStickyBuckets(context);
    out.flags.reserve(snap.features->size());
    for (const auto& [key, definition] : snap.features->definitions()) {
      FeatureResult r = EvalFeature(context, key);
      out.flags.push_back({.key = key, .value = std::move(r.value), .on = r.on,
                           .source = r.source, .rule_id = std::move(r.rule_id)});
    }
  }
};

Decider::Decider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Decider::~Decider() = default;

absl::StatusOr<std::unique_ptr<Decider>> Decider::Open(Store* store, DeciderOptions options) {
  if (store == nullptr) return absl::InvalidArgumentError("Decider: store is null");
  if (options.profile_cache_bytes == 0) {
    return absl::InvalidArgumentError("DeciderOptions.profile_cache_bytes: must be > 0");
  }
  if (options.sticky_cache_bytes == 0) {
    return absl::InvalidArgumentError("DeciderOptions.sticky_cache_bytes: must be > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->clock = options.clock != nullptr ? options.clock : Clock::Real();
  impl->evaluate_flags = options.evaluate_flags;
  // Entries are dropped by the change feed, not by age: no TTL, and a
  // missing record is remembered until it is created.
  CacheOptions cache{.capacity_bytes = options.profile_cache_bytes,
                     .negative_ttl = absl::InfiniteDuration()};
  MARQUEE_ASSIGN_OR_RETURN(impl->profiles, Cache<Value>::Create(cache));
  cache.capacity_bytes = options.sticky_cache_bytes;
  MARQUEE_ASSIGN_OR_RETURN(impl->sticky_docs, Cache<StickyAssignmentsDoc>::Create(cache));
  if (options.sticky_bucket_service != nullptr) {
    impl->sticky = options.sticky_bucket_service;
  } else {
    impl->cached_sticky =
        std::make_unique<internal::CachedStickyBucketService>(store, impl->sticky_docs.get());
    impl->sticky = impl->cached_sticky.get();
  }
  Impl* raw = impl.get();
  MARQUEE_ASSIGN_OR_RETURN(
      impl->view,
      DeliveryView::Open(store, {.on_change = [raw](const Change& c) { raw->OnChange(c); },
                                 .on_reload = [raw] { raw->OnReload(); }}));
  return std::unique_ptr<Decider>(new Decider(std::move(impl)));
}

absl::StatusOr<Decision> Decider::Decide(const DecideRequest& request) const {
  MARQUEE_RETURN_IF_ERROR(ValidateUserId(request.user));
  if (!request.context.is_null() && !request.context.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("context: expected an object, got ",
                                                   ::marquee::internal::Sv(ValueTypeName(request.context.type()))));
  }
  if (request.placement.has_value() && request.placement->empty()) {
    return absl::InvalidArgumentError("placement: must not be empty when given");
  }
  const Impl& impl = *impl_;
  // The attributes are fixed for the whole call, and campaigns repeat
  // regex clauses (browser, URL): each distinct one runs RE2 once.
  internal::ScopedRegexMemo regex_memo;
  std::shared_ptr<const DeliverySnapshot> snap = impl.view->snapshot();
  MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const Value> profile,
                           internal::LoadProfileAttributes(*impl.store, *impl.profiles,
                                                           request.user));
  const Value attributes = internal::MergeAttributes(profile.get(), request.context, request.user);
  internal::ScopedClauseMemo clause_memo(attributes);
  const absl::Time now = impl.clock->Now();

  Decision out;
  out.view_version = snap->version;
  const bool explain = request.explain;
  // The campaigns to look at: with a placement, its index; with explain,
  // all of them (so the others can be reported with their reason).
  const std::vector<uint32_t>* placed = nullptr;  // null: every campaign, in order
  if (request.placement.has_value() && !explain) {
    auto it = snap->by_placement.find(*request.placement);
    placed = it != snap->by_placement.end() ? &it->second : &snap->any_placement;
  }
  const size_t count = placed != nullptr ? placed->size() : snap->campaigns.size();

  std::string reason;
  std::vector<std::string> lines;  // explain: what decided this campaign
  for (size_t k = 0; k < count; ++k) {
    const DeliveryEntry& entry = *snap->campaigns[placed != nullptr ? (*placed)[k] : k];
    const Campaign& c = entry.campaign;
    if (explain && request.placement.has_value() && !c.placements.empty() &&
        std::find(c.placements.begin(), c.placements.end(), *request.placement) ==
            c.placements.end()) {
      out.skipped.push_back({.campaign_id = c.id,
                             .reason = absl::StrCat("placement: does not fill '",
                                                    *request.placement, "'")});
      continue;
    }
    if (explain) {
      lines.clear();
      lines.push_back(request.placement.has_value()
                          ? absl::StrCat("placement: fills '", *request.placement, "'")
                          : "placement: any requested");
    }
    // Most campaigns do not match: nothing is built for them.
    if (!internal::Targets(entry, attributes, now, explain ? &reason : nullptr,
                           explain ? &lines : nullptr)) {
      if (explain) out.skipped.push_back({.campaign_id = c.id, .reason = reason});
      continue;
    }
    CampaignDecision d;
    if (explain) d.explain = std::move(lines);
    d.campaign_id = c.id;
    d.name = c.name;
    d.priority = c.priority;
    d.placements = c.placements;
    internal::AssignVariant(entry, attributes, impl.sticky, d, explain);
    out.campaigns.push_back(std::move(d));
  }
  if (explain) {
    for (const auto& [id, held] : snap->held) {
      out.skipped.push_back({.campaign_id = id, .reason = held.reason});
    }
  }
  if (impl.evaluate_flags) impl.Flags(*snap, attributes, out);
  return out;
}

const DeliveryView& Decider::view() const { return *impl_->view; }

CacheStats Decider::profile_cache_stats() const { return impl_->profiles->stats(); }

CacheStats Decider::sticky_cache_stats() const { return impl_->sticky_docs->stats(); }

}  // namespace marquee::campaign
