// Snapshot format v2: the record stream cut into chunks, each one envelope.
// A chunk is sealed and compressed by the store's codec, so snapshots are
// encrypted at rest when the codec has an active key. Reading trusts
// nothing: a chunk length is checked against the largest envelope a chunk
// can need and against the bytes left in the file before it sizes a buffer.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/log_format.h"
#include "internal/snapshot_stream.h"
#include "internal/store_files.h"

namespace marquee::internal {

ChunkSnapshotSource::ChunkSnapshotSource(int fd, const std::string& path, uint64_t file_size,
                                         const Codec& codec, uint64_t version)
    : fd_(fd), path_(path), file_size_(file_size), codec_(codec), version_(version) {}

absl::Status ChunkSnapshotSource::ReadExact(char* dst, size_t size) {
  while (size > 0) {
    const ssize_t n = ::read(fd_, dst, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(absl::StatusCode::kUnavailable, "cannot read", path_, errno);
    // The size was checked against the file's, so it shrank meanwhile.
    if (n == 0) return absl::DataLossError("truncated: the file ended while being read");
    dst += n;
    size -= static_cast<size_t>(n);
    offset_ += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::Status ChunkSnapshotSource::Next(std::string_view* piece) {
  chunk_offset_ = offset_;
  const uint64_t left = file_size_ - offset_;
  if (left == 0) return absl::DataLossError("truncated: the file ends before the end marker");
  if (left < 4) {
    return absl::DataLossError(absl::StrCat("truncated: ", left, " bytes of a chunk length"));
  }
  char raw[4];
  if (absl::Status s = ReadExact(raw, sizeof(raw)); !s.ok()) return s;
  const uint32_t length = LoadFixed32(raw);
  if (length == 0 || length > kMaxSnapshotChunkEnvelopeBytes) {
    return absl::DataLossError(absl::StrCat("chunk length ", length, " is not in 1..",
                                            kMaxSnapshotChunkEnvelopeBytes));
  }
  if (length > left - 4) {
    return absl::DataLossError(absl::StrCat("chunk length ", length,
                                            " runs past the end of the file (", left - 4,
                                            " bytes left)"));
  }
  envelope_.resize(length);
  if (absl::Status s = ReadExact(envelope_.data(), length); !s.ok()) return s;
  absl::StatusOr<DecodedEnvelope> decoded = codec_.Decode(envelope_);
  if (!decoded.ok()) {
    // OutOfRange is this codec's limit, not damage.
    const absl::StatusCode code = absl::IsOutOfRange(decoded.status())
                                      ? absl::StatusCode::kFailedPrecondition
                                      : decoded.status().code();
    return absl::Status(code, absl::StrCat("chunk envelope: ", decoded.status().message()));
  }
  if (decoded->header.meta.record_version != version_) {
    return absl::DataLossError(absl::StrCat("chunk of snapshot version ",
                                            decoded->header.meta.record_version,
                                            " in the snapshot of version ", version_));
  }
  if (decoded->payload.empty() || decoded->payload.size() > kSnapshotChunkBytes) {
    return absl::DataLossError(absl::StrCat("chunk holds ", decoded->payload.size(),
                                            " stream bytes, not 1..", kSnapshotChunkBytes));
  }
  payload_ = std::move(decoded->payload);
  *piece = payload_;
  return absl::OkStatus();
}

absl::Status ChunkSnapshotSource::ExpectEnd() {
  chunk_offset_ = offset_;
  if (offset_ != file_size_) {
    return absl::DataLossError(
        absl::StrCat(file_size_ - offset_, " bytes after the chunk holding the end marker"));
  }
  return absl::OkStatus();
}

absl::Status SnapshotChunkWriter::Write(std::string* stream, bool final) {
  size_t done = 0;
  while (stream->size() - done >= kSnapshotChunkBytes ||
         (final && done < stream->size())) {
    const size_t size = std::min(stream->size() - done, kSnapshotChunkBytes);
    if (absl::Status s = WriteChunk(std::string_view(*stream).substr(done, size)); !s.ok()) {
      return s;
    }
    done += size;
  }
  stream->erase(0, done);
  return absl::OkStatus();
}

absl::Status SnapshotChunkWriter::WriteChunk(std::string_view chunk) {
  absl::StatusOr<std::string> envelope =
      codec_.Encode("", chunk, EnvelopeMeta{.record_version = version_});
  if (!envelope.ok()) {
    return absl::Status(envelope.status().code(),
                        absl::StrCat("cannot encode a chunk of snapshot ", path_, ": ",
                                     envelope.status().message()));
  }
  out_.clear();
  AppendFixed32(static_cast<uint32_t>(envelope->size()), &out_);
  out_.append(*envelope);
  return WriteAll(fd_, out_, path_);
}

}  // namespace marquee::internal
