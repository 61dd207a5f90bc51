// AES-256-GCM sealing and opening on OpenSSL 3's libcrypto, and the random
// bytes for nonces. Each thread reuses one cipher context per direction.
// Thread-safety: every function may be called concurrently.
#ifndef MARQUEE_SRC_INTERNAL_AES_GCM_H_
#define MARQUEE_SRC_INTERNAL_AES_GCM_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::internal {

inline constexpr size_t kAesGcmKeyBytes = 32;
inline constexpr size_t kAesGcmNonceBytes = 12;
inline constexpr size_t kAesGcmTagBytes = 16;

// Fills kAesGcmNonceBytes at `out` with fresh random bytes for a nonce,
// from a per-thread pool refilled from the CSPRNG (and refilled after a
// fork, so parent and child never share nonces).
// Errors: Internal (OpenSSL could not produce random bytes).
[[nodiscard]] absl::Status RandomNonce(char* out);

// Encrypts `plaintext` and appends the ciphertext (as long as the plaintext)
// and then the tag to `out`; `aad` is authenticated, not encrypted.
// REQUIRES: key is kAesGcmKeyBytes, nonce kAesGcmNonceBytes, plaintext and
// aad shorter than 2 GiB.
// Errors: Internal (OpenSSL failed).
[[nodiscard]] absl::Status AesGcmSeal(std::string_view key, std::string_view nonce,
                                      std::string_view aad, std::string_view plaintext,
                                      std::string* out);

// Decrypts `ciphertext` into `*out` (replacing its contents) when `tag`
// authenticates it and `aad` under `key`; returns false, with `*out`
// cleared, when it does not. REQUIRES: as AesGcmSeal, tag kAesGcmTagBytes.
// Errors: Internal (OpenSSL failed for another reason).
[[nodiscard]] absl::StatusOr<bool> AesGcmOpen(std::string_view key, std::string_view nonce,
                                              std::string_view aad, std::string_view ciphertext,
                                              std::string_view tag, std::string* out);

// Overwrites `bytes` with zeros in a way the compiler cannot elide.
void WipeBytes(std::string* bytes);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_AES_GCM_H_
