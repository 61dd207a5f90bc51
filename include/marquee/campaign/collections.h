// marquee/campaign/collections.h — where the campaign domain keeps its data.
//
// Every part of the domain (campaigns, segments, features, polls, votes,
// profiles, sticky buckets, event aggregates) stores records in one
// marquee::Store under the collection names below. PrepareCampaignStore
// declares the secondary indexes those parts scan by; CampaignSchemas lists
// each collection's current schema version for a SchemaRegistry, so a later
// change of a body's shape is an upgrade step, not a migration outage.
// docs/architecture.md ("How the campaign domain works") gives each
// collection's record id and body layout.
// Thread-safety: pure functions; PrepareCampaignStore may be called
// concurrently with other store calls (Store::DefineIndex is thread-safe).
//
//   auto store = marquee::OpenMemoryStore({.dir = "/var/lib/marquee"});
//   MARQUEE_RETURN_IF_ERROR(marquee::campaign::PrepareCampaignStore(**store));
//   auto registry = marquee::SchemaRegistry::Create(marquee::campaign::CampaignSchemas());
#ifndef MARQUEE_CAMPAIGN_COLLECTIONS_H_
#define MARQUEE_CAMPAIGN_COLLECTIONS_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "marquee/export.h"
#include "marquee/index.h"
#include "marquee/schema.h"
#include "marquee/store.h"

namespace marquee::campaign {

// Collection names. Ids: campaigns, segments, features, polls, profiles and
// poll_tallies are keyed by their own id (a user id for profiles); votes by
// "<poll id>/<user id>"; sticky_buckets by "<attribute name>||<value>";
// event_aggregates by campaign, variant, type and time bucket.
inline constexpr std::string_view kCampaignsCollection = "campaigns";
inline constexpr std::string_view kSegmentsCollection = "segments";
inline constexpr std::string_view kFeaturesCollection = "features";
inline constexpr std::string_view kPollsCollection = "polls";
inline constexpr std::string_view kVotesCollection = "votes";
inline constexpr std::string_view kPollTalliesCollection = "poll_tallies";
inline constexpr std::string_view kProfilesCollection = "profiles";
inline constexpr std::string_view kStickyBucketsCollection = "sticky_buckets";
inline constexpr std::string_view kEventAggregatesCollection = "event_aggregates";

// Index names, each on the collection its name starts with.
inline constexpr std::string_view kCampaignsByStatusIndex = "by_status";           // /status, /priority desc
inline constexpr std::string_view kCampaignsByPriorityIndex = "by_priority";       // /priority desc
inline constexpr std::string_view kSegmentsByNameIndex = "by_name";                // /name
inline constexpr std::string_view kPollsByClosesAtIndex = "by_closes_at";          // /closesAt
inline constexpr std::string_view kVotesByUserIndex = "by_user";                   // /user
inline constexpr std::string_view kVotesByPollIndex = "by_poll";                   // /poll
inline constexpr std::string_view kStickyBucketsByValueIndex = "by_attribute_value";  // /attributeValue
inline constexpr std::string_view kAggregatesByCampaignIndex = "by_campaign";      // /campaign, /bucket, /start

// Every secondary index the domain scans by (the comments above give their
// fields), in a stable order.
MARQUEE_EXPORT std::vector<IndexSpec> CampaignIndexes();

// Declares CampaignIndexes() on `store`. Declaring them again is a no-op.
// Errors: AlreadyExists (an index of the same name with other fields was
// declared by someone else), those of Store::DefineIndex.
[[nodiscard]] MARQUEE_EXPORT absl::Status PrepareCampaignStore(Store& store);

// The current schema version of every domain collection (all 1 today, with
// no upgrade steps), ready for SchemaRegistry::Create. A host that keeps its
// own collections appends its schemas to this list.
MARQUEE_EXPORT std::vector<CollectionSchema> CampaignSchemas();

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_COLLECTIONS_H_
