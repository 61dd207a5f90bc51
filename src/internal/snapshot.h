// Snapshots: the whole store at one version, zstd-compressed.
//
// File layout: header magic "MQSNAP\0\1" (8), version u64 LE, then one zstd
// stream holding records (each: lengths-prefixed collection, id, body;
// version u64, schema u32, created and updated as Unix micros i64), an end
// marker, the record count u64 and the CRC-32C of everything before it in the
// uncompressed stream.
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
// use does not grow with the number of records.
// Errors: Unavailable / DataLoss (I/O).
absl::Status WriteSnapshot(const std::string& final_path, uint64_t version,
                           const std::vector<std::shared_ptr<const Record>>& records);

// Reads a snapshot, calling `on_record` for each record; returns its
// version. Streams, with every length checked before allocation.
// Errors: DataLoss "<path> at byte <offset>: <reason>" (bad magic, truncated,
// bad CRC, malformed record, invalid JSON body), Unavailable (I/O), or
// whatever on_record returns.
absl::StatusOr<uint64_t> ReadSnapshot(const std::string& path,
                                      const std::function<absl::Status(Record)>& on_record);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_SNAPSHOT_H_
