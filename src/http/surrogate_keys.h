// Surrogate-Key on cacheable GET answers, so an edge cache (Varnish xkey, a
// CDN) can purge exactly what a store change made stale. The scheme is
// marquee/http/surrogate_keys.h's: an answer built from one record carries
// "c/id c/*"; one built from a whole collection (a list, the features
// payload, a decision) carries "c". The key list is space-separated, as
// Varnish's xkey and Fastly read it.
#ifndef MARQUEE_SRC_HTTP_SURROGATE_KEYS_H_
#define MARQUEE_SRC_HTTP_SURROGATE_KEYS_H_

#include <string>
#include <string_view>

#include "marquee/http/message.h"

namespace marquee::http::internal {

// The keys of a GET or HEAD answer of route `pattern` (a Router pattern such
// as "/v1/polls/{id}/results") for `target`; empty for routes whose answers
// are not cached by shared caches or depend on nothing stored.
std::string SurrogateKeys(std::string_view pattern, const Target& target);

// Sets Surrogate-Key on a 200 or 304 answer to GET or HEAD when the route
// has keys.
void AddSurrogateKeys(std::string_view method, std::string_view pattern, const Target& target,
                      Response& response);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_SURROGATE_KEYS_H_
