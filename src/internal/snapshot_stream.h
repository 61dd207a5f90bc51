// The two containers a snapshot's record stream (snapshot.h) is stored in:
// v1, one zstd stream (read only); v2, a sequence of chunks, each a u32 LE
// length and one envelope (marquee/codec.h) of at most kSnapshotChunkBytes
// of the stream. snapshot.cc encodes and parses records; these classes only
// move stream bytes between it and the file.
// Thread-safety: each object is used by one thread.
//
//   SnapshotChunkWriter chunks(fd, path, codec, version);
//   MARQUEE_RETURN_IF_ERROR(chunks.Write(&stream, /*final=*/true));
//   ChunkSnapshotSource source(fd, path, file_size, codec, version);
//   std::string_view piece;
//   MARQUEE_RETURN_IF_ERROR(source.Next(&piece));
#ifndef MARQUEE_SRC_INTERNAL_SNAPSHOT_STREAM_H_
#define MARQUEE_SRC_INTERNAL_SNAPSHOT_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/codec.h"

namespace marquee::internal {

// "MQSNAP\0" then the format version byte, then the snapshot version u64 LE.
inline constexpr size_t kSnapshotHeaderBytes = 16;
inline constexpr uint8_t kSnapshotFormatVersion = 2;
// Stream bytes per v2 chunk (the last chunk may hold fewer). Large enough
// that zstd compresses well and per-chunk overhead is negligible, small
// enough that reading or writing one costs little memory.
inline constexpr size_t kSnapshotChunkBytes = size_t{256} << 10;
// The largest envelope a chunk may hold: its payload, or less when
// compressed (an envelope never stores a payload larger than the original),
// plus the envelope's header, GCM tag and checksum.
inline constexpr size_t kMaxSnapshotChunkEnvelopeBytes = kSnapshotChunkBytes + 128;

// Where the record stream comes from, for the reader.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // Sets *piece to the next non-empty piece of the stream, valid until the
  // next call. Messages name no path; the reader adds path and offsets.
  // Errors: DataLoss (the stream ends here, or is damaged),
  // FailedPrecondition / PermissionDenied (a v2 chunk needs a key or
  // dictionary the codec lacks / does not authenticate), Unavailable (I/O,
  // with the path).
  virtual absl::Status Next(std::string_view* piece) = 0;
  // Succeeds if the stream ended with the last piece and the file ends
  // right after it. Errors: as Next.
  virtual absl::Status ExpectEnd() = 0;
  // The file offset errors are reported at: how far a v1 reader has read,
  // the start of a v2 reader's current chunk.
  virtual uint64_t file_offset() const = 0;
};

// A v1 source: one zstd stream from the file position after the header to
// the end of the file. Errors: also Internal (zstd could not start).
[[nodiscard]] absl::StatusOr<std::unique_ptr<SnapshotSource>> NewZstdSnapshotSource(
    int fd, const std::string& path);

// A v2 source: chunks from the file position after the header
// (kSnapshotHeaderBytes) to `file_size`. Every chunk length is checked
// against kMaxSnapshotChunkEnvelopeBytes and the bytes left in the file
// before anything is allocated; every chunk must carry `version` as its
// envelope's record version.
class ChunkSnapshotSource final : public SnapshotSource {
 public:
  ChunkSnapshotSource(int fd, const std::string& path, uint64_t file_size, const Codec& codec,
                      uint64_t version);
  absl::Status Next(std::string_view* piece) override;
  absl::Status ExpectEnd() override;
  uint64_t file_offset() const override { return chunk_offset_; }

 private:
  absl::Status ReadExact(char* dst, size_t size);

  const int fd_;
  const std::string& path_;
  const uint64_t file_size_;
  const Codec& codec_;
  const uint64_t version_;
  uint64_t offset_ = kSnapshotHeaderBytes;  // next byte to read
  uint64_t chunk_offset_ = kSnapshotHeaderBytes;
  std::string envelope_;
  std::string payload_;
};

// Writes the stream as v2 chunks.
class SnapshotChunkWriter {
 public:
  SnapshotChunkWriter(int fd, const std::string& path, const Codec& codec, uint64_t version)
      : fd_(fd), path_(path), codec_(codec), version_(version) {}

  // Writes whole kSnapshotChunkBytes chunks from the front of *stream and
  // removes them; with `final`, also the rest. A chunk is never empty.
  // Errors: Unavailable (I/O), Internal (the codec failed), OutOfRange (the
  // codec's max_payload_bytes is below kSnapshotChunkBytes).
  absl::Status Write(std::string* stream, bool final);

 private:
  absl::Status WriteChunk(std::string_view chunk);

  const int fd_;
  const std::string& path_;
  const Codec& codec_;
  const uint64_t version_;
  std::string out_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_SNAPSHOT_STREAM_H_
