// The public helpers of auth.h: scope names, key digests, key generation.
#include "marquee/http/auth.h"

#include <openssl/rand.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "internal/base64url.h"
#include "internal/hmac_sha256.h"

namespace marquee::http {

std::string_view ApiScopeName(ApiScope scope) {
  switch (scope) {
    case ApiScope::kRead: return "read";
    case ApiScope::kDelivery: return "delivery";
    case ApiScope::kAdmin: return "admin";
  }
  return "unknown";
}

absl::StatusOr<ApiScope> ParseApiScope(std::string_view name) {
  for (ApiScope scope : {ApiScope::kRead, ApiScope::kDelivery, ApiScope::kAdmin}) {
    if (name == ApiScopeName(scope)) return scope;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown API scope '", std::string(name.substr(0, 32)),
                   "' (expected read, delivery or admin)"));
}

std::string HashApiKey(std::string_view key) {
  absl::StatusOr<marquee::internal::Sha256Digest> digest = marquee::internal::Sha256(key);
  // Sha256 fails only when libcrypto cannot allocate; an empty digest then
  // matches no configured key, which refuses the request.
  if (!digest.ok()) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * digest->size(), '\0');
  for (size_t i = 0; i < digest->size(); ++i) {
    hex[2 * i] = kHex[(*digest)[i] >> 4];
    hex[2 * i + 1] = kHex[(*digest)[i] & 0xf];
  }
  return hex;
}

absl::StatusOr<std::string> GenerateApiKey() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("no randomness available for a new API key");
  }
  return absl::StrCat(
      "mq_", marquee::internal::Base64UrlEncode(std::string_view(
                 reinterpret_cast<const char*>(bytes), sizeof bytes)));
}

}  // namespace marquee::http
