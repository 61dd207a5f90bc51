// API keys, scopes and end-user JWTs (HS256): the route classes, the
// Authorizer's decisions, and every way a token is refused.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "http/authorizer.h"
#include "http/jwt.h"
#include "jwt_for_test.h"
#include "marquee/clock.h"
#include "marquee/http/auth.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {
namespace {

constexpr std::string_view kSecret = test::kJwtSecret;
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

using test::SignJwt;

std::string B64(std::string_view text) { return test::Base64Url(text); }

// Signed with HS256 under `secret` (kSecret by default).
std::string Sign(std::string_view header, std::string_view payload,
                 std::string_view secret = kSecret) {
  return SignJwt(header, payload, secret);
}

std::string Claims(int64_t exp_offset_seconds, std::string extra = "") {
  return R"({"sub":"user-1","exp":)" +
         std::to_string(absl::ToUnixSeconds(kNow) + exp_offset_seconds) + extra + "}";
}

constexpr std::string_view kHs256 = test::kHs256Header;

absl::StatusOr<JwtClaims> Verify(std::string_view token) {
  return VerifyJwtHs256(token, kSecret, kNow, absl::Seconds(60));
}

TEST_CASE("jwt: a valid HS256 token gives its sub") {
  absl::StatusOr<JwtClaims> claims = Verify(Sign(kHs256, Claims(300)));
  REQUIRE_MESSAGE(claims.ok(), claims.status().ToString());
  CHECK(claims->subject == "user-1");
  CHECK(claims->expires == kNow + absl::Seconds(300));
}

TEST_CASE("jwt: exp and nbf are checked with the leeway") {
  CHECK(Verify(Sign(kHs256, Claims(-59))).ok());   // expired, within leeway
  CHECK(Verify(Sign(kHs256, Claims(-61))).status().code() == absl::StatusCode::kUnauthenticated);
  const std::string nbf_soon =
      ",\"nbf\":" + std::to_string(absl::ToUnixSeconds(kNow) + 59);
  const std::string nbf_later =
      ",\"nbf\":" + std::to_string(absl::ToUnixSeconds(kNow) + 61);
  CHECK(Verify(Sign(kHs256, Claims(300, nbf_soon))).ok());
  CHECK_FALSE(Verify(Sign(kHs256, Claims(300, nbf_later))).ok());
  CHECK(Verify(Sign(kHs256, Claims(300, ",\"nbf\":1.5e9"))).ok());  // fractional dates
}

TEST_CASE("jwt: every refused token is Unauthenticated") {
  const std::string good = Sign(kHs256, Claims(300));
  const std::string payload = B64(Claims(300));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"alg none, no signature", B64(R"({"alg":"none"})") + "." + payload + "."},
      {"alg none, HS256 signature", Sign(R"({"alg":"none"})", Claims(300))},
      {"alg HS512", Sign(R"({"alg":"HS512"})", Claims(300))},
      {"alg RS256", Sign(R"({"alg":"RS256"})", Claims(300))},
      {"alg missing", Sign(R"({"typ":"JWT"})", Claims(300))},
      {"crit header", Sign(R"({"alg":"HS256","crit":["exp"]})", Claims(300))},
      {"other secret", Sign(kHs256, Claims(300), "ffffffffffffffffffffffffffffffff")},
      {"payload swapped", good.substr(0, good.find('.') + 1) + B64(R"({"sub":"admin","exp":9e9})") +
                              good.substr(good.rfind('.'))},
      {"signature cut", good.substr(0, good.size() - 2)},
      {"no exp", Sign(kHs256, R"({"sub":"user-1"})")},
      {"exp a string", Sign(kHs256, R"({"sub":"user-1","exp":"tomorrow"})")},
      {"exp huge", Sign(kHs256, R"({"sub":"user-1","exp":1e300})")},
      {"no sub", Sign(kHs256, R"({"exp":9999999999})")},
      {"sub empty", Sign(kHs256, R"({"sub":"","exp":9999999999})")},
      {"sub a number", Sign(kHs256, R"({"sub":7,"exp":9999999999})")},
      {"payload not JSON", Sign(kHs256, "not json")},
      {"payload an array", Sign(kHs256, "[1]")},
      {"header not JSON", Sign("{", Claims(300))},
      {"two parts", B64(kHs256) + "." + payload},
      {"four parts", good + ".x"},
      {"padding", good + "="},
      {"empty", ""},
      {"dots only", ".."},
      {"too long", std::string(kMaxJwtBytes + 1, 'a')},
  };
  for (const auto& [name, token] : cases) {
    CAPTURE(name);
    CHECK(Verify(token).status().code() == absl::StatusCode::kUnauthenticated);
  }
  CHECK_FALSE(VerifyJwtHs256(good, "", kNow, absl::Seconds(60)).ok());  // no secret
}

Target T(std::vector<std::string> segments) { return Target{.segments = std::move(segments)}; }

