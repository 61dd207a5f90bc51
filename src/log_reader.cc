// Recovery's log reader. Telling a torn tail from corruption: a crash can
// only damage what was being written last, so damage with any valid frame
// after it cannot be a crash's doing and must not be silently truncated.
#include "internal/log_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "internal/crc32c.h"
#include "internal/log_format.h"
#include "internal/store_files.h"

namespace marquee::internal {
namespace {

// The frame magic u32 0x4D514652 as it lies on disk, little-endian.
constexpr char kFrameMagicBytes[4] = {'R', 'F', 'Q', 'M'};

// A read-only mapping of a whole file, unmapped on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }

  absl::Status Open(const std::string& path) {
    absl::StatusOr<OpenedFile> file = OpenExistingFile(path, O_RDONLY, "log");
    if (!file.ok()) return file.status();
    const int fd = file->fd;
    size_ = static_cast<size_t>(file->size);
    if (size_ > 0) {  // mmap refuses a zero-length mapping
      void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return ErrnoError(absl::StatusCode::kUnavailable, "cannot map log", path, err);
      }
      data_ = data;
      ::madvise(data_, size_, MADV_SEQUENTIAL);  // a hint; failure is harmless
    }
    ::close(fd);  // the mapping keeps the file open
    return absl::OkStatus();
  }

  const char* data() const { return static_cast<const char*>(data_); }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

enum class FrameDamage {
  kNone,
  kShortHeader,
  kBadMagic,
  kBadHeaderCrc,
  kTooLong,
  kPastEnd,
  kBadPayloadCrc,
};

// Checks the frame at `offset`; on success sets *payload_size.
FrameDamage CheckFrame(const char* data, size_t size, size_t offset, uint32_t* payload_size) {
  if (size - offset < kFrameHeaderBytes) return FrameDamage::kShortHeader;
  const char* header = data + offset;
  if (std::memcmp(header, kFrameMagicBytes, sizeof(kFrameMagicBytes)) != 0) {
    return FrameDamage::kBadMagic;
  }
  if (Crc32c(header, 12) != LoadFixed32(header + 12)) return FrameDamage::kBadHeaderCrc;
  const uint32_t length = LoadFixed32(header + 4);
  if (length > kMaxFramePayloadBytes) return FrameDamage::kTooLong;
  if (length > size - offset - kFrameHeaderBytes) return FrameDamage::kPastEnd;
  if (Crc32c(header + kFrameHeaderBytes, length) != LoadFixed32(header + 8)) {
    return FrameDamage::kBadPayloadCrc;
  }
  *payload_size = length;
  return FrameDamage::kNone;
}

std::string DescribeDamage(FrameDamage damage, const char* data, size_t size, size_t offset) {
  const size_t left = size - offset;
  if (std::all_of(data + offset, data + size, [](char c) { return c == 0; })) {
    return absl::StrCat(left, " zero bytes (a tail the crash left unwritten)");
  }
  const char* header = data + offset;
  switch (damage) {
    case FrameDamage::kShortHeader:
      return absl::StrCat("only ", left, " bytes, fewer than a frame header");
    case FrameDamage::kBadMagic:
      return absl::StrCat("bad frame magic 0x", absl::Hex(LoadFixed32(header), absl::kZeroPad8));
    case FrameDamage::kBadHeaderCrc:
      return "frame header checksum mismatch";
    case FrameDamage::kTooLong:
      return absl::StrCat("frame length ", LoadFixed32(header + 4), " exceeds the limit ",
                          kMaxFramePayloadBytes);
    case FrameDamage::kPastEnd:
      return absl::StrCat("frame length ", LoadFixed32(header + 4),
                          " runs past the end of the file (", left - kFrameHeaderBytes,
                          " bytes left)");
    case FrameDamage::kBadPayloadCrc:
      return "frame payload checksum mismatch";
    case FrameDamage::kNone:
      break;
  }
  return "no damage";
}

// The offset of the first complete, checksummed frame starting at or after
// `from`, or `size` if there is none. Every byte offset is a candidate: a
// damaged length says nothing about where the next frame starts.
size_t FindValidFrame(const char* data, size_t size, size_t from) {
  while (from < size) {
    const void* hit =
        ::memmem(data + from, size - from, kFrameMagicBytes, sizeof(kFrameMagicBytes));
    if (hit == nullptr) return size;
    const auto candidate = static_cast<size_t>(static_cast<const char*>(hit) - data);
    uint32_t payload_size;
    if (CheckFrame(data, size, candidate, &payload_size) == FrameDamage::kNone) return candidate;
    from = candidate + 1;
  }
  return size;
}

}  // namespace

absl::StatusOr<LogReadResult> ReadLog(
    const std::string& path, const std::function<absl::Status(const LogFrame& frame)>& on_frame) {
  MappedFile file;
  if (absl::Status s = file.Open(path); !s.ok()) return s;
  const char* data = file.data();
  const size_t size = file.size();

  LogReadResult result;
  const bool all_zero_header =
      size == kLogFileHeaderBytes && std::all_of(data, data + size, [](char c) { return c == 0; });
  if (size < kLogFileHeaderBytes || all_zero_header) {
    result.torn_bytes = size;
    result.torn_reason = absl::StrCat("at byte 0: ", size,
                                      " bytes and no file header (its creator stopped before "
                                      "the header reached the disk)");
    return result;
  }
  // The magic's last byte is the format version.
  constexpr size_t kMagicBytes = 8;
  const uint8_t format_version = static_cast<uint8_t>(data[kMagicBytes - 1]);
  if (std::memcmp(data, LogFileMagic(format_version).data(), kMagicBytes) != 0) {
    return absl::DataLossError(absl::StrCat(path, " at byte 0: bad log file header magic"));
  }
  if (format_version < kOldestLogFormatVersion || format_version > kLogFormatVersion) {
    return absl::DataLossError(absl::StrCat(path, " at byte 7: log format version ",
                                            format_version, " is not one this build reads (",
                                            kOldestLogFormatVersion, "..", kLogFormatVersion, ")"));
  }
  result.format_version = format_version;
  result.first_version = LoadFixed64(data + kMagicBytes);

  size_t offset = kLogFileHeaderBytes;
  while (offset < size) {
    uint32_t payload_size = 0;
    const FrameDamage damage = CheckFrame(data, size, offset, &payload_size);
    if (damage != FrameDamage::kNone) {
      const std::string reason = DescribeDamage(damage, data, size, offset);
      const size_t next = FindValidFrame(data, size, offset + 1);
      if (next < size) {
        return absl::DataLossError(absl::StrCat(path, " at byte ", offset, ": ", reason,
                                                "; a valid frame follows at byte ", next));
      }
      result.torn_bytes = size - offset;
      result.torn_reason =
          absl::StrCat("at byte ", offset, ": ", reason, "; no valid frame follows, so the last ",
                       result.torn_bytes, " bytes are a torn tail");
      break;
    }
    const std::string_view payload(data + offset + kFrameHeaderBytes, payload_size);
    const LogFrame frame{.format_version = format_version, .payload = payload, .offset = offset};
    if (absl::Status s = on_frame(frame); !s.ok()) return s;
    ++result.frames;
    offset += kFrameHeaderBytes + payload_size;
  }
  result.valid_bytes = offset;
  return result;
}

}  // namespace marquee::internal
