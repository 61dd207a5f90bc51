// CORS (the Fetch standard's CORS protocol) for delivery routes, so pages
// on the configured origins may call decide, votes, events, results and
// the stream from the browser. Other routes never get CORS headers: the
// admin API is not meant to be called from pages.
#ifndef MARQUEE_SRC_HTTP_CORS_H_
#define MARQUEE_SRC_HTTP_CORS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

// Adds the CORS headers to `response` (the answer to `request`, a delivery
// route) when its Origin is one of `allowed_origins` (exact, or the entry
// "*" for any origin). A preflight (OPTIONS with
// Access-Control-Request-Method) also gets the allowed methods (its Allow),
// request headers and max age. Adds Vary: Origin whenever origins are
// configured, since the answer depends on it.
void ApplyCors(const std::vector<std::string>& allowed_origins, absl::Duration max_age,
               const Request& request, Response& response);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_CORS_H_
