// CursorCodec: signed, URL-safe cursor text <-> Cursor.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "internal/absl_strings.h"
#include "internal/base64url.h"
#include "internal/cursor_format.h"
#include "internal/hmac_sha256.h"
#include "marquee/page.h"
#include "marquee/status.h"

namespace marquee {
namespace {

constexpr size_t kMinSecretBytes = 32;
constexpr size_t kMinCursorBytesLimit = 256;
constexpr size_t kMaxCursorBytesLimit = 65'536;

absl::Status ValidateKey(const CursorKey& key, std::string_view which) {
  if (absl::Status s = internal::ValidateCursorKeyId(key.id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(internal::Sv(which), ": ", s.message()));
  }
  if (key.secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        internal::Sv(which), " '", key.id, "' has a secret of ", key.secret.size(),
        " bytes; it needs at least ", kMinSecretBytes));
  }
  return absl::OkStatus();
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<CursorCodec> CursorCodec::Create(CursorCodecOptions options) {
  MARQUEE_RETURN_IF_ERROR(ValidateKey(options.current_key, "current cursor key"));
  if (options.previous_key) {
    MARQUEE_RETURN_IF_ERROR(ValidateKey(*options.previous_key, "previous cursor key"));
    if (options.previous_key->id == options.current_key.id) {
      return absl::InvalidArgumentError(
          absl::StrCat("the previous and current cursor keys share the id '",
                       options.current_key.id, "'; give the new key a new id"));
    }
  }
  if (options.ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor ttl must be positive, got ", absl::FormatDuration(options.ttl)));
  }
  if (options.max_cursor_bytes < kMinCursorBytesLimit ||
      options.max_cursor_bytes > kMaxCursorBytesLimit) {
    return absl::InvalidArgumentError(absl::StrCat("max_cursor_bytes is ",
                                                   options.max_cursor_bytes, "; it must be ",
                                                   kMinCursorBytesLimit, " to ",
                                                   kMaxCursorBytesLimit));
  }
  if (options.clock == nullptr) options.clock = Clock::Real();
  return CursorCodec(std::move(options));
}

const CursorKey* CursorCodec::KeyFor(std::string_view key_id) const {
  if (key_id == options_.current_key.id) return &options_.current_key;
  if (options_.previous_key && key_id == options_.previous_key->id) return &*options_.previous_key;
  return nullptr;
}

absl::StatusOr<std::string> CursorCodec::Encode(const Cursor& cursor) const {
  // Microseconds are what the layout keeps; truncating first makes Decode
  // give back exactly the time that was signed.
  const absl::Time issued = absl::FromUnixMicros(absl::ToUnixMicros(options_.clock->Now()));
  MARQUEE_ASSIGN_OR_RETURN(std::string bytes,
                           internal::SerializeCursor(cursor, options_.current_key.id, issued));
  MARQUEE_ASSIGN_OR_RETURN(internal::Sha256Digest tag,
                           internal::HmacSha256(options_.current_key.secret, bytes));
  bytes.append(reinterpret_cast<const char*>(tag.data()), tag.size());
  std::string text = internal::Base64UrlEncode(bytes);
  if (text.size() > options_.max_cursor_bytes) {
    return absl::OutOfRangeError(absl::StrCat(
        "a cursor for row '", cursor.position.id, "' would be ", text.size(),
        " bytes; the limit is ", options_.max_cursor_bytes,
        " (its index values are too long to carry in a cursor)"));
  }
  return text;
}

absl::StatusOr<Cursor> CursorCodec::Decode(std::string_view text) const {
  if (text.empty()) return absl::InvalidArgumentError("cursor is empty");
  if (text.size() > options_.max_cursor_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("cursor is ", text.size(),
                                                   " bytes; the limit is ",
                                                   options_.max_cursor_bytes));
  }
  absl::StatusOr<std::string> bytes = internal::Base64UrlDecode(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor is not valid base64url: ", bytes.status().message()));
  }
  MARQUEE_ASSIGN_OR_RETURN(internal::CursorFrame frame, internal::SplitCursorFrame(*bytes));
  const CursorKey* key = KeyFor(frame.key_id);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor was signed with key '", internal::Sv(frame.key_id),
                     "', which is neither the current nor the previous cursor key"));
  }
  MARQUEE_ASSIGN_OR_RETURN(internal::Sha256Digest tag,
                           internal::HmacSha256(key->secret, frame.signed_part));
  if (frame.tag.size() != tag.size() ||
      !internal::ConstantTimeEqual(frame.tag.data(), tag.data(), tag.size())) {
    return absl::InvalidArgumentError("cursor signature does not verify");
  }
  MARQUEE_ASSIGN_OR_RETURN(Cursor cursor, internal::ParseCursorFields(frame.fields));
  if (options_.ttl != absl::InfiniteDuration()) {
    const absl::Time expires = cursor.issued + options_.ttl;
    const absl::Time now = options_.clock->Now();
    if (expires < now) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cursor expired at ", Rfc3339(expires), " (issued ", Rfc3339(cursor.issued),
          ", valid for ", absl::FormatDuration(options_.ttl), "); start from the first page"));
    }
  }
  return cursor;
}

}  // namespace marquee
