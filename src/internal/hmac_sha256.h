// SHA-256 and HMAC-SHA256 on OpenSSL's libcrypto, for cursor fingerprints
// and signatures. Keeps OpenSSL's headers out of everything else.
#ifndef MARQUEE_SRC_INTERNAL_HMAC_SHA256_H_
#define MARQUEE_SRC_INTERNAL_HMAC_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace marquee::internal {

inline constexpr size_t kSha256Bytes = 32;
using Sha256Digest = std::array<uint8_t, kSha256Bytes>;

// Errors: Internal (libcrypto failed, e.g. out of memory).
[[nodiscard]] absl::StatusOr<Sha256Digest> Sha256(std::string_view data);

// HMAC (RFC 2104) with SHA-256 of `data` under `key`.
// Errors: Internal (libcrypto failed).
[[nodiscard]] absl::StatusOr<Sha256Digest> HmacSha256(std::string_view key, std::string_view data);

// Compares two byte ranges of length `size` in time that does not depend on
// where they differ, so a forger learns nothing from timing.
bool ConstantTimeEqual(const void* a, const void* b, size_t size);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_HMAC_SHA256_H_