TEST_CASE("auth: route classes") {
  CHECK(ClassifyRoute("GET", T({"healthz"})) == RouteClass::kOpen);
  CHECK(ClassifyRoute("GET", T({"openapi.json"})) == RouteClass::kOpen);
  CHECK(ClassifyRoute("OPTIONS", T({"v1", "campaigns"})) == RouteClass::kOpen);
  CHECK(ClassifyRoute("POST", T({"v1", "decide"})) == RouteClass::kDelivery);
  CHECK(ClassifyRoute("GET", T({"v1", "features"})) == RouteClass::kDelivery);
  CHECK(ClassifyRoute("GET", T({"api", "features", "sdk-key"})) == RouteClass::kDelivery);
  CHECK(ClassifyRoute("POST", T({"v1", "events"})) == RouteClass::kDelivery);
  CHECK(ClassifyRoute("POST", T({"v1", "polls", "p", "votes"})) == RouteClass::kDelivery);
  CHECK(ClassifyRoute("GET", T({"v1", "polls", "p", "stream"})) == RouteClass::kDelivery);
  CHECK(ClassifyRoute("GET", T({"v1", "campaigns", "c"})) == RouteClass::kRead);
  CHECK(ClassifyRoute("GET", T({"metrics"})) == RouteClass::kRead);
  CHECK(ClassifyRoute("PUT", T({"v1", "campaigns", "c"})) == RouteClass::kAdmin);
  CHECK(ClassifyRoute("DELETE", T({"v1", "polls", "p"})) == RouteClass::kAdmin);
}

Request WithKey(std::string method, std::string_view key) {
  Request r{.method = std::move(method)};
  if (!key.empty()) r.headers.Add("Authorization", "Bearer " + std::string(key));
  return r;
}

