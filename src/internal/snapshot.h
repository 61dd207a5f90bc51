// Snapshots: the whole store at one version, zstd-compressed.
//
// File layout: header magic "MQSNAP\0\1" (8), version u64 LE, then one zstd
// stream holding records (each: lengths-prefixed collection, id, body;
// version u64, schema u32, created and updated as Unix micros i64), an end
// marker, the record count u64 and the CRC-32C of everything before it in the
// uncompressed stream.
//
// Precisely, the uncompressed stream is (integers little-endian, lengths u32):
//
//   per record: tag u8 = 1, collection length + bytes, id length + bytes,
//               body length + minified JSON, version u64, schema u32,
//               created i64, updated i64
//   end:        tag u8 = 0, record count u64, CRC-32C u32 of every stream
//               byte before the CRC (the end tag and count included)
//
// and the zstd frame must end right after the CRC, at the end of the file.
// A snapshot only appears under its final name once complete and synced, so
// any damage in one is corruption, never a torn write.
// Thread-safety: the functions may run concurrently on different files.
//
//   MARQUEE_RETURN_IF_ERROR(WriteSnapshot(SnapshotPath(dir, v), v, records));
//   MARQUEE_ASSIGN_OR_RETURN(uint64_t version,
//                            ReadSnapshot(path, [&](Record r) { return Load(std::move(r)); }));
#ifndef MARQUEE_SRC_INTERNAL_SNAPSHOT_H_
#define MARQUEE_SRC_INTERNAL_SNAPSHOT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/record.h"

namespace marquee::internal {

// Writes `records` as the snapshot at `version` to `final_path`: into
// final_path + ".tmp", fsync, rename, fsync of the directory. Streams: memory
// use does not grow with the number of records. On failure before the rename
// the .tmp file is removed and no file is left under final_path.
// REQUIRES: every pointer is non-null.
// Errors: InvalidArgument (a record the reader would refuse: empty or
// over-long collection or id, body over kMaxFramePayloadBytes, version 0 or
// above `version`), Unavailable (I/O before the rename: nothing changed),
// DataLoss (the directory sync after the rename failed: the snapshot may not
// survive a crash, so the log must not be truncated behind it), Internal
// (zstd failed).
[[nodiscard]] absl::Status WriteSnapshot(const std::string& final_path, uint64_t version,
                                         const std::vector<std::shared_ptr<const Record>>& records);

// Reads a snapshot, calling `on_record` for each record; returns its
// version. Streams, with every length checked before allocation: a body is
// read in chunks as the stream really delivers it, whatever its length says.
// Errors: DataLoss "<path> at byte <offset> (uncompressed byte <offset>):
// <reason>" (bad magic, truncated, bad CRC, malformed record, invalid JSON
// body); the first offset is in the file, and is how far decompression had
// read when the damage showed (zstd works in blocks, so the damage is at or
// before it); the second is exact, within the decompressed stream.
// Also NotFound, Unavailable (I/O), or whatever on_record returns.
[[nodiscard]] absl::StatusOr<uint64_t> ReadSnapshot(
    const std::string& path, const std::function<absl::Status(Record)>& on_record);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_SNAPSHOT_H_
