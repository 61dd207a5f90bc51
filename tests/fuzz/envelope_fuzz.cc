// Fuzz target: the envelope decoder (Codec::Decode, DecodeRecord, PeekHeader).
//
// The first input byte picks how the rest is used: even, as it is; odd,
// with its last 4 bytes replaced by the CRC-32C of the bytes before them, so
// mutations get past the checksum and reach the header, zstd and AES-GCM.
//
// Properties: nothing crashes or allocates past max_payload_bytes; an
// envelope that decodes has a header PeekHeader agrees with; its payload
// encodes again (under the same meta) to an envelope that decodes to the
// same payload; DecodeRecord accepts only what Decode accepts.
#include <string>
#include <string_view>

#include "envelope_fuzz.h"
#include "fuzz_target.h"
#include "internal/crc32c.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const marquee::Codec* codec = marquee::fuzz::MakeEnvelopeFuzzCodec(/*encrypt=*/true).release();
  FuzzCheck(codec != nullptr, "the fuzz codec's options are refused");
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) != 0 && bytes.size() >= 4) {
    const uint32_t crc = marquee::internal::Crc32c(bytes.data(), bytes.size() - 4);
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  }
  const std::string_view envelope(bytes);

  absl::StatusOr<marquee::EnvelopeHeader> peeked = marquee::Codec::PeekHeader(envelope);
  absl::StatusOr<marquee::DecodedEnvelope> decoded = codec->Decode(envelope);
  absl::StatusOr<marquee::DecodedRecord> record = codec->DecodeRecord(envelope);
  if (!decoded.ok()) {
    FuzzCheck(!record.ok(), "DecodeRecord accepted what Decode refused");
    return 0;
  }
  FuzzCheck(peeked.ok(), "PeekHeader refused an envelope Decode accepted");
  FuzzCheck(peeked->meta.schema == decoded->header.meta.schema &&
                peeked->meta.record_version == decoded->header.meta.record_version,
            "PeekHeader and Decode disagree on the meta");
  FuzzCheck(decoded->payload.size() <= (1 << 20), "a payload over max_payload_bytes came out");

  const std::string_view collection = decoded->header.dictionary_id ? "campaigns" : "other";
  absl::StatusOr<std::string> again = codec->Encode(collection, decoded->payload, decoded->header.meta);
  FuzzCheck(again.ok(), "a decoded payload cannot be encoded again");
  absl::StatusOr<marquee::DecodedEnvelope> back = codec->Decode(*again);
  FuzzCheck(back.ok() && back->payload == decoded->payload, "a payload changed in a round trip");
  return 0;
}
