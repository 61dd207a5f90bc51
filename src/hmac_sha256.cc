#include "internal/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

namespace marquee::internal {

absl::StatusOr<Sha256Digest> Sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != kSha256Bytes) {
    return absl::InternalError("SHA-256 failed in libcrypto");
  }
  return digest;
}

absl::StatusOr<Sha256Digest> HmacSha256(std::string_view key, std::string_view data) {
  if (key.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InternalError("HMAC key is too long for libcrypto");
  }
  Sha256Digest tag{};
  unsigned int size = 0;
  // The one-shot HMAC() is not deprecated in OpenSSL 3 (HMAC_CTX is).
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), tag.data(),
           &size) == nullptr ||
      size != kSha256Bytes) {
    return absl::InternalError("HMAC-SHA256 failed in libcrypto");
  }
  return tag;
}

bool ConstantTimeEqual(const void* a, const void* b, size_t size) {
  return CRYPTO_memcmp(a, b, size) == 0;
}

}  // namespace marquee::internal
