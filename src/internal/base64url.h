// URL-safe base64 (RFC 4648 §5) without padding, as cursors use it.
#ifndef MARQUEE_SRC_INTERNAL_BASE64URL_H_
#define MARQUEE_SRC_INTERNAL_BASE64URL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace marquee::internal {

// `bytes` in the alphabet A-Z a-z 0-9 - _, no '=' padding.
std::string Base64UrlEncode(std::string_view bytes);

// The bytes `text` encodes. Strict, so every byte string has exactly one
// accepted text: no padding, no whitespace, no characters outside the
// alphabet, no length of 4n+1, and the unused low bits of the last
// character must be zero.
// Errors: InvalidArgument naming the defect.
[[nodiscard]] absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_BASE64URL_H_
