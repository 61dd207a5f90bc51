// Authorizer: the decision of auth.h for one request: which class its route
// is in, whether its credentials cover it, and the verified end user.
#ifndef MARQUEE_SRC_HTTP_AUTHORIZER_H_
#define MARQUEE_SRC_HTTP_AUTHORIZER_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/clock.h"
#include "marquee/http/auth.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

enum class RouteClass : uint8_t { kOpen, kRead, kDelivery, kAdmin };

// The query parameter that may carry the API key on GET and HEAD of
// /v1/polls/{id}/stream only (RFC 6750 §2.3's name): a browser's
// EventSource cannot send an Authorization header. A header, when present,
// wins; an admin key is refused there (403).
inline constexpr std::string_view kAccessTokenParam = "access_token";

// Whether `target` is a delivery route's path (auth.h's list), whatever
// the method: CORS applies to its preflights too.
bool IsDeliveryPath(const Target& target);

// The class of `method` on `target` (auth.h's table).
RouteClass ClassifyRoute(std::string_view method, const Target& target);

// Who is calling, once Authorize accepted the request.
struct Principal {
  // The key's name; empty when the API is open.
  std::string key_name;
  // The verified "sub" of the end-user token (delivery routes with a
  // jwt_secret only).
  std::optional<std::string> user;
};

class Authorizer {
 public:
  // Errors: InvalidArgument (a key with a malformed name or digest, two
  // keys with one digest, a jwt_secret under 32 bytes, a leeway out of
  // range, an empty user_token_header).
  [[nodiscard]] static absl::StatusOr<Authorizer> Create(AuthOptions options, const Clock* clock);

  // The principal of `request`, or the answer to give instead: a 401
  // problem (always the same body for a given cause class) or a 403.
  absl::StatusOr<Principal> Authorize(const Request& request, const Target& target) const;

  // The 401 every refused credential gets.
  static Response Unauthorized();
  // The 403 of a key whose scope does not cover the route.
  static Response Forbidden();

 private:
  Authorizer(AuthOptions options, const Clock* clock) : options_(std::move(options)), clock_(clock) {}
  AuthOptions options_;
  const Clock* clock_;
  absl::flat_hash_map<std::string, ApiKey> keys_by_digest_;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_AUTHORIZER_H_
