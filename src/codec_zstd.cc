// zstd frames for the envelope, on per-thread contexts. A context keeps its
// tables between calls; each call resets its parameters, so contexts are
// shared by every codec a thread uses.
#include "internal/codec_zstd.h"

#include "absl/strings/str_cat.h"

namespace marquee::internal {
namespace {

struct ThreadContexts {
  ThreadContexts() = default;
  ~ThreadContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;

  ZSTD_CCtx* cctx = nullptr;
  ZSTD_DCtx* dctx = nullptr;
};

ThreadContexts& Contexts() {
  thread_local ThreadContexts contexts;
  return contexts;
}

absl::Status ZstdError(const char* what, size_t code) {
  return absl::InternalError(absl::StrCat("zstd ", what, " failed: ", ZSTD_getErrorName(code)));
}

}  // namespace

absl::Status ZstdCompressFrame(std::string_view input, int level, const ZSTD_CDict* dictionary,
                               std::string* out) {
  ThreadContexts& contexts = Contexts();
  if (contexts.cctx == nullptr) contexts.cctx = ZSTD_createCCtx();
  ZSTD_CCtx* cctx = contexts.cctx;
  if (cctx == nullptr) return absl::InternalError("zstd could not allocate a compression context");
  size_t r = ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  if (!ZSTD_isError(r)) {
    // A dictionary brings its own level (ZSTD_createCDict's).
    r = dictionary != nullptr ? ZSTD_CCtx_refCDict(cctx, dictionary)
                              : ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  }
  if (!ZSTD_isError(r)) {
    r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, dictionary != nullptr ? 1 : 0);
  }
  if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
  if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
  if (ZSTD_isError(r)) return ZstdError("setup", r);
  out->resize(ZSTD_compressBound(input.size()));
  r = ZSTD_compress2(cctx, out->data(), out->size(), input.data(), input.size());
  if (ZSTD_isError(r)) {
    out->clear();
    return ZstdError("compression", r);
  }
  out->resize(r);
  return absl::OkStatus();
}

absl::StatusOr<size_t> ZstdFrameContentSize(std::string_view frame, size_t max_bytes) {
  const size_t frame_bytes = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_bytes)) {
    return absl::DataLossError(absl::StrCat("envelope payload is not a well-formed zstd frame: ",
                                            ZSTD_getErrorName(frame_bytes)));
  }
  if (frame_bytes != frame.size()) {
    return absl::DataLossError(absl::StrCat("envelope payload has ", frame.size() - frame_bytes,
                                            " bytes after its zstd frame"));
  }
  const unsigned long long content = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR) {
    return absl::DataLossError("envelope's zstd frame does not declare its content size");
  }
  // Checked before anything is allocated: the declared size is what the
  // caller allocates.
  if (content > max_bytes) {
    return absl::OutOfRangeError(absl::StrCat("envelope payload decompresses to ", content,
                                              " bytes; max_payload_bytes is ", max_bytes));
  }
  return static_cast<size_t>(content);
}

absl::StatusOr<std::optional<std::string>> ZstdDecompressFrame(std::string_view frame,
                                                               const ZSTD_DDict* dictionary,
                                                               size_t content_bytes,
                                                               std::string* out) {
  ThreadContexts& contexts = Contexts();
  if (contexts.dctx == nullptr) contexts.dctx = ZSTD_createDCtx();
  ZSTD_DCtx* dctx = contexts.dctx;
  if (dctx == nullptr)
    return absl::InternalError("zstd could not allocate a decompression context");
  out->resize(content_bytes);
  const size_t r =
      dictionary != nullptr
          ? ZSTD_decompress_usingDDict(dctx, out->data(), out->size(), frame.data(), frame.size(),
                                       dictionary)
          : ZSTD_decompressDCtx(dctx, out->data(), out->size(), frame.data(), frame.size());
  if (ZSTD_isError(r)) {
    out->clear();
    return std::optional<std::string>(ZSTD_getErrorName(r));
  }
  if (r != content_bytes) {
    out->clear();
    return std::optional<std::string>(
        absl::StrCat("it holds ", r, " bytes, not the ", content_bytes, " it declares"));
  }
  return std::optional<std::string>();
}

}  // namespace marquee::internal
