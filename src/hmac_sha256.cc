#include "internal/hmac_sha256.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <climits>
#include <memory>
#include <string>

namespace marquee::internal {
namespace {

// OpenSSL 3 looks algorithms up by name on every implicit use (EVP_sha256(),
// HMAC()), which costs more than hashing a cursor. Fetch them once.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
EVP_MAC* HmacMac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// A context keyed once and re-initialised per message (EVP_MAC_init with a
// null key keeps the key), so a signature costs the hashing alone. Each
// thread keeps a few, one per key it used lately: a deployment signs with
// one key and verifies with at most two.
struct KeyedMac {
  std::string key;
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx;
};
inline constexpr size_t kKeyedMacsPerThread = 4;

struct ThreadMacs {
  std::array<KeyedMac, kKeyedMacsPerThread> slots{};
  size_t next_victim = 0;
  ~ThreadMacs() {
    for (KeyedMac& slot : slots) OPENSSL_cleanse(slot.key.data(), slot.key.size());
  }
};

// The keyed context for `key` on this thread, or null (libcrypto failed).
EVP_MAC_CTX* KeyedContext(std::string_view key) {
  thread_local ThreadMacs macs;
  for (KeyedMac& slot : macs.slots) {
    if (slot.ctx != nullptr && slot.key == key) return slot.ctx.get();
  }
  if (HmacMac() == nullptr) return nullptr;
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(HmacMac()));
  if (ctx == nullptr) return nullptr;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0), OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
    return nullptr;
  }
  KeyedMac& slot = macs.slots[macs.next_victim];
  macs.next_victim = (macs.next_victim + 1) % kKeyedMacsPerThread;
  OPENSSL_cleanse(slot.key.data(), slot.key.size());
  slot.key.assign(key);
  slot.ctx = std::move(ctx);
  return slot.ctx.get();
}

}  // namespace

absl::StatusOr<Sha256Digest> Sha256(std::string_view data) {
  // One context per thread, re-initialised per message: EVP_Digest creates
  // and frees one every call, which cost as much as hashing an API key
  // (the Api hashes the bearer key of every request).
  struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  Sha256Digest digest{};
  unsigned int size = 0;
  if (Sha256Md() == nullptr || ctx == nullptr ||
      EVP_DigestInit_ex2(ctx.get(), Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1 || size != kSha256Bytes) {
    return absl::InternalError("SHA-256 failed in libcrypto");
  }
  return digest;
}

absl::StatusOr<Sha256Digest> HmacSha256(std::string_view key, std::string_view data) {
  if (key.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InternalError("HMAC key is too long for libcrypto");
  }
  EVP_MAC_CTX* ctx = KeyedContext(key);
  Sha256Digest tag{};
  size_t size = 0;
  if (ctx == nullptr || EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, tag.data(), &size, tag.size()) != 1 || size != kSha256Bytes) {
    return absl::InternalError("HMAC-SHA256 failed in libcrypto");
  }
  return tag;
}

bool ConstantTimeEqual(const void* a, const void* b, size_t size) {
  return CRYPTO_memcmp(a, b, size) == 0;
}

}  // namespace marquee::internal
