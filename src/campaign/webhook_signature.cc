// Webhook secrets and Standard Webhooks signatures (webhooks.h).
#include <openssl/rand.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "internal/absl_strings.h"
#include "internal/hmac_sha256.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr size_t kGeneratedSecretBytes = 32;

absl::StatusOr<std::string> SecretKey(std::string_view secret) {
  std::string key;
  if (!absl::StartsWith(Sv(secret), Sv(kSecretPrefix)) ||
      !absl::Base64Unescape(Sv(secret.substr(kSecretPrefix.size())), &key) || key.empty()) {
    return absl::InvalidArgumentError("secret: expected \"whsec_\" followed by base64");
  }
  return key;
}

absl::StatusOr<marquee::internal::Sha256Digest> Mac(std::string_view key,
                                                    std::string_view message_id,
                                                    std::string_view timestamp,
                                                    std::string_view body) {
  const std::string signed_content = absl::StrCat(Sv(message_id), ".", Sv(timestamp), ".", Sv(body));
  return marquee::internal::HmacSha256(key, signed_content);
}

}  // namespace

absl::StatusOr<std::string> GenerateWebhookSecret() {
  unsigned char bytes[kGeneratedSecretBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("the random source failed to make a webhook secret");
  }
  return absl::StrCat(Sv(kSecretPrefix),
                      absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(bytes),
                                                           sizeof bytes)));
}

absl::StatusOr<std::string> SignWebhook(std::string_view secret, std::string_view message_id,
                                        int64_t unix_seconds, std::string_view body) {
  MARQUEE_ASSIGN_OR_RETURN(std::string key, SecretKey(secret));
  MARQUEE_ASSIGN_OR_RETURN(auto mac, Mac(key, message_id, absl::StrCat(unix_seconds), body));
  return absl::StrCat("v1,", absl::Base64Escape(absl::string_view(
                                 reinterpret_cast<const char*>(mac.data()), mac.size())));
}

absl::Status VerifyWebhookSignature(std::string_view secret, std::string_view message_id,
                                    std::string_view timestamp, std::string_view signature_header,
                                    std::string_view body, absl::Time now,
                                    absl::Duration tolerance) {
  MARQUEE_ASSIGN_OR_RETURN(std::string key, SecretKey(secret));
  int64_t seconds = 0;
  if (timestamp.empty() || timestamp.size() > 12 ||
      !std::all_of(timestamp.begin(), timestamp.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(Sv(timestamp), &seconds)) {
    return absl::InvalidArgumentError("webhook-timestamp: expected Unix seconds");
  }
  if (absl::AbsDuration(now - absl::FromUnixSeconds(seconds)) > tolerance) {
    return absl::DeadlineExceededError("webhook-timestamp: too far from now");
  }
  MARQUEE_ASSIGN_OR_RETURN(auto expected, Mac(key, message_id, timestamp, body));
  // Several signatures may be sent while a secret is rotated; one valid is
  // enough. Each is checked in constant time.
  for (absl::string_view part : absl::StrSplit(Sv(signature_header), ' ', absl::SkipEmpty())) {
    if (!absl::StartsWith(part, "v1,")) continue;
    std::string given;
    if (!absl::Base64Unescape(part.substr(3), &given) || given.size() != expected.size()) continue;
    if (marquee::internal::ConstantTimeEqual(given.data(), expected.data(), expected.size())) {
      return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError("webhook-signature: no valid v1 signature");
}

}  // namespace marquee::campaign
