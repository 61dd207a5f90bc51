// Verification of end-user JSON Web Tokens (RFC 7519) signed with HS256
// (HMAC-SHA256, RFC 7518 §3.2), for the identity of delivery requests.
//
// Only the compact JWS form with alg "HS256" is accepted: "none", every
// other alg, a "crit" header, a bad signature, an expired token (exp, with
// leeway), a token not yet valid (nbf, with leeway), a missing exp or sub,
// and anything malformed are refused. The caller answers all of them with
// one identical 401, so a client learns nothing about which check failed;
// the messages here are for logs.
// Thread-safety: pure functions.
#ifndef MARQUEE_SRC_HTTP_JWT_H_
#define MARQUEE_SRC_HTTP_JWT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace marquee::http::internal {

struct JwtClaims {
  // The verified "sub": the end user the token speaks for.
  std::string subject;
  absl::Time expires;
};

// Bounds on a token from outside, checked before any decoding.
inline constexpr size_t kMaxJwtBytes = 8192;

// The claims of `token` when it is a valid HS256 JWT under `secret` at
// `now`, allowing `leeway` of clock skew on exp and nbf.
// Errors: Unauthenticated, saying which check failed (for logs only).
[[nodiscard]] absl::StatusOr<JwtClaims> VerifyJwtHs256(std::string_view token,
                                                       std::string_view secret, absl::Time now,
                                                       absl::Duration leeway);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_JWT_H_
