// marquee/http/auth.h — who may call the HTTP API: API keys with scopes, and
// optional end-user JSON Web Tokens on delivery routes.
//
// API keys travel as "Authorization: Bearer <key>" and are kept only as
// SHA-256 digests (ApiKey::sha256_hex), so a leaked configuration does not
// leak a usable key. Each key has one scope:
//   admin     everything;
//   read      GET and HEAD of every route but /v1/webhooks... (admin only);
//   delivery  the routes a page calls: decide, features (and GrowthBook's
//             /api/features/{key}), poll votes, results and stream, events.
// /healthz, /readyz, /openapi.json and every OPTIONS (CORS preflights carry
// no credentials) are open. With no keys configured, the API is open.
// A missing or unknown key is 401 with "WWW-Authenticate: Bearer"; a key
// whose scope does not cover the route is 403.
//
// With a jwt_secret, delivery routes also need an end-user token (JWT,
// HS256 only) in the user_token_header; the user of decide, votes and
// events is then its verified "sub", so nobody votes as someone else. Every
// refused token (alg none or any alg but HS256, bad signature, expired
// beyond the leeway, nbf in the future, malformed) gets the same 401 body.
// Thread-safety: values and pure functions.
//
//   marquee::http::ApiOptions options{...};
//   options.auth.keys.push_back({.name = "ops", .sha256_hex = marquee::http::HashApiKey(key),
//                                .scope = marquee::http::ApiScope::kAdmin});
#ifndef MARQUEE_HTTP_AUTH_H_
#define MARQUEE_HTTP_AUTH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/export.h"

namespace marquee::http {

enum class ApiScope : uint8_t { kRead, kDelivery, kAdmin };

// "read", "delivery", "admin".
MARQUEE_EXPORT std::string_view ApiScopeName(ApiScope scope);
// The scope named `name` (as ApiScopeName writes it).
// Errors: InvalidArgument (an unknown name).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<ApiScope> ParseApiScope(std::string_view name);

struct ApiKey {
  // For logs ("ops", "web-frontend"); 1..64 bytes of [A-Za-z0-9._-].
  std::string name{};
  // HashApiKey of the key: 64 lowercase hex digits.
  std::string sha256_hex{};
  // Default: kRead.
  ApiScope scope = ApiScope::kRead;
};

struct AuthOptions {
  // The accepted keys. Empty: the API is open. Default: empty.
  std::vector<ApiKey> keys{};
  // The HS256 secret of end-user tokens; at least 32 bytes when set.
  // Empty: delivery routes take the user from the request. Default: "".
  std::string jwt_secret{};
  // The header carrying the end-user token on delivery routes.
  // Default: "X-User-Token".
  std::string user_token_header = "X-User-Token";
  // Clock skew allowed on exp and nbf; 0..10 min. Default: 60 s.
  absl::Duration jwt_leeway = absl::Seconds(60);
};

// The SHA-256 of `key`, as 64 lowercase hex digits (what ApiKey stores).
MARQUEE_EXPORT std::string HashApiKey(std::string_view key);

// A new random key: "mq_" and 43 base64url characters (32 random bytes).
// Errors: Internal (no randomness available).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::string> GenerateApiKey();

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_AUTH_H_
