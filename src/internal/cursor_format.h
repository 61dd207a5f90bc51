// The binary layout inside a cursor, before base64url and without crypto.
//
//   byte     format version (kCursorFormatVersion)
//   varint   payload length N
//   N bytes  payload:
//     u8 key id length (1..64), key id
//     u8 flags: bit 0 before (else after), bit 1 inclusive; others zero
//     varint collection length (1..128), collection
//     varint index length (0..64), index name
//     16 bytes sort fingerprint, 16 bytes filter fingerprint
//     8 bytes issue time, microseconds since the Unix epoch, big-endian
//     u8 value count (0..8), then each value (AppendCursorValue)
//     varint id length (1..512), id
//   32 bytes HMAC-SHA256 tag over everything before it
//
// Varints are LEB128 of at most 4 bytes. Every length read is checked
// against the bytes that remain and the field's own limit before use, so a
// crafted cursor cannot make the decoder read out of bounds or allocate more
// than its own size. ParseCursorFields is what a fuzzer wants to reach past
// the signature check.
#ifndef MARQUEE_SRC_INTERNAL_CURSOR_FORMAT_H_
#define MARQUEE_SRC_INTERNAL_CURSOR_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/index.h"
#include "marquee/page.h"

namespace marquee::internal {

inline constexpr uint8_t kCursorFormatVersion = 1;
inline constexpr size_t kCursorTagBytes = 32;
inline constexpr size_t kMaxCursorKeyIdBytes = 64;
inline constexpr size_t kMaxCursorIndexNameBytes = 64;
inline constexpr size_t kMaxCursorValues = 8;

// Appends LEB128 `value`.
void AppendVarint(uint64_t value, std::string* out);

// Appends one IndexValue: a type byte (IndexValue::Type), then for a number
// the 8 bytes of its IEEE bits, big-endian, for a string, array or object a
// varint length and the text. Also the canonical form fingerprints hash.
void AppendCursorValue(const IndexValue& value, std::string* out);

// Checks a key id: 1..64 bytes of [A-Za-z0-9_.-].
// Errors: InvalidArgument naming what is wrong.
[[nodiscard]] absl::Status ValidateCursorKeyId(std::string_view key_id);

// The signed part of a cursor (version, length, payload) for `cursor`,
// under `key_id`, issued at `issued`.
// Errors: InvalidArgument (a field breaks the layout's limits).
[[nodiscard]] absl::StatusOr<std::string> SerializeCursor(const Cursor& cursor,
                                                          std::string_view key_id,
                                                          absl::Time issued);

// A decoded cursor split into its parts; views into the decoded bytes.
struct CursorFrame {
  std::string_view signed_part;  // version, length and payload: what the tag covers
  std::string_view key_id;
  std::string_view fields;  // the payload after the key id
  std::string_view tag;
};

// Splits decoded cursor bytes. Checks the version, that the payload length
// matches the bytes present, and the key id's syntax; nothing is trusted yet.
// Errors: InvalidArgument ("cursor is truncated", "cursor has unknown
// format version N", "cursor is malformed: ...").
[[nodiscard]] absl::StatusOr<CursorFrame> SplitCursorFrame(std::string_view bytes);

// Parses a frame's `fields` into a Cursor.
// Errors: InvalidArgument ("cursor is malformed: ..." naming the field).
[[nodiscard]] absl::StatusOr<Cursor> ParseCursorFields(std::string_view fields);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_CURSOR_FORMAT_H_
