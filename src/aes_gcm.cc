// AES-256-GCM on OpenSSL 3. The cipher is fetched from the provider once per
// process, and each thread keeps one context for sealing and one for
// opening, initialized with the cipher once and re-keyed only when the key
// changes, so a call usually sets just the nonce: fetching, context setup
// and the key schedule cost more than sealing a 1 KB payload. (So the last
// key a thread used stays in its context, as its key schedule would anyway,
// until the thread exits or uses another key.)
//
// Nonces come from a per-thread pool of CSPRNG bytes, because one
// RAND_bytes call costs about as much for 12 bytes as for 4 KiB (several
// microseconds with OpenSSL 3.0). A fork would copy the pool into the child,
// and a nonce used in both processes under one key breaks GCM, so a fork
// handler bumps a generation counter and a pool from an older generation is
// thrown away before use.
#include "internal/aes_gcm.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace marquee::internal {
namespace {

const EVP_CIPHER* Aes256Gcm() {
  // Never freed: a process-lifetime object, fetched thread-safely once.
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

// The oldest queued OpenSSL error, for messages; clears the queue so a later
// call does not report a stale error.
std::string OpenSslError(std::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof(text));
  return absl::StrCat("OpenSSL ", absl::string_view(what.data(), what.size()), " failed: ", text);
}

// One thread's cipher context for one direction.
class ThreadCipher {
 public:
  explicit ThreadCipher(bool encrypt) : encrypt_(encrypt) {}
  ~ThreadCipher() {
    EVP_CIPHER_CTX_free(ctx_);
    OPENSSL_cleanse(key_.data(), key_.size());
  }
  ThreadCipher(const ThreadCipher&) = delete;
  ThreadCipher& operator=(const ThreadCipher&) = delete;

  // The context, ready for this key and nonce; null on failure.
  EVP_CIPHER_CTX* Start(std::string_view key, std::string_view nonce) {
    const auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
    if (ctx_ == nullptr) {
      const EVP_CIPHER* cipher = Aes256Gcm();
      if (cipher == nullptr) return nullptr;
      ctx_ = EVP_CIPHER_CTX_new();
      if (ctx_ == nullptr) return nullptr;
      // The cipher once; its default IV length is GCM's 12 bytes.
      if (EVP_CipherInit_ex2(ctx_, cipher, nullptr, nullptr, encrypt_ ? 1 : 0, nullptr) != 1) {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = nullptr;
        return nullptr;
      }
    }
    // A null key keeps the key schedule of the previous call.
    const bool same_key = keyed_ && std::memcmp(key_.data(), key.data(), key_.size()) == 0;
    const auto* k = same_key ? nullptr : reinterpret_cast<const unsigned char*>(key.data());
    keyed_ = false;  // until the init below succeeds
    if (EVP_CipherInit_ex2(ctx_, nullptr, k, iv, encrypt_ ? 1 : 0, nullptr) != 1) return nullptr;
    std::memcpy(key_.data(), key.data(), key_.size());
    keyed_ = true;
    return ctx_;
  }

 private:
  const bool encrypt_;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  bool keyed_ = false;
  std::array<unsigned char, kAesGcmKeyBytes> key_{};
};

// Bumped in the child after every fork: pools of older generations are stale.
std::atomic<uint64_t> fork_generation{0};

void OnForkChild() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

// A thread's supply of random nonce bytes.
struct NoncePool {
  static constexpr size_t kBytes = 4096;
  std::array<unsigned char, kBytes> bytes{};
  size_t used = kBytes;  // empty
  uint64_t generation = 0;
};

ThreadCipher& SealCipher() {
  thread_local ThreadCipher cipher(/*encrypt=*/true);
  return cipher;
}

ThreadCipher& OpenCipher() {
  thread_local ThreadCipher cipher(/*encrypt=*/false);
  return cipher;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::Status RandomNonce(char* out) {
  static std::once_flag registered;
  std::call_once(registered, [] { pthread_atfork(nullptr, nullptr, &OnForkChild); });
  thread_local NoncePool pool;
  const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.used + kAesGcmNonceBytes > pool.bytes.size() || pool.generation != generation) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1) {
      return absl::InternalError(OpenSslError("RAND_bytes"));
    }
    pool.used = 0;
    pool.generation = generation;
  }
  std::memcpy(out, pool.bytes.data() + pool.used, kAesGcmNonceBytes);
  // Never handed out twice, even by a bug: the used bytes are overwritten.
  OPENSSL_cleanse(pool.bytes.data() + pool.used, kAesGcmNonceBytes);
  pool.used += kAesGcmNonceBytes;
  return absl::OkStatus();
}

absl::Status AesGcmSeal(std::string_view key, std::string_view nonce, std::string_view aad,
                        std::string_view plaintext, std::string* out) {
  EVP_CIPHER_CTX* ctx = SealCipher().Start(key, nonce);
  if (ctx == nullptr) return absl::InternalError(OpenSslError("AES-256-GCM setup"));
  const size_t start = out->size();
  out->resize(start + plaintext.size() + kAesGcmTagBytes);
  auto* dst = reinterpret_cast<unsigned char*>(out->data() + start);
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptUpdate(ctx, nullptr, &written, Bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx, dst, &written, Bytes(plaintext), static_cast<int>(plaintext.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx, dst + written, &final_written) != 1 ||
      static_cast<size_t>(written) + static_cast<size_t>(final_written) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagBytes),
                          dst + plaintext.size()) != 1) {
    out->resize(start);
    return absl::InternalError(OpenSslError("AES-256-GCM encryption"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> AesGcmOpen(std::string_view key, std::string_view nonce, std::string_view aad,
                                std::string_view ciphertext, std::string_view tag,
                                std::string* out) {
  EVP_CIPHER_CTX* ctx = OpenCipher().Start(key, nonce);
  if (ctx == nullptr) return absl::InternalError(OpenSslError("AES-256-GCM setup"));
  out->resize(ciphertext.size());
  auto* dst = reinterpret_cast<unsigned char*>(out->data());
  int written = 0;
  // SET_TAG wants a non-const pointer but only reads it.
  unsigned char tag_copy[kAesGcmTagBytes];
  std::copy(tag.begin(), tag.end(), tag_copy);
  if (EVP_DecryptUpdate(ctx, nullptr, &written, Bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx, dst, &written, Bytes(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagBytes), tag_copy) !=
          1) {
    out->clear();
    return absl::InternalError(OpenSslError("AES-256-GCM decryption"));
  }
  int final_written = 0;
  // Final is where GCM compares tags; a mismatch is its only failure here.
  if (EVP_DecryptFinal_ex(ctx, dst + written, &final_written) <= 0) {
    ERR_clear_error();
    // Do not hand out plaintext that did not authenticate.
    WipeBytes(out);
    out->clear();
    return false;
  }
  return true;
}

void WipeBytes(std::string* bytes) {
  if (!bytes->empty()) OPENSSL_cleanse(bytes->data(), bytes->size());
}

}  // namespace marquee::internal
