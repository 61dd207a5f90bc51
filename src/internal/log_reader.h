// Reads a log file at recovery.
#ifndef MARQUEE_SRC_INTERNAL_LOG_READER_H_
#define MARQUEE_SRC_INTERNAL_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::internal {

struct LogReadResult {
  uint64_t first_version = 0;  // from the file header
  uint64_t frames = 0;         // valid frames delivered
  uint64_t valid_bytes = 0;    // offset just past the last valid frame
  uint64_t torn_bytes = 0;     // bytes after valid_bytes (a torn tail), 0 if none
  std::string torn_reason;     // why the tail was judged torn, with its offset
};

// Calls `on_frame(payload, offset)` for each valid frame in file order; a
// non-OK return stops reading and is returned. Damage followed by no valid
// frame (a torn tail: short header, short payload, zeroed or garbage bytes,
// bad CRC in the last frame) is reported in torn_bytes, not as an error; the
// caller truncates it. Memory use is bounded by the file size: a length
// field is checked against the file before anything is allocated.
// Errors: DataLoss "<path> at byte <offset>: <reason>" when a damaged frame
// is followed by a valid one, or the file header is damaged; NotFound,
// Unavailable (I/O).
absl::StatusOr<LogReadResult> ReadLog(
    const std::string& path,
    const std::function<absl::Status(std::string_view payload, uint64_t offset)>& on_frame);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_LOG_READER_H_
