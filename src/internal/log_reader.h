// Reads a log file at recovery.
//
// The file is mapped read-only, so a frame's payload is handed to the caller
// without a copy and no length field ever sizes an allocation. The caller
// must hold the data dir's DirLock: a file truncated by someone else while
// mapped would fault.
// Thread-safety: ReadLog may run concurrently on different files.
//
//   absl::StatusOr<LogReadResult> log = ReadLog(path, [&](const LogFrame& frame) {
//     MARQUEE_ASSIGN_OR_RETURN(Commit commit,
//                              DecodeLogPayload(frame.format_version, codec, frame.payload));
//     return Apply(commit);
//   });
//   if (log.ok() && log->torn_bytes > 0) note(log->torn_reason);  // then OpenForAppend
#ifndef MARQUEE_SRC_INTERNAL_LOG_READER_H_
#define MARQUEE_SRC_INTERNAL_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::internal {

// One valid frame, as ReadLog hands it over.
struct LogFrame {
  uint8_t format_version = 0;  // of the file (log_format.h): how to decode the payload
  std::string_view payload{};  // valid only during the call
  uint64_t offset = 0;         // where the frame's header starts in the file
};

struct LogReadResult {
  uint8_t format_version = 0;  // from the file header; 0 when there is none
  uint64_t first_version = 0;  // from the file header
  uint64_t frames = 0;         // valid frames delivered
  uint64_t valid_bytes = 0;    // offset just past the last valid frame
  uint64_t torn_bytes = 0;     // bytes after valid_bytes (a torn tail), 0 if none
  std::string torn_reason;     // why the tail was judged torn: "at byte <offset>: <reason>"
};

// Calls `on_frame` for each valid (CRC-checked) frame in file order. A
// non-OK return stops reading and is returned as is: a frame the caller
// cannot decode is never taken for a torn tail. Damage
// followed by no valid frame (a torn tail: short header, short payload,
// zeroed or garbage bytes, bad CRC in the last frame) is reported in
// torn_bytes, not as an error; the caller truncates it. Memory use is
// bounded by the file size: a length field is checked against the file
// before anything is allocated.
//
// A file shorter than its 16-byte header, or of exactly 16 zero bytes, is
// the log of a creator that crashed before its header reached the disk: it
// holds no frame, so it is reported as torn with first_version 0 and
// valid_bytes 0 (the caller removes it and creates a new log; see
// LogWriter::OpenForAppend).
// Files of format versions kOldestLogFormatVersion..kLogFormatVersion are
// read; the frame layout is the same in all of them.
// Errors: DataLoss "<path> at byte <offset>: <reason>" when a damaged frame
// is followed by a valid one, or the file header is damaged or of an unknown
// format version; NotFound, Unavailable (I/O).
[[nodiscard]] absl::StatusOr<LogReadResult> ReadLog(
    const std::string& path, const std::function<absl::Status(const LogFrame& frame)>& on_frame);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_LOG_READER_H_
