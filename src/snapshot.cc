// Snapshot files: the record stream (encoding and parsing records) and the
// file around it; the stream's container is v2 chunks of envelopes
// (snapshot_chunks.cc) or, read only, v1's zstd stream
// (snapshot_zstd_source.cc). Both directions stream through bounded buffers,
// so a snapshot of any size costs a few hundred KiB of memory beyond the
// records themselves (and the largest record), and a hostile file cannot make
// the reader allocate more than the data it really contains.
#include "internal/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "internal/absl_strings.h"
#include "internal/crc32c.h"
#include "internal/log_format.h"
#include "internal/snapshot_stream.h"
#include "internal/store_files.h"
#include "marquee/status.h"

namespace marquee::internal {
namespace {

constexpr uint8_t kOldestSnapshotFormatVersion = 1;
constexpr uint8_t kRecordTag = 1;
constexpr uint8_t kEndTag = 0;
// version, schema, created, updated: the fixed part after a record's body.
constexpr size_t kRecordTrailerBytes = 8 + 4 + 8 + 8;
// A body is read in pieces of at most this size, so its length field alone
// never sizes an allocation.
constexpr size_t kBodyReadChunkBytes = size_t{1} << 20;

std::string SnapshotMagic(uint8_t format_version) {
  std::string magic("MQSNAP\0", 7);
  magic.push_back(static_cast<char>(format_version));
  return magic;
}

class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;
  ~FileCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the error close(2) may deliver.
  int Close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

// ---- writing ---------------------------------------------------------------

absl::Status CheckWritable(const Record& record, uint64_t version) {
  const auto refuse = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot snapshot record ", record.collection.substr(0, kMaxCollectionNameBytes), "/",
        record.id.substr(0, kMaxIdBytes), ": ", Sv(what)));
  };
  if (record.collection.empty() || record.collection.size() > kMaxCollectionNameBytes) {
    return refuse("collection name length out of range");
  }
  if (record.id.empty() || record.id.size() > kMaxIdBytes) return refuse("id length out of range");
  if (record.body.size() > kMaxFramePayloadBytes) return refuse("body too large");
  if (record.version == 0 || record.version > version) {
    return refuse(absl::StrCat("version ", record.version, " is not in 1..", version));
  }
  return absl::OkStatus();
}

// Encodes records into the stream, keeping the running CRC, and hands it to
// the chunk writer a chunk at a time.
class StreamWriter {
 public:
  explicit StreamWriter(SnapshotChunkWriter* chunks) : chunks_(chunks) {
    pending_.reserve(kSnapshotChunkBytes + 4096);
  }

  absl::Status AddRecord(const Record& record) {
    pending_.push_back(static_cast<char>(kRecordTag));
    AppendPrefixed(record.collection);
    AppendPrefixed(record.id);
    AppendPrefixed(record.body.text());
    AppendFixed64(record.version, &pending_);
    AppendFixed32(record.schema, &pending_);
    AppendFixed64(static_cast<uint64_t>(absl::ToUnixMicros(record.created)), &pending_);
    AppendFixed64(static_cast<uint64_t>(absl::ToUnixMicros(record.updated)), &pending_);
    ++count_;
    if (pending_.size() < kSnapshotChunkBytes) return absl::OkStatus();
    FoldCrc();
    absl::Status s = chunks_->Write(&pending_, /*final=*/false);
    crc_from_ = pending_.size();
    return s;
  }

  absl::Status Finish() {
    pending_.push_back(static_cast<char>(kEndTag));
    AppendFixed64(count_, &pending_);
    FoldCrc();
    AppendFixed32(crc_, &pending_);  // the CRC does not cover itself
    return chunks_->Write(&pending_, /*final=*/true);
  }

 private:
  void AppendPrefixed(std::string_view bytes) {
    AppendFixed32(static_cast<uint32_t>(bytes.size()), &pending_);
    pending_.append(bytes);
  }

  void FoldCrc() {
    crc_ = Crc32cExtend(crc_, pending_.data() + crc_from_, pending_.size() - crc_from_);
    crc_from_ = pending_.size();
  }

  SnapshotChunkWriter* chunks_;
  std::string pending_;  // stream bytes not yet written as a chunk
  size_t crc_from_ = 0;  // pending_[0, crc_from_) is already in crc_
  uint32_t crc_ = 0;
  uint64_t count_ = 0;
};

absl::Status WriteSnapshotFile(int fd, const std::string& path, uint64_t version,
                               const std::vector<std::shared_ptr<const Record>>& records,
                               const Codec& codec) {
  std::string header = SnapshotMagic(kSnapshotFormatVersion);
  AppendFixed64(version, &header);
  if (absl::Status s = WriteAll(fd, header, path); !s.ok()) return s;

  SnapshotChunkWriter chunks(fd, path, codec, version);
  StreamWriter writer(&chunks);
  for (const std::shared_ptr<const Record>& record : records) {
    if (absl::Status s = writer.AddRecord(*record); !s.ok()) return s;
  }
  if (absl::Status s = writer.Finish(); !s.ok()) return s;
  int result;
  do {
    result = ::fsync(fd);
  } while (result != 0 && errno == EINTR);
  if (result != 0) return ErrnoError(absl::StatusCode::kUnavailable, "cannot sync", path, errno);
  return absl::OkStatus();
}

