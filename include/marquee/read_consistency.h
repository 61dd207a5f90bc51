// marquee/read_consistency.h — how fresh a read must be.
//
// Reads served from caches (marquee/tiered_cache.h, a DeliveryView) are
// eventually consistent: after a write commits, a cache of this or another
// node may answer with the previous version until the store's change feed
// reaches it (milliseconds on a healthy deployment). A read that must see
// every write acknowledged before it began asks for kStrong, which reads
// the store itself. Writes (compare-and-set on the record version) and
// poll votes always go to the store, whatever the reads ask for.
// Thread-safety: a value.
//
//   absl::StatusOr<Campaign> fresh = repo->Get("spring", ReadConsistency::kStrong);
//   absl::StatusOr<Campaign> fast = repo->Get("spring", ReadConsistency::kEventual);
#ifndef MARQUEE_READ_CONSISTENCY_H_
#define MARQUEE_READ_CONSISTENCY_H_

namespace marquee {

enum class ReadConsistency {
  // From a cache when one is configured: may miss writes committed in the
  // last moments (until the change feed invalidates the cached entry).
  kEventual,
  // From the store: reflects every write acknowledged before the read began.
  kStrong,
};

}  // namespace marquee

#endif  // MARQUEE_READ_CONSISTENCY_H_
