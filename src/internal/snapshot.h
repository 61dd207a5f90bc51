// Snapshots: the whole store at one version.
//
// File layout (format v2): header magic "MQSNAP\0\2" (8; the last byte is
// the format version), version u64 LE, then chunks to the end of the file:
//
//   chunk: length u32 LE, then one envelope (marquee/codec.h) of that many
//          bytes, written by the store's codec with collection "" (no
//          dictionary) and meta.record_version = the snapshot's version;
//          its payload is the next 1..kSnapshotChunkBytes (256 KiB) bytes
//          of the record stream, every chunk but the last exactly 256 KiB
//
// The record stream is cut at chunk boundaries wherever they fall, so a
// record may span chunks and none needs to fit in one. With a codec that has
// an active key every chunk is sealed (AES-256-GCM): nothing of a record is
// on disk in the clear, and the key id is in each chunk so keys can rotate.
//
// The record stream (integers little-endian, lengths u32), the same in v1:
//
//   per record: tag u8 = 1, collection length + bytes, id length + bytes,
//               body length + minified JSON, version u64, schema u32,
//               created i64, updated i64
//   end:        tag u8 = 0, record count u64, CRC-32C u32 of every stream
//               byte before the CRC (the end tag and count included)
//
// and the stream must end right after the CRC, in the last chunk, at the end
// of the file. The stream CRC also catches chunks dropped, repeated or
// reordered, which each chunk's own checksum cannot see.
//
// Format v1 ("MQSNAP\0\1"), still read, never written: the same header,
// then the record stream as one zstd stream up to the end of the file.
//
// A snapshot only appears under its final name once complete and synced, so
// any damage in one is corruption, never a torn write.
// Thread-safety: the functions may run concurrently on different files.
//
//   MARQUEE_RETURN_IF_ERROR(WriteSnapshot(SnapshotPath(dir, v), v, records, codec));
//   MARQUEE_ASSIGN_OR_RETURN(
//       uint64_t version,
//       ReadSnapshot(path, codec, [&](Record r) { return Load(std::move(r)); }));
#ifndef MARQUEE_SRC_INTERNAL_SNAPSHOT_H_
#define MARQUEE_SRC_INTERNAL_SNAPSHOT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/codec.h"
#include "marquee/record.h"

namespace marquee::internal {

// Writes `records` as the snapshot at `version` to `final_path` in format v2
// with `codec`: into final_path + ".tmp", fsync, rename, fsync of the
// directory. Streams: memory use does not grow with the number of records.
// On failure before the rename the .tmp file is removed and no file is left
// under final_path.
// REQUIRES: every pointer is non-null.
// Errors: InvalidArgument (a record the reader would refuse: empty or
// over-long collection or id, body over kMaxFramePayloadBytes, version 0 or
// above `version`), Unavailable (I/O before the rename: nothing changed),
// DataLoss (the directory sync after the rename failed: the snapshot may not
// survive a crash, so the log must not be truncated behind it), Internal
// (the codec failed), OutOfRange (the codec's max_payload_bytes is below
// kSnapshotChunkBytes).
[[nodiscard]] absl::Status WriteSnapshot(const std::string& final_path, uint64_t version,
                                         const std::vector<std::shared_ptr<const Record>>& records,
                                         const Codec& codec);

// Reads a snapshot of format v1 or v2 (chunks decoded with `codec`),
// calling `on_record` for each record; returns its version. Streams, with
// every length checked before allocation: a body is read in pieces as the
// stream really delivers it, whatever its length says.
// Errors: DataLoss "<path> at byte <offset> (uncompressed byte <offset>):
// <reason>" (bad magic, unknown format version, truncated, bad CRC, damaged
// chunk, malformed record, invalid JSON body); the first offset is in the
// file: in v2 where the chunk in question starts, in v1 how far
// decompression had read when the damage showed (zstd works in blocks, so
// the damage is at or before it); the second is exact, within the stream.
// FailedPrecondition (same form: a chunk names a key or dictionary the codec
// does not hold), PermissionDenied (same form: a chunk does not authenticate
// under the codec's key of its id: a wrong key), NotFound, Unavailable
// (I/O), or whatever on_record returns.
[[nodiscard]] absl::StatusOr<uint64_t> ReadSnapshot(
    const std::string& path, const Codec& codec,
    const std::function<absl::Status(Record)>& on_record);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_SNAPSHOT_H_
