// Encoding and (defensive) decoding of the L2 value envelope.
#include "redis/envelope.h"

#include <zstd.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace marquee::redis::internal {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* cctx) const { ZSTD_freeCCtx(cctx); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

// One context per thread: creating one per value would cost more than
// compressing a small value.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  return cctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx = [] {
    std::unique_ptr<ZSTD_DCtx, DCtxDeleter> created(ZSTD_createDCtx());
    // Refuse frames whose window would make the decoder allocate more than
    // the largest value we accept.
    if (created != nullptr) ZSTD_DCtx_setParameter(created.get(), ZSTD_d_windowLogMax, 27);
    return created;
  }();
  return dctx.get();
}

void AppendHeader(std::string& out, uint64_t version, uint8_t flags) {
  out.append(kEnvelopeMagic);
  out.append(VersionHex(version));
  out.push_back(static_cast<char>(flags));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not ours: the scripts compare lower case
}

absl::Status Malformed(std::string_view why) {
  return absl::DataLossError(absl::StrCat("malformed cache envelope: ",
                                          absl::string_view(why.data(), why.size())));
}

}  // namespace

std::string VersionHex(uint64_t version) {
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i) {
    hex[static_cast<size_t>(i)] = kHexDigits[version & 0xF];
    version >>= 4;
  }
  return hex;
}

std::string EncodeValueEnvelope(std::string_view bytes, uint64_t version,
                                const EnvelopeCompression& compression) {
  std::string out;
  if (bytes.size() >= compression.min_bytes) {
    ZSTD_CCtx* cctx = ThreadCCtx();
    const size_t bound = ZSTD_compressBound(bytes.size());
    if (cctx != nullptr && !ZSTD_isError(bound)) {
      out.resize(kEnvelopeHeaderBytes + bound);
      // The frame declares its content size (the decoder's bound) and
      // carries a checksum, so a damaged payload is DataLoss, not garbage.
      ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, compression.level);
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
      const size_t written = ZSTD_compress2(cctx, out.data() + kEnvelopeHeaderBytes, bound,
                                            bytes.data(), bytes.size());
      if (!ZSTD_isError(written) && written < bytes.size()) {
        out.resize(kEnvelopeHeaderBytes + written);
        std::string header;
        AppendHeader(header, version, kFlagZstd);
        out.replace(0, kEnvelopeHeaderBytes, header);
        return out;
      }
      out.clear();
    }
  }
  out.reserve(kEnvelopeHeaderBytes + bytes.size());
  AppendHeader(out, version, 0);
  out.append(bytes);
  return out;
}

std::string EncodeMarkEnvelope(uint64_t version) {
  std::string out;
  AppendHeader(out, version, kFlagMark);
  return out;
}

absl::StatusOr<DecodedEnvelope> DecodeEnvelope(std::string_view data) {
  if (data.size() < kEnvelopeHeaderBytes) return Malformed("shorter than its header");
  if (data.substr(0, kEnvelopeMagic.size()) != kEnvelopeMagic) return Malformed("wrong magic");
  DecodedEnvelope decoded;
  for (size_t i = 4; i < 20; ++i) {
    const int digit = HexValue(data[i]);
    if (digit < 0) return Malformed("version is not 16 lowercase hex digits");
    decoded.version = (decoded.version << 4) | static_cast<uint64_t>(digit);
  }
  const auto flags = static_cast<uint8_t>(data[20]);
  const std::string_view payload = data.substr(kEnvelopeHeaderBytes);
  if (flags == kFlagMark) {
    if (!payload.empty()) return Malformed("an invalidation mark carries a payload");
    decoded.mark = true;
    return decoded;
  }
  if (flags == 0) {
    if (payload.size() > kMaxEnvelopeValueBytes) return Malformed("value too large");
    decoded.bytes.assign(payload);
    return decoded;
  }
  if (flags != kFlagZstd) return Malformed("unknown flags");

  const size_t frame_size = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
  if (ZSTD_isError(frame_size) || frame_size != payload.size()) {
    return Malformed("payload is not exactly one zstd frame");
  }
  const unsigned long long content_size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (content_size == ZSTD_CONTENTSIZE_UNKNOWN || content_size == ZSTD_CONTENTSIZE_ERROR) {
    return Malformed("zstd frame does not declare its size");
  }
  if (content_size > kMaxEnvelopeValueBytes) return Malformed("value too large");
  ZSTD_DCtx* dctx = ThreadDCtx();
  if (dctx == nullptr) return absl::ResourceExhaustedError("cannot create a zstd context");
  decoded.bytes.resize(static_cast<size_t>(content_size));
  const size_t produced = ZSTD_decompressDCtx(dctx, decoded.bytes.data(), decoded.bytes.size(),
                                              payload.data(), payload.size());
  if (ZSTD_isError(produced) || produced != content_size) {
    // A failed frame can leave the context mid-frame; start the next clean.
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    return Malformed("zstd payload does not decompress to its declared size");
  }
  return decoded;
}

}  // namespace marquee::redis::internal
