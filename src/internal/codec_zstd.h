// zstd for the envelope: one frame per payload, compressed and decompressed
// with per-thread contexts (creating a context costs more than compressing
// a 1 KB record), with or without a prepared dictionary.
// Thread-safety: every function may be called concurrently; a ZSTD_CDict or
// ZSTD_DDict may be shared by any number of threads.
#ifndef MARQUEE_SRC_INTERNAL_CODEC_ZSTD_H_
#define MARQUEE_SRC_INTERNAL_CODEC_ZSTD_H_

#include <zstd.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::internal {

// Compresses `input` as one zstd frame into `*out` (replacing its contents):
// with `dictionary` when it is not null (its level was fixed when it was
// created), else at `level`. The frame declares its content size and never
// carries a dictionary id (the envelope has its own). Only a frame made with
// a dictionary carries zstd's checksum of the content: the envelope's CRC
// vouches for the compressed bytes, but only the content checksum can tell
// that a decoder's dictionary of the same id has other bytes.
// Errors: Internal (zstd failed).
[[nodiscard]] absl::Status ZstdCompressFrame(std::string_view input, int level,
                                             const ZSTD_CDict* dictionary, std::string* out);

// Checks that `frame` is exactly one zstd frame that declares a content
// size of at most `max_bytes`, and returns that size.
// Errors: DataLoss (not one well-formed frame, or no declared content size),
// OutOfRange (declared content size above max_bytes).
[[nodiscard]] absl::StatusOr<size_t> ZstdFrameContentSize(std::string_view frame, size_t max_bytes);

// Decompresses `frame`, which ZstdFrameContentSize accepted with
// `content_bytes`, into `*out` (replacing its contents), with `dictionary`
// when it is not null. Returns zstd's reason when the frame does not
// decompress to exactly content_bytes (or its checksum does not match).
// Errors: Internal (no memory for a context).
[[nodiscard]] absl::StatusOr<std::optional<std::string>> ZstdDecompressFrame(
    std::string_view frame, const ZSTD_DDict* dictionary, size_t content_bytes, std::string* out);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_CODEC_ZSTD_H_
