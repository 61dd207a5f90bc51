// The L2 value envelope: how a versioned value, or an invalidation mark, is
// laid out in one Redis string.
//
//   offset 0   "MQE1"                      magic and format version
//   offset 4   16 lowercase hex digits     the record version, fixed width so
//                                          the Lua scripts compare versions
//                                          as strings
//   offset 20  flags byte                  0: raw payload; kFlagZstd: one zstd
//                                          frame with content size and checksum;
//                                          kFlagMark: invalidation mark
//                                          (no payload)
//   offset 21  payload
//
// Decoding trusts nothing: wrong magic, bad hex, unknown flags, a mark with
// a payload, a zstd frame that is not exactly one frame, whose content size
// is undeclared or above kMaxEnvelopeValueBytes, or that does not decompress
// to its declared size are all DataLoss.
#ifndef MARQUEE_SRC_REDIS_ENVELOPE_H_
#define MARQUEE_SRC_REDIS_ENVELOPE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace marquee::redis::internal {

inline constexpr std::string_view kEnvelopeMagic = "MQE1";
inline constexpr size_t kEnvelopeHeaderBytes = 21;
inline constexpr uint8_t kFlagZstd = 0x01;
inline constexpr uint8_t kFlagMark = 0x02;
// The largest value an envelope may hold (decompressed).
inline constexpr size_t kMaxEnvelopeValueBytes = size_t{64} << 20;

struct EnvelopeCompression {
  int level = 1;                  // zstd level
  size_t min_bytes = 128;         // shorter values stay raw
};

// The 16 lowercase hex digits of `version`.
std::string VersionHex(uint64_t version);

// `bytes` at `version`, compressed when at least compression.min_bytes long
// and the frame is smaller than the input. REQUIRES: bytes.size() <=
// kMaxEnvelopeValueBytes.
std::string EncodeValueEnvelope(std::string_view bytes, uint64_t version,
                                const EnvelopeCompression& compression);

// An invalidation mark at `version`.
std::string EncodeMarkEnvelope(uint64_t version);

struct DecodedEnvelope {
  uint64_t version = 0;
  bool mark = false;
  std::string bytes;  // the decompressed value; empty for a mark
};

// Errors: DataLoss for anything that is not a well-formed envelope.
absl::StatusOr<DecodedEnvelope> DecodeEnvelope(std::string_view data);

}  // namespace marquee::redis::internal

#endif  // MARQUEE_SRC_REDIS_ENVELOPE_H_
