// Signing end-user tokens in tests: a compact JWS (HS256) of any header and
// payload, so tests can also forge the malformed ones the server refuses.
#ifndef MARQUEE_TESTS_HTTP_JWT_FOR_TEST_H_
#define MARQUEE_TESTS_HTTP_JWT_FOR_TEST_H_

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "internal/base64url.h"
#include "internal/hmac_sha256.h"

namespace marquee::http::test {

// A 32-byte secret (the least AuthOptions accepts).
inline constexpr std::string_view kJwtSecret = "0123456789abcdef0123456789abcdef";
inline constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

inline std::string Base64Url(std::string_view text) {
  return marquee::internal::Base64UrlEncode(text);
}

// base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256).
inline std::string SignJwt(std::string_view header, std::string_view payload,
                           std::string_view secret = kJwtSecret) {
  const std::string signing_input = Base64Url(header) + "." + Base64Url(payload);
  auto mac = marquee::internal::HmacSha256(secret, signing_input);
  REQUIRE(mac.ok());
  return signing_input + "." +
         Base64Url(std::string_view(reinterpret_cast<const char*>(mac->data()), mac->size()));
}

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_JWT_FOR_TEST_H_
