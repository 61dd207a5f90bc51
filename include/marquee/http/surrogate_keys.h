// marquee/http/surrogate_keys.h — the surrogate keys of Marquee's answers,
// and the keys a change makes stale (target marquee::http).
//
// Cacheable GET answers of the Api carry a Surrogate-Key header (api.h), so
// an edge cache (Varnish with the xkey vmod, a CDN) can drop exactly the
// answers a store change made stale. The scheme follows the change feed:
//   "c"     answers built from collection `c` (lists, the features payload,
//           a decision);
//   "c/id"  answers of record `id` of `c` (an id with a byte outside
//           [A-Za-z0-9._~:@-] gets "c" instead: coarser, never missed);
//   "c/*"   every answer of one record of `c` also carries it, so that one
//           purge of "c" and "c/*" drops everything built from `c`.
// A change of record `id` in `c` purges "c" and "c/id" (ChangePurgeKeys);
// an edge purger whose backlog overflows purges "c" and "c/*" instead
// (CollectionPurgeKeys). Keys are separated by spaces, as Varnish's xkey
// and Fastly read them.
// Thread-safety: pure functions.
//
//   for (const std::string& key : marquee::http::ChangePurgeKeys("campaigns", "spring"))
//     purge(key);  // "campaigns", "campaigns/spring"
#ifndef MARQUEE_HTTP_SURROGATE_KEYS_H_
#define MARQUEE_HTTP_SURROGATE_KEYS_H_

#include <string>
#include <string_view>
#include <vector>

#include "marquee/export.h"

namespace marquee::http {

// Whether `id` may appear in a key: 1..256 bytes of [A-Za-z0-9._~:@-].
MARQUEE_EXPORT bool IsSurrogateKeySafe(std::string_view id);

// The keys a change of record `id` in `collection` makes stale: {"c",
// "c/id"}, or {"c"} when the id is not key-safe.
MARQUEE_EXPORT std::vector<std::string> ChangePurgeKeys(std::string_view collection,
                                                        std::string_view id);

// The keys of every answer built from `collection`: {"c", "c/*"}.
MARQUEE_EXPORT std::vector<std::string> CollectionPurgeKeys(std::string_view collection);

// The collections whose records the Api's tagged answers are built from
// (campaigns, segments, features, polls, poll_tallies): changes elsewhere
// (votes, events, profiles, ...) make no cached answer stale.
MARQUEE_EXPORT const std::vector<std::string>& TaggedCollections();

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_SURROGATE_KEYS_H_