// ---- reading ---------------------------------------------------------------

// Pulls the record stream from a source (v1 or v2), keeping the running CRC
// and the stream offset for error messages.
class StreamReader {
 public:
  StreamReader(SnapshotSource* source, const std::string& path) : source_(source), path_(path) {}

  absl::Status Error(std::string_view what) const {
    return absl::DataLossError(Where(what));
  }

  // Copies the next `size` bytes of the stream to `dst`.
  absl::Status Read(void* dst, size_t size) {
    auto* out = static_cast<char*>(dst);
    while (size > 0) {
      if (pos_ == piece_.size()) {
        if (absl::Status s = Refill(); !s.ok()) return s;
      }
      const size_t n = std::min(size, piece_.size() - pos_);
      std::memcpy(out, piece_.data() + pos_, n);
      pos_ += n;
      out += n;
      size -= n;
    }
    return absl::OkStatus();
  }

  // The CRC of every stream byte read so far.
  uint32_t crc() {
    FoldCrc();
    return crc_;
  }

  // Succeeds if the stream and the file end exactly here.
  absl::Status ExpectEnd() {
    if (pos_ != piece_.size()) return Error("bytes after the end marker");
    return Wrap(source_->ExpectEnd());
  }

 private:
  std::string Where(std::string_view what) const {
    return absl::StrCat(path_, " at byte ", source_->file_offset(), " (uncompressed byte ",
                        delivered_before_ + pos_, "): ", Sv(what));
  }

  // A source's error with the path and offsets; I/O errors name the path
  // already.
  absl::Status Wrap(absl::Status s) const {
    if (s.ok() || absl::IsUnavailable(s)) return s;
    return absl::Status(s.code(), Where(StdSv(s.message())));
  }

  void FoldCrc() {
    crc_ = Crc32cExtend(crc_, piece_.data() + crc_from_, pos_ - crc_from_);
    crc_from_ = pos_;
  }

  absl::Status Refill() {
    FoldCrc();
    delivered_before_ += piece_.size();
    piece_ = {};
    pos_ = crc_from_ = 0;
    return Wrap(source_->Next(&piece_));
  }

  SnapshotSource* source_;
  const std::string& path_;
  std::string_view piece_;         // the source's current piece
  size_t pos_ = 0;                 // next unread byte of piece_
  size_t crc_from_ = 0;            // piece_[0, crc_from_) is already in crc_
  uint64_t delivered_before_ = 0;  // stream bytes before piece_[0]
  uint32_t crc_ = 0;
};

