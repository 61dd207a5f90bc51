#include "http/authorizer.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/jwt.h"
#include "http/text_internal.h"
#include "marquee/http/problem.h"

namespace marquee::http::internal {
namespace {

bool IsKeyName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsLowerHexDigest(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsReadMethod(std::string_view method) { return method == "GET" || method == "HEAD"; }

// The token of "Authorization: Bearer <token>" (scheme case-insensitive,
// RFC 9110 §11.1); empty when absent or another scheme.
std::string_view BearerToken(const Request& request) {
  std::optional<std::string_view> value = request.headers.Get("Authorization");
  if (!value) return {};
  std::string_view v = TrimOws(*value);
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() <= kScheme.size() || !EqualsIgnoreCase(v.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  return TrimOws(v.substr(kScheme.size()));
}

// GET /v1/polls/{id}/stream: a browser's EventSource cannot send headers,
// so this one route also takes its key from the query (access_token).
bool IsStreamPath(const Target& target) {
  const std::vector<std::string>& s = target.segments;
  return s.size() == 4 && s[0] == "v1" && s[1] == "polls" && s[3] == "stream";
}

// The value of the first access_token query parameter; empty when absent.
std::string_view QueryToken(const Target& target) {
  for (const auto& [name, value] : target.query) {
    if (name == kAccessTokenParam) return value;
  }
  return {};
}

bool Covers(ApiScope scope, RouteClass route, std::string_view method) {
  switch (scope) {
    case ApiScope::kAdmin: return true;
    case ApiScope::kRead: return route != RouteClass::kAdmin && IsReadMethod(method);
    case ApiScope::kDelivery: return route == RouteClass::kDelivery;
  }
  return false;
}

}  // namespace

bool IsDeliveryPath(const Target& target) {
  const std::vector<std::string>& s = target.segments;
  const bool v1 = !s.empty() && s[0] == "v1";
  if (v1 && s.size() == 2 && (s[1] == "decide" || s[1] == "features" || s[1] == "events")) {
    return true;
  }
  // GrowthBook SDKs fetch /api/features/{client_key}.
  if (s.size() == 3 && s[0] == "api" && s[1] == "features") return true;
  return v1 && s.size() == 4 && s[1] == "polls" &&
         (s[3] == "votes" || s[3] == "results" || s[3] == "stream");
}

RouteClass ClassifyRoute(std::string_view method, const Target& target) {
  const std::vector<std::string>& s = target.segments;
  if (method == "OPTIONS") return RouteClass::kOpen;
  if (s.size() == 1 && (s[0] == "healthz" || s[0] == "readyz" || s[0] == "openapi.json")) {
    return RouteClass::kOpen;
  }
  // POST /v1/features writes a definition: admin, not delivery.
  const bool feature_write = s.size() == 2 && s[0] == "v1" && s[1] == "features" &&
                             !IsReadMethod(method);
  if (IsDeliveryPath(target) && !feature_write) return RouteClass::kDelivery;
  // Webhook URLs, secrets and delivery logs are operator data: admin only,
  // even to read.
  if (s.size() >= 2 && s[0] == "v1" && s[1] == "webhooks") return RouteClass::kAdmin;
  return IsReadMethod(method) ? RouteClass::kRead : RouteClass::kAdmin;
}

absl::StatusOr<Authorizer> Authorizer::Create(AuthOptions options, const Clock* clock) {
  Authorizer authorizer(std::move(options), clock != nullptr ? clock : Clock::Real());
  const AuthOptions& o = authorizer.options_;
  for (const ApiKey& key : o.keys) {
    if (!IsKeyName(key.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ApiKey.name must be 1..64 bytes of [A-Za-z0-9._-], got '", key.name.substr(0, 64), "'"));
    }
    if (!IsLowerHexDigest(key.sha256_hex)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ApiKey '", key.name, "': sha256_hex must be 64 lowercase hex digits (HashApiKey)"));
    }
    if (!authorizer.keys_by_digest_.emplace(key.sha256_hex, key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("ApiKey '", key.name, "': the same key is configured twice"));
    }
  }
  if (!o.jwt_secret.empty() && o.jwt_secret.size() < 32) {
    return absl::InvalidArgumentError(
        "AuthOptions.jwt_secret must be at least 32 bytes (RFC 7518 §3.2)");
  }
  if (o.jwt_leeway < absl::ZeroDuration() || o.jwt_leeway > absl::Minutes(10)) {
    return absl::InvalidArgumentError("AuthOptions.jwt_leeway must be in 0..10 min");
  }
  if (o.user_token_header.empty()) {
    return absl::InvalidArgumentError("AuthOptions.user_token_header must not be empty");
  }
  return authorizer;
}

absl::StatusOr<Principal> Authorizer::Authorize(const Request& request,
                                                const Target& target) const {
  const RouteClass route = ClassifyRoute(request.method, target);
  Principal principal;
  if (route == RouteClass::kOpen) return principal;
  const bool stream = IsReadMethod(request.method) && IsStreamPath(target);
  if (!keys_by_digest_.empty()) {
    std::string_view token = BearerToken(request);
    const bool from_query = token.empty() && stream && !QueryToken(target).empty();
    if (from_query) token = QueryToken(target);
    if (token.empty()) return absl::UnauthenticatedError("no Bearer API key");
    auto it = keys_by_digest_.find(HashApiKey(token));
    if (it == keys_by_digest_.end()) return absl::UnauthenticatedError("unknown API key");
    // URLs end up in logs and browser histories: a key that can change
    // data must not travel in one.
    if (from_query && it->second.scope == ApiScope::kAdmin) {
      return absl::PermissionDeniedError(
          "an admin key is not accepted in the query (access_token): use a delivery or read key");
    }
    if (!Covers(it->second.scope, route, request.method)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "key '", it->second.name, "' has scope ", Sv(ApiScopeName(it->second.scope))));
    }
    principal.key_name = it->second.name;
  }
  // The stream acts for no user (a tally is the same for everyone), so it
  // needs no end-user token, which an EventSource could not send anyway.
  if (route == RouteClass::kDelivery && !stream && !options_.jwt_secret.empty()) {
    std::optional<std::string_view> token = request.headers.Get(options_.user_token_header);
    if (!token) return absl::UnauthenticatedError("no end-user token");
    absl::StatusOr<JwtClaims> claims = VerifyJwtHs256(TrimOws(*token), options_.jwt_secret,
                                                      clock_->Now(), options_.jwt_leeway);
    if (!claims.ok()) return claims.status();
    principal.user = std::move(claims->subject);
  }
  return principal;
}

Response Authorizer::Unauthorized() {
  Response r = ProblemResponse(
      MakeProblem(401, "Missing or invalid credentials: send a valid API key as "
                       "'Authorization: Bearer <key>' (and an end-user token where required)."));
  r.headers.Set("WWW-Authenticate", "Bearer");
  return r;
}

Response Authorizer::Forbidden() {
  return ProblemResponse(MakeProblem(403, "The API key's scope does not cover this request."));
}

}  // namespace marquee::http::internal
