// Snapshot format v1: the record stream as one zstd stream filling the rest
// of the file. Only read, so snapshots written before the envelope still
// load; new snapshots are v2 (snapshot_chunks.cc).
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/snapshot_stream.h"
#include "internal/store_files.h"

namespace marquee::internal {
namespace {

// The largest zstd window the reader accepts. The v1 writer's level used at
// most 2^21; a hostile frame header must not make the reader allocate more.
constexpr int kMaxWindowLog = 24;

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

class ZstdSnapshotSource final : public SnapshotSource {
 public:
  ZstdSnapshotSource(int fd, const std::string& path, std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx)
      : fd_(fd),
        path_(path),
        dctx_(std::move(dctx)),
        in_buffer_(ZSTD_DStreamInSize()),
        out_buffer_(ZSTD_DStreamOutSize()) {}

  // Decompresses until at least one new byte is available.
  absl::Status Next(std::string_view* piece) override {
    for (;;) {
      if (frame_done_) {
        return absl::DataLossError("truncated: the stream ends before its end marker");
      }
      if (in_.pos == in_.size && !input_ended_) {
        if (absl::Status s = ReadInput(); !s.ok()) return s;
      }
      ZSTD_outBuffer out{out_buffer_.data(), out_buffer_.size(), 0};
      const size_t before = in_.pos;
      const size_t result = ZSTD_decompressStream(dctx_.get(), &out, &in_);
      consumed_ += in_.pos - before;
      if (ZSTD_isError(result)) {
        return absl::DataLossError(
            absl::StrCat("bad compressed data: ", ZSTD_getErrorName(result)));
      }
      frame_done_ = result == 0;
      if (out.pos > 0) {
        *piece = std::string_view(out_buffer_.data(), out.pos);
        return absl::OkStatus();
      }
      // No output and no input left to give: the file ends mid-stream.
      if (!frame_done_ && input_ended_ && in_.pos == in_.size) {
        return absl::DataLossError("truncated: the file ends inside the compressed stream");
      }
    }
  }

  absl::Status ExpectEnd() override {
    while (!frame_done_) {
      std::string_view piece;
      absl::Status s = Next(&piece);
      if (s.ok()) return absl::DataLossError("bytes after the end marker");
      if (!frame_done_) return s;
    }
    if (in_.pos < in_.size) return absl::DataLossError("bytes after the compressed stream");
    char extra;
    ssize_t n;
    do {
      n = ::read(fd_, &extra, 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoError(absl::StatusCode::kUnavailable, "cannot read", path_, errno);
    if (n > 0) return absl::DataLossError("bytes after the compressed stream");
    return absl::OkStatus();
  }

  uint64_t file_offset() const override { return kSnapshotHeaderBytes + consumed_; }

 private:
  absl::Status ReadInput() {
    ssize_t n;
    do {
      n = ::read(fd_, in_buffer_.data(), in_buffer_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoError(absl::StatusCode::kUnavailable, "cannot read", path_, errno);
    in_ = ZSTD_inBuffer{in_buffer_.data(), static_cast<size_t>(n), 0};
    input_ended_ = n == 0;
    return absl::OkStatus();
  }

  const int fd_;
  const std::string& path_;
  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx_;
  std::vector<char> in_buffer_;
  std::vector<char> out_buffer_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool input_ended_ = false;
  bool frame_done_ = false;
  uint64_t consumed_ = 0;  // compressed bytes zstd has taken
};

}  // namespace

absl::StatusOr<std::unique_ptr<SnapshotSource>> NewZstdSnapshotSource(int fd,
                                                                      const std::string& path) {
  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  if (dctx == nullptr) return absl::InternalError("cannot create a zstd decompression context");
  const size_t set = ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, kMaxWindowLog);
  if (ZSTD_isError(set)) return absl::InternalError(ZSTD_getErrorName(set));
  return std::make_unique<ZstdSnapshotSource>(fd, path, std::move(dctx));
}

}  // namespace marquee::internal