// Reads a u32 length and then that many bytes into `out`, refusing a length
// outside [min_size, max_size] before reading any of it.
absl::Status ReadPrefixed(StreamReader& reader, std::string_view what, size_t min_size,
                          size_t max_size, std::string* out) {
  char raw[4];
  if (absl::Status s = reader.Read(raw, sizeof(raw)); !s.ok()) return s;
  const uint32_t size = LoadFixed32(raw);
  if (size < min_size || size > max_size) {
    return reader.Error(
        absl::StrCat(Sv(what), " length ", size, " is not in ", min_size, "..", max_size));
  }
  out->clear();
  while (out->size() < size) {
    const size_t done = out->size();
    const size_t piece = std::min<size_t>(size - done, kBodyReadChunkBytes);
    out->resize(done + piece);
    if (absl::Status s = reader.Read(out->data() + done, piece); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ReadRecord(StreamReader& reader, uint64_t snapshot_version, Record* record,
                        std::string* body_text) {
  if (absl::Status s =
          ReadPrefixed(reader, "collection", 1, kMaxCollectionNameBytes, &record->collection);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadPrefixed(reader, "id", 1, kMaxIdBytes, &record->id); !s.ok()) return s;
  if (absl::Status s = ReadPrefixed(reader, "body", 0, kMaxFramePayloadBytes, body_text); !s.ok()) {
    return s;
  }
  char trailer[kRecordTrailerBytes];
  if (absl::Status s = reader.Read(trailer, sizeof(trailer)); !s.ok()) return s;
  record->version = LoadFixed64(trailer);
  record->schema = LoadFixed32(trailer + 8);
  record->created = absl::FromUnixMicros(static_cast<int64_t>(LoadFixed64(trailer + 12)));
  record->updated = absl::FromUnixMicros(static_cast<int64_t>(LoadFixed64(trailer + 20)));
  if (record->version == 0 || record->version > snapshot_version) {
    return reader.Error(absl::StrCat("record ", record->collection, "/", record->id,
                                     " has version ", record->version, ", not in 1..",
                                     snapshot_version));
  }
  absl::StatusOr<Json> body = Json::Parse(*body_text, kStoredBodyJsonLimits);
  if (!body.ok()) {
    return reader.Error(absl::StrCat("body of ", record->collection, "/", record->id,
                                     " is not valid JSON: ", body.status().message()));
  }
  record->body = *std::move(body);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ReadSnapshotFile(int fd, const std::string& path, const Codec& codec,
                                          const std::function<absl::Status(Record)>& on_record) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot stat", path, errno);
  }
  const auto file_size = static_cast<uint64_t>(st.st_size);
  char header[kSnapshotHeaderBytes];
  size_t have = 0;
  while (have < sizeof(header)) {
    const ssize_t n = ::read(fd, header + have, sizeof(header) - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(absl::StatusCode::kUnavailable, "cannot read", path, errno);
    if (n == 0) {
      return absl::DataLossError(absl::StrCat(path, " at byte ", have, ": truncated header"));
    }
    have += static_cast<size_t>(n);
  }
  // The magic's last byte is the format version.
  const auto format_version = static_cast<uint8_t>(header[7]);
  if (std::memcmp(header, SnapshotMagic(format_version).data(), 8) != 0) {
    return absl::DataLossError(absl::StrCat(path, " at byte 0: bad snapshot magic"));
  }
  if (format_version < kOldestSnapshotFormatVersion || format_version > kSnapshotFormatVersion) {
    return absl::DataLossError(absl::StrCat(path, " at byte 7: snapshot format version ",
                                            format_version, " is not one this build reads (",
                                            kOldestSnapshotFormatVersion, "..",
                                            kSnapshotFormatVersion, ")"));
  }
  const uint64_t version = LoadFixed64(header + 8);

  std::unique_ptr<SnapshotSource> source;
  if (format_version == 1) {
    MARQUEE_ASSIGN_OR_RETURN(source, NewZstdSnapshotSource(fd, path));
  } else {
    source = std::make_unique<ChunkSnapshotSource>(fd, path, file_size, codec, version);
  }
  StreamReader reader(source.get(), path);
  uint64_t count = 0;
  std::string body_text;  // reused: its capacity outlives one record
  for (;;) {
    uint8_t tag;
    if (absl::Status s = reader.Read(&tag, 1); !s.ok()) return s;
    if (tag == kEndTag) break;
    if (tag != kRecordTag) return reader.Error(absl::StrCat("unknown entry tag ", tag));
    Record record;
    if (absl::Status s = ReadRecord(reader, version, &record, &body_text); !s.ok()) return s;
    if (absl::Status s = on_record(std::move(record)); !s.ok()) return s;
    ++count;
  }
  char end[8];
  if (absl::Status s = reader.Read(end, sizeof(end)); !s.ok()) return s;
  const uint64_t stored_count = LoadFixed64(end);
  const uint32_t crc = reader.crc();
  char stored_crc[4];
  if (absl::Status s = reader.Read(stored_crc, sizeof(stored_crc)); !s.ok()) return s;
  if (LoadFixed32(stored_crc) != crc) return reader.Error("checksum mismatch");
  if (stored_count != count) {
    return reader.Error(
        absl::StrCat("end marker counts ", stored_count, " records, found ", count));
  }
  if (absl::Status s = reader.ExpectEnd(); !s.ok()) return s;
  return version;
}

}  // namespace

absl::Status WriteSnapshot(const std::string& final_path, uint64_t version,
                           const std::vector<std::shared_ptr<const Record>>& records,
                           const Codec& codec) {
  for (const std::shared_ptr<const Record>& record : records) {
    if (absl::Status s = CheckWritable(*record, version); !s.ok()) return s;
  }
  const std::string temp_path = final_path + ".tmp";
  // O_TRUNC: a .tmp left by an interrupted snapshot is simply overwritten.
  FileCloser file(::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (file.get() < 0) {
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot create", temp_path, errno);
  }
  absl::Status written = WriteSnapshotFile(file.get(), temp_path, version, records, codec);
  if (written.ok() && file.Close() != 0) {
    written = ErrnoError(absl::StatusCode::kUnavailable, "cannot close", temp_path, errno);
  }
  if (written.ok() && ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    written = ErrnoError(absl::StatusCode::kUnavailable, "cannot rename", temp_path, errno);
  }
  if (!written.ok()) {
    ::unlink(temp_path.c_str());  // best effort: the first error is the one to report
    return written;
  }
  return SyncDirectory(DirName(final_path));
}

absl::StatusOr<uint64_t> ReadSnapshot(const std::string& path, const Codec& codec,
                                      const std::function<absl::Status(Record)>& on_record) {
  FileCloser file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    const absl::StatusCode code =
        errno == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kUnavailable;
    return ErrnoError(code, "cannot open snapshot", path, errno);
  }
  ::posix_fadvise(file.get(), 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint; failure is harmless
  return ReadSnapshotFile(file.get(), path, codec, on_record);
}

}  // namespace marquee::internal
