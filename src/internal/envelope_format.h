// The envelope's byte layout (see marquee/codec.h): writing a header and the
// trailing checksum, and taking an envelope apart with every length and the
// checksum checked. Knows nothing of zstd or AES; codec.cc does the rest.
// Thread-safety: pure functions.
#ifndef MARQUEE_SRC_INTERNAL_ENVELOPE_FORMAT_H_
#define MARQUEE_SRC_INTERNAL_ENVELOPE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/codec.h"

namespace marquee::internal {

inline constexpr std::string_view kEnvelopeMagic = "MQEV";
inline constexpr uint8_t kEnvelopeFlagCompressed = 0x01;
inline constexpr uint8_t kEnvelopeFlagDictionary = 0x02;
inline constexpr uint8_t kEnvelopeFlagEncrypted = 0x04;
inline constexpr uint8_t kEnvelopeKnownFlags =
    kEnvelopeFlagCompressed | kEnvelopeFlagDictionary | kEnvelopeFlagEncrypted;

// Magic, format version, flags, reserved, record version, schema, length.
inline constexpr size_t kEnvelopeFixedHeaderBytes = 24;
inline constexpr size_t kEnvelopeDictionaryIdBytes = 4;
inline constexpr size_t kEnvelopeKeyIdBytes = 4;
inline constexpr size_t kEnvelopeNonceBytes = 12;
inline constexpr size_t kEnvelopeTagBytes = 16;
inline constexpr size_t kEnvelopeChecksumBytes = 4;
// The smallest envelope: a fixed header, no payload, a checksum.
inline constexpr size_t kMinEnvelopeBytes = kEnvelopeFixedHeaderBytes + kEnvelopeChecksumBytes;

// Bytes of the header (everything before the payload) for these options.
constexpr size_t EnvelopeHeaderBytes(bool dictionary, bool encrypted) {
  return kEnvelopeFixedHeaderBytes + (dictionary ? kEnvelopeDictionaryIdBytes : 0) +
         (encrypted ? kEnvelopeKeyIdBytes + kEnvelopeNonceBytes : 0);
}

// Appends the header described by `header` to `out`: with a dictionary id
// when header.dictionary_id is set, with the key id and `nonce`
// (kEnvelopeNonceBytes) when header.key_id is set. REQUIRES:
// header.stored_payload_bytes <= UINT32_MAX; dictionary_id set only when
// compressed.
void AppendEnvelopeHeader(const EnvelopeHeader& header, std::string_view nonce, std::string* out);

// Appends the CRC-32C of all of `out` so far.
void AppendEnvelopeChecksum(std::string* out);

// An envelope taken apart; every view points into the envelope.
struct EnvelopeParts {
  EnvelopeHeader header{};
  std::string_view header_bytes{};  // what the AES-GCM tag authenticates
  std::string_view nonce{};         // empty unless encrypted
  std::string_view payload{};       // as stored
  std::string_view tag{};           // empty unless encrypted
};

// Checks magic, format version, flags, lengths and the checksum.
// Errors: DataLoss naming the first defect.
[[nodiscard]] absl::StatusOr<EnvelopeParts> ParseEnvelope(std::string_view envelope);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_ENVELOPE_FORMAT_H_
