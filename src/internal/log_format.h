// The on-disk format of the commit log.
//
// A log file is a file header followed by frames, one per committed batch:
//
//   file header (16 bytes): magic "MQLOG\0\0\2" (8; the last byte is the
//     format version), first version (u64 LE)
//   frame header (16 bytes): magic u32 0x4D514652 ("MQFR"), payload length
//     u32, CRC-32C of the payload u32, CRC-32C of the previous 12 bytes u32
//   payload: one envelope (marquee/codec.h) wrapping the encoded Commit (see
//     EncodeCommit), with meta.record_version = the commit's version, written
//     with the collection of the commit's changes when they are all in one
//     (it picks the codec's dictionary), else "" (no dictionary)
//
// Format version 1 ("MQLOG\0\0\1") had the same file and frame headers and
// the bare encoded Commit as the payload; it is still read (DecodeLogPayload),
// never written. A data dir may hold v1 logs followed by v2 logs after an
// upgrade, since a store never appends to a v1 file.
//
// Every integer is little-endian, so the frame magic reads "RFQM" in a hex
// dump. The header's own CRC lets the reader tell a torn tail (damage with
// no valid frame after it) from corruption in the middle of the log. The
// envelope has its own checksum, but the frame CRC is what torn-tail
// detection relies on: a CRC-valid frame whose envelope is damaged, or
// names a key or dictionary the codec lacks, is an error, never a torn tail.
//
// The commit encoding (all integers little-endian; varint = LEB128 of a u32):
//
//   version u64, change count varint, then per change:
//     kind u8 (0 put, 1 erase), collection (varint length + bytes),
//     id (varint length + bytes), and for a put only:
//     schema varint, created i64, updated i64 (Unix micros), body (varint
//     length + minified JSON text)
//
// Every change carries the commit's version, so it is stored once. Times are
// kept to the microsecond: a store that wants recovered records to equal the
// ones it served must stamp records with whole microseconds.
// Thread-safety: pure functions (the Codec is thread-safe).
//
//   std::string commit_bytes, frame;
//   MARQUEE_ASSIGN_OR_RETURN(std::string payload,
//                            EncodeLogPayload(codec, commit, &commit_bytes));
//   AppendFrame(payload, &frame);           // then LogWriter::Append(frame)
//   absl::StatusOr<Commit> back = DecodeLogPayload(kLogFormatVersion, codec, payload);
#ifndef MARQUEE_SRC_INTERNAL_LOG_FORMAT_H_
#define MARQUEE_SRC_INTERNAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "internal/commit.h"
#include "marquee/codec.h"
#include "marquee/json.h"

namespace marquee::internal {

inline constexpr size_t kLogFileHeaderBytes = 16;
// The format version new log files are written in, and the oldest one read.
inline constexpr uint8_t kLogFormatVersion = 2;
inline constexpr uint8_t kOldestLogFormatVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 16;
// Largest payload a frame may claim; a larger length is damage, never an
// allocation.
inline constexpr uint32_t kMaxFramePayloadBytes = uint32_t{1} << 30;

// The limits bodies read back from the log or a snapshot are re-validated
// with. They must be at least as loose as the ones any write was accepted
// with, or recovery would refuse data the store acknowledged: any size a
// frame can hold, and simdjson's own default depth bound (1024).
inline constexpr JsonLimits kStoredBodyJsonLimits = {.max_bytes = kMaxFramePayloadBytes,
                                                     .max_depth = 1024};

// Little-endian fixed-width integers, shared by the log and snapshot code.
inline void AppendFixed32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}
inline void AppendFixed64(uint64_t value, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}
// REQUIRES: 4 (8) readable bytes at `p`.
inline uint32_t LoadFixed32(const char* p) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(p[i]);
  return value;
}
inline uint64_t LoadFixed64(const char* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(p[i]);
  return value;
}

// Appends the encoding of `commit` to `out`.
// REQUIRES: every change is a put or an erase of `commit.version`, with
// collection and id no longer than kMaxCollectionNameBytes / kMaxIdBytes
// (DecodeCommit refuses longer ones).
void EncodeCommit(const Commit& commit, std::string* out);
// Decodes a payload written by EncodeCommit. Bodies are re-validated with
// Json::Parse. Messages give the byte offset within the payload; the caller
// adds the file and frame.
// Errors: DataLoss (malformed payload: truncated, bad lengths, invalid JSON).
absl::StatusOr<Commit> DecodeCommit(std::string_view payload);

// The collection Encode is given for `commit`: its changes' collection when
// they are all in one, else "" (no dictionary).
std::string_view CommitCollection(const Commit& commit);

// A v2 frame payload: the envelope of EncodeCommit(commit). `commit_bytes`
// is scratch space, reused across calls.
// Errors: as Codec::Encode (OutOfRange: the encoded commit exceeds the
// codec's max_payload_bytes; Internal).
[[nodiscard]] absl::StatusOr<std::string> EncodeLogPayload(const Codec& codec,
                                                           const Commit& commit,
                                                           std::string* commit_bytes);

// Decodes a frame payload of a log file of `format_version` (1: the bare
// commit; 2: an envelope around it, whose record version must equal the
// commit's). Messages do not name the file or frame; the caller adds them.
// Errors: DataLoss (malformed envelope or commit, or an unknown format),
// FailedPrecondition (the envelope names a key or dictionary the codec does
// not hold, or its payload exceeds the codec's max_payload_bytes),
// PermissionDenied (the envelope does not authenticate under the codec's key
// of that id).
[[nodiscard]] absl::StatusOr<Commit> DecodeLogPayload(uint8_t format_version, const Codec& codec,
                                                      std::string_view payload);

// Appends the 16-byte file header of `format_version` (tests write v1 files
// with it; the store only writes kLogFormatVersion).
void AppendLogFileHeader(uint64_t first_version, std::string* out,
                         uint8_t format_version = kLogFormatVersion);
// The magic of a log file of `format_version`: "MQLOG\0\0" + the version.
std::string LogFileMagic(uint8_t format_version);
// Appends one frame (header + payload) to `out`.
// REQUIRES: payload.size() <= kMaxFramePayloadBytes (checked: aborts, since
// a frame the reader must reject would lose the commit after it was
// acknowledged). The store refuses larger batches before encoding them.
void AppendFrame(std::string_view payload, std::string* out);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_LOG_FORMAT_H_
