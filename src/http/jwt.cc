#include "http/jwt.h"

#include <simdjson.h>

#include <cmath>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "internal/base64url.h"
#include "internal/hmac_sha256.h"

namespace marquee::http::internal {
namespace {

absl::Status Refused(std::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("JWT refused: ", std::string(why)));
}

// A NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
bool ReadNumericDate(simdjson::dom::element value, absl::Time* out) {
  double seconds = 0;
  if (value.is_int64()) {
    seconds = static_cast<double>(value.get_int64().value_unsafe());
  } else if (value.is_uint64()) {
    seconds = static_cast<double>(value.get_uint64().value_unsafe());
  } else if (value.is_double()) {
    seconds = value.get_double().value_unsafe();
  } else {
    return false;
  }
  // Far outside any real token's range: refuse rather than saturate.
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) return false;
  *out = absl::FromUnixMicros(static_cast<int64_t>(seconds * 1e6));
  return true;
}

}  // namespace

absl::StatusOr<JwtClaims> VerifyJwtHs256(std::string_view token, std::string_view secret,
                                         absl::Time now, absl::Duration leeway) {
  if (secret.empty()) return Refused("no secret is configured");
  if (token.empty() || token.size() > kMaxJwtBytes) return Refused("empty or too long");
  const size_t first_dot = token.find('.');
  const size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos) {
    return Refused("not three dot-separated parts");
  }
  const std::string_view header_text = token.substr(0, first_dot);
  const std::string_view payload_text = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_text = token.substr(second_dot + 1);

  // The signature first: nothing of an unsigned token is parsed further.
  absl::StatusOr<std::string> signature = marquee::internal::Base64UrlDecode(signature_text);
  if (!signature.ok() || signature->size() != marquee::internal::kSha256Bytes) {
    return Refused("malformed signature");
  }
  absl::StatusOr<marquee::internal::Sha256Digest> expected =
      marquee::internal::HmacSha256(secret, token.substr(0, second_dot));
  if (!expected.ok()) return expected.status();
  if (!marquee::internal::ConstantTimeEqual(expected->data(), signature->data(),
                                            marquee::internal::kSha256Bytes)) {
    return Refused("bad signature");
  }

  absl::StatusOr<std::string> header = marquee::internal::Base64UrlDecode(header_text);
  absl::StatusOr<std::string> payload = marquee::internal::Base64UrlDecode(payload_text);
  if (!header.ok() || !payload.ok()) return Refused("malformed base64url");
  simdjson::dom::parser parser;
  simdjson::dom::object header_object;
  if (parser.parse(*header).get(header_object) != simdjson::SUCCESS) {
    return Refused("header is not a JSON object");
  }
  std::string_view alg;
  // The signature already matched under HS256; a header naming any other
  // alg (none included) is still refused, so no alg confusion is possible.
  if (header_object["alg"].get_string().get(alg) != simdjson::SUCCESS || alg != "HS256") {
    return Refused("alg is not HS256");
  }
  if (header_object["crit"].error() != simdjson::NO_SUCH_FIELD) {
    return Refused("crit header extensions are not supported");
  }

  simdjson::dom::parser payload_parser;
  simdjson::dom::object claims;
  if (payload_parser.parse(*payload).get(claims) != simdjson::SUCCESS) {
    return Refused("payload is not a JSON object");
  }
  JwtClaims out;
  simdjson::dom::element exp;
  if (claims["exp"].get(exp) != simdjson::SUCCESS || !ReadNumericDate(exp, &out.expires)) {
    return Refused("exp is missing or not a NumericDate");
  }
  if (now > out.expires + leeway) return Refused("expired");
  simdjson::dom::element nbf;
  if (claims["nbf"].get(nbf) == simdjson::SUCCESS) {
    absl::Time not_before;
    if (!ReadNumericDate(nbf, &not_before)) return Refused("nbf is not a NumericDate");
    if (now < not_before - leeway) return Refused("not valid yet (nbf)");
  }
  std::string_view subject;
  if (claims["sub"].get_string().get(subject) != simdjson::SUCCESS || subject.empty()) {
    return Refused("sub is missing or not a non-empty string");
  }
  out.subject = std::string(subject);
  return out;
}

}  // namespace marquee::http::internal
