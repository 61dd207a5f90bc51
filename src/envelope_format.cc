// The envelope's byte layout. The checks run from the cheapest and most
// telling (is this an envelope at all, of a version we read) to the
// checksum, so foreign bytes are named as such rather than as a bad
// checksum; every defect is DataLoss either way.
#include "internal/envelope_format.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "internal/crc32c.h"

namespace marquee::internal {
namespace {

// Fixed-header offsets.
constexpr size_t kFormatVersionOffset = 4;
constexpr size_t kFlagsOffset = 5;
constexpr size_t kReservedOffset = 6;
constexpr size_t kRecordVersionOffset = 8;
constexpr size_t kSchemaOffset = 16;
constexpr size_t kLengthOffset = 20;

void AppendBig32(uint32_t value, std::string* out) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  out->append(bytes, sizeof(bytes));
}

void AppendBig64(uint64_t value, std::string* out) {
  AppendBig32(static_cast<uint32_t>(value >> 32), out);
  AppendBig32(static_cast<uint32_t>(value), out);
}

uint32_t LoadBig32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

uint64_t LoadBig64(const char* p) { return (uint64_t{LoadBig32(p)} << 32) | LoadBig32(p + 4); }

uint32_t LoadLittle32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}

std::string HexBytes(std::string_view bytes) {
  std::string hex;
  for (unsigned char c : bytes) absl::StrAppendFormat(&hex, "%02x", c);
  return hex;
}

}  // namespace

void AppendEnvelopeHeader(const EnvelopeHeader& header, std::string_view nonce, std::string* out) {
  uint8_t flags = 0;
  if (header.compressed) flags |= kEnvelopeFlagCompressed;
  if (header.dictionary_id.has_value()) flags |= kEnvelopeFlagDictionary;
  if (header.key_id.has_value()) flags |= kEnvelopeFlagEncrypted;
  out->append(kEnvelopeMagic.data(), kEnvelopeMagic.size());
  out->push_back(static_cast<char>(kEnvelopeFormatVersion));
  out->push_back(static_cast<char>(flags));
  out->append(2, '\0');
  AppendBig64(header.meta.record_version, out);
  AppendBig32(header.meta.schema, out);
  AppendBig32(static_cast<uint32_t>(header.stored_payload_bytes), out);
  if (header.dictionary_id.has_value()) AppendBig32(*header.dictionary_id, out);
  if (header.key_id.has_value()) {
    AppendBig32(*header.key_id, out);
    out->append(nonce.data(), nonce.size());
  }
}

void AppendEnvelopeChecksum(std::string* out) {
  const uint32_t crc = Crc32c(out->data(), out->size());
  // Little-endian, as the log's frames store their CRCs.
  const char bytes[4] = {static_cast<char>(crc), static_cast<char>(crc >> 8),
                         static_cast<char>(crc >> 16), static_cast<char>(crc >> 24)};
  out->append(bytes, sizeof(bytes));
}

absl::StatusOr<EnvelopeParts> ParseEnvelope(std::string_view envelope) {
  const size_t size = envelope.size();
  if (size < kMinEnvelopeBytes) {
    return absl::DataLossError(absl::StrCat("envelope is truncated: ", size,
                                            " bytes, shorter than the smallest envelope (",
                                            kMinEnvelopeBytes, " bytes)"));
  }
  const char* p = envelope.data();
  if (std::memcmp(p, kEnvelopeMagic.data(), kEnvelopeMagic.size()) != 0) {
    return absl::DataLossError(absl::StrCat("not a Marquee envelope: it starts with 0x",
                                            HexBytes(envelope.substr(0, 4)), ", not \"MQEV\""));
  }
  const auto format_version = static_cast<uint8_t>(p[kFormatVersionOffset]);
  if (format_version != kEnvelopeFormatVersion) {
    return absl::DataLossError(absl::StrCat("envelope format version ", format_version,
                                            " is not supported (this build reads version ",
                                            kEnvelopeFormatVersion, ")"));
  }
  const auto flags = static_cast<uint8_t>(p[kFlagsOffset]);
  if ((flags & ~kEnvelopeKnownFlags) != 0) {
    return absl::DataLossError(
        absl::StrFormat("envelope has unknown flags 0x%02x", flags & ~kEnvelopeKnownFlags));
  }
  const bool compressed = (flags & kEnvelopeFlagCompressed) != 0;
  const bool dictionary = (flags & kEnvelopeFlagDictionary) != 0;
  const bool encrypted = (flags & kEnvelopeFlagEncrypted) != 0;
  if (dictionary && !compressed) {
    return absl::DataLossError("envelope flags name a dictionary but no compression");
  }
  if (p[kReservedOffset] != 0 || p[kReservedOffset + 1] != 0) {
    return absl::DataLossError("envelope's reserved header bytes are not zero");
  }
  const size_t header_bytes = EnvelopeHeaderBytes(dictionary, encrypted);
  const size_t tag_bytes = encrypted ? kEnvelopeTagBytes : 0;
  const size_t stored = LoadBig32(p + kLengthOffset);
  // 64-bit arithmetic: cannot overflow with a 32-bit length.
  const uint64_t expected = uint64_t{header_bytes} + stored + tag_bytes + kEnvelopeChecksumBytes;
  if (size != expected) {
    return absl::DataLossError(
        absl::StrCat("envelope is ",
                     size < expected ? "truncated or corrupted" : "corrupted or has trailing bytes",
                     ": ", size, " bytes, its header says ", expected));
  }
  const size_t checked = size - kEnvelopeChecksumBytes;
  const uint32_t stored_crc = LoadLittle32(p + checked);
  const uint32_t actual_crc = Crc32c(p, checked);
  if (stored_crc != actual_crc) {
    return absl::DataLossError(absl::StrFormat(
        "envelope checksum mismatch (stored 0x%08x, computed 0x%08x): the envelope is corrupted",
        stored_crc, actual_crc));
  }

  EnvelopeParts parts;
  EnvelopeHeader& header = parts.header;
  header.format_version = format_version;
  header.meta.record_version = LoadBig64(p + kRecordVersionOffset);
  header.meta.schema = LoadBig32(p + kSchemaOffset);
  header.compressed = compressed;
  header.stored_payload_bytes = stored;
  size_t at = kEnvelopeFixedHeaderBytes;
  if (dictionary) {
    header.dictionary_id = LoadBig32(p + at);
    at += kEnvelopeDictionaryIdBytes;
  }
  if (encrypted) {
    header.key_id = LoadBig32(p + at);
    at += kEnvelopeKeyIdBytes;
    parts.nonce = envelope.substr(at, kEnvelopeNonceBytes);
    at += kEnvelopeNonceBytes;
  }
  parts.header_bytes = envelope.substr(0, header_bytes);
  parts.payload = envelope.substr(header_bytes, stored);
  if (encrypted) parts.tag = envelope.substr(header_bytes + stored, kEnvelopeTagBytes);
  return parts;
}

}  // namespace marquee::internal
