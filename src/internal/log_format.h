// The on-disk format of the commit log.
//
// A log file is a file header followed by frames, one per committed batch:
//
//   file header (16 bytes): magic "MQLOG\0\0\1" (8), first version (u64 LE)
//   frame header (16 bytes): magic u32 0x4D514652 ("MQFR"), payload length
//     u32, CRC-32C of the payload u32, CRC-32C of the previous 12 bytes u32
//   payload: the encoded Commit (see EncodeCommit)
//
// The header's own CRC lets the reader tell a torn tail (damage with no
// valid frame after it) from corruption in the middle of the log.
#ifndef MARQUEE_SRC_INTERNAL_LOG_FORMAT_H_
#define MARQUEE_SRC_INTERNAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "internal/commit.h"

namespace marquee::internal {

inline constexpr size_t kLogFileHeaderBytes = 16;
inline constexpr size_t kFrameHeaderBytes = 16;
// Largest payload a frame may claim; a larger length is damage, never an
// allocation.
inline constexpr uint32_t kMaxFramePayloadBytes = uint32_t{1} << 30;

// Appends the encoding of `commit` to `out`.
void EncodeCommit(const Commit& commit, std::string* out);
// Decodes a payload written by EncodeCommit.
// Errors: DataLoss (malformed payload: truncated, bad lengths, invalid JSON).
absl::StatusOr<Commit> DecodeCommit(std::string_view payload);

// Appends the 16-byte file header.
void AppendLogFileHeader(uint64_t first_version, std::string* out);
// Appends one frame (header + payload) to `out`.
void AppendFrame(std::string_view payload, std::string* out);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_LOG_FORMAT_H_