TEST_CASE("auth: keys and scopes") {
  const std::string admin = "admin-key-1", reader = "read-key-1", delivery = "delivery-key-1";
  ManualClock clock(kNow);
  absl::StatusOr<Authorizer> auth = Authorizer::Create(
      {.keys = {{.name = "ops", .sha256_hex = HashApiKey(admin), .scope = ApiScope::kAdmin},
                {.name = "dash", .sha256_hex = HashApiKey(reader), .scope = ApiScope::kRead},
                {.name = "web", .sha256_hex = HashApiKey(delivery), .scope = ApiScope::kDelivery}}},
      &clock);
  REQUIRE_MESSAGE(auth.ok(), auth.status().ToString());
  const Target campaign = T({"v1", "campaigns", "c"});
  const Target decide = T({"v1", "decide"});

  CHECK(auth->Authorize(WithKey("GET", ""), T({"healthz"})).ok());
  CHECK(auth->Authorize(WithKey("GET", ""), campaign).status().code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(auth->Authorize(WithKey("GET", "wrong"), campaign).status().code() ==
        absl::StatusCode::kUnauthenticated);
  Request basic{.method = "GET"};
  basic.headers.Add("Authorization", "Basic " + admin);
  CHECK(auth->Authorize(basic, campaign).status().code() == absl::StatusCode::kUnauthenticated);
  Request lower_scheme{.method = "GET"};
  lower_scheme.headers.Add("Authorization", "bearer  " + admin);
  CHECK(auth->Authorize(lower_scheme, campaign).ok());

  CHECK(auth->Authorize(WithKey("PUT", admin), campaign)->key_name == "ops");
  CHECK(auth->Authorize(WithKey("GET", reader), campaign).ok());
  CHECK(auth->Authorize(WithKey("GET", reader), decide).ok());
  CHECK(auth->Authorize(WithKey("PUT", reader), campaign).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(auth->Authorize(WithKey("POST", delivery), decide).ok());
  CHECK(auth->Authorize(WithKey("GET", delivery), campaign).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(auth->Authorize(WithKey("OPTIONS", ""), campaign).ok());
}

// A target with a query, parsed as the Api parses it.
Target Parsed(std::string_view target) {
  absl::StatusOr<Target> parsed = ParseTarget(target);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  return *parsed;
}

TEST_CASE("auth: the poll stream also takes a delivery or read key as access_token") {
  const std::string admin = "admin-key-1", reader = "read-key-1", delivery = "delivery-key-1";
  ManualClock clock(kNow);
  absl::StatusOr<Authorizer> auth = Authorizer::Create(
      {.keys = {{.name = "ops", .sha256_hex = HashApiKey(admin), .scope = ApiScope::kAdmin},
                {.name = "dash", .sha256_hex = HashApiKey(reader), .scope = ApiScope::kRead},
                {.name = "web", .sha256_hex = HashApiKey(delivery), .scope = ApiScope::kDelivery}},
       .jwt_secret = std::string(kSecret)},
      &clock);
  REQUIRE_MESSAGE(auth.ok(), auth.status().ToString());
  const Target stream = Parsed("/v1/polls/p/stream?access_token=" + delivery);
  absl::StatusOr<Principal> web = auth->Authorize(WithKey("GET", ""), stream);
  REQUIRE_MESSAGE(web.ok(), web.status().ToString());
  CHECK(web->key_name == "web");
  // The stream acts for nobody: no end-user token needed, even with a secret.
  CHECK_FALSE(web->user.has_value());
  CHECK(auth->Authorize(WithKey("HEAD", ""), stream).ok());
  CHECK(auth->Authorize(WithKey("GET", ""), Parsed("/v1/polls/p/stream?access_token=" + reader))
            ->key_name == "dash");
  // An admin key must not travel in a URL.
  CHECK(auth->Authorize(WithKey("GET", ""), Parsed("/v1/polls/p/stream?access_token=" + admin))
            .status()
            .code() == absl::StatusCode::kPermissionDenied);
  CHECK(auth->Authorize(WithKey("GET", ""), Parsed("/v1/polls/p/stream?access_token=wrong"))
            .status()
            .code() == absl::StatusCode::kUnauthenticated);
  // A header wins over the query.
  CHECK(auth->Authorize(WithKey("GET", admin), stream)->key_name == "ops");
  // Only on the stream: elsewhere the query key counts for nothing.
  CHECK(auth->Authorize(WithKey("GET", ""),
                        Parsed("/v1/polls/p/results?access_token=" + delivery))
            .status()
            .code() == absl::StatusCode::kUnauthenticated);
  CHECK(auth->Authorize(WithKey("POST", ""), Parsed("/v1/polls/p/votes?access_token=" + delivery))
            .status()
            .code() == absl::StatusCode::kUnauthenticated);
  CHECK(auth->Authorize(WithKey("GET", ""), Parsed("/v1/polls/p/stream")).status().code() ==
        absl::StatusCode::kUnauthenticated);
}

TEST_CASE("auth: no keys means an open API") {
  absl::StatusOr<Authorizer> auth = Authorizer::Create({}, nullptr);
  REQUIRE(auth.ok());
  CHECK(auth->Authorize(WithKey("DELETE", ""), T({"v1", "campaigns", "c"})).ok());
}

TEST_CASE("auth: a jwt_secret makes delivery routes need a verified user") {
  ManualClock clock(kNow);
  absl::StatusOr<Authorizer> auth =
      Authorizer::Create({.jwt_secret = std::string(kSecret)}, &clock);
  REQUIRE(auth.ok());
  const Target votes = T({"v1", "polls", "p", "votes"});
  CHECK(auth->Authorize(WithKey("POST", ""), votes).status().code() ==
        absl::StatusCode::kUnauthenticated);
  Request with_token{.method = "POST"};
  with_token.headers.Add("X-User-Token", Sign(kHs256, Claims(300)));
  absl::StatusOr<Principal> principal = auth->Authorize(with_token, votes);
  REQUIRE(principal.ok());
  CHECK(principal->user == std::optional<std::string>("user-1"));
  clock.Advance(absl::Seconds(361));  // past exp + leeway
  CHECK_FALSE(auth->Authorize(with_token, votes).ok());
  // Admin routes do not look at the user token.
  CHECK(auth->Authorize(WithKey("PUT", ""), T({"v1", "campaigns", "c"})).ok());
}

TEST_CASE("auth: options are checked") {
  CHECK_FALSE(Authorizer::Create({.jwt_secret = "short"}, nullptr).ok());
  CHECK_FALSE(Authorizer::Create({.keys = {{.name = "a b", .sha256_hex = HashApiKey("k")}}}, nullptr)
                  .ok());
  CHECK_FALSE(Authorizer::Create({.keys = {{.name = "a", .sha256_hex = "ABC"}}}, nullptr).ok());
  CHECK_FALSE(Authorizer::Create({.keys = {{.name = "a", .sha256_hex = HashApiKey("k")},
                                           {.name = "b", .sha256_hex = HashApiKey("k")}}},
                                 nullptr)
                  .ok());
  CHECK_FALSE(Authorizer::Create({.jwt_leeway = absl::Hours(1)}, nullptr).ok());
}

TEST_CASE("auth: key helpers") {
  CHECK(HashApiKey("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  absl::StatusOr<std::string> a = GenerateApiKey();
  absl::StatusOr<std::string> b = GenerateApiKey();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == 3 + 43);
  CHECK(a->rfind("mq_", 0) == 0);
  CHECK(*a != *b);
  CHECK(ParseApiScope("delivery").value() == ApiScope::kDelivery);
  CHECK_FALSE(ParseApiScope("root").ok());
  CHECK(Authorizer::Unauthorized().status == 401);
  CHECK(Authorizer::Unauthorized().headers.Get("WWW-Authenticate") ==
        std::optional<std::string_view>("Bearer"));
  CHECK(Authorizer::Forbidden().status == 403);
}

}  // namespace
}  // namespace marquee::http::internal
