// marquee/codec.h — the binary envelope: versioned, checksummed, compressed,
// optionally encrypted bytes.
//
// An envelope wraps one payload (usually a record body) with a header that
// says what it is without decoding it: the envelope format version, the
// body's schema version, the store-wide record version and flags saying how
// the payload is stored. Payloads below a threshold are stored raw; larger
// ones as one zstd frame, with the collection's newest trained dictionary
// when the codec holds one. Dictionaries are kept by id and the id is in the
// envelope, so envelopes written before a retraining still decode. With an
// active key, payloads are sealed with AES-256-GCM (a random 96-bit nonce per
// envelope, the header authenticated with it), and the key id is in the
// envelope so keys can rotate. Every envelope ends with a CRC-32C of all its
// bytes: any single-byte corruption or truncation is DataLoss, never a wrong
// payload. Decoding trusts nothing: every length is checked, and no envelope
// can make the codec allocate more than max_payload_bytes for its payload.
// The log, snapshots and the Redis tier are meant to store this envelope.
// Thread-safety: a Codec's methods may all be called concurrently,
// AddDictionary included.
//
//   auto codec = *marquee::Codec::Create({.keys = {{.id = 1, .key = key32}},
//                                         .active_key_id = 1});
//   auto dict = marquee::TrainDictionary(sample_bodies, /*id=*/7);
//   if (dict.ok()) (void)codec->AddDictionary("campaigns", *std::move(dict));
//   absl::StatusOr<std::string> envelope = codec->EncodeRecord(record);
//   absl::StatusOr<marquee::DecodedRecord> back = codec->DecodeRecord(*envelope);
//   // back->body == record.body, back->meta.record_version == record.version
//
// The layout (header fields big-endian, so envelopes order by record version
// bytewise at offset 8; the CRC little-endian, as in the log's frames):
//
//   offset 0   4   magic "MQEV"
//          4   1   format version (1)
//          5   1   flags: 0x01 zstd frame, 0x02 with a dictionary (needs 0x01),
//                  0x04 AES-256-GCM; other bits must be 0
//          6   2   reserved, 0
//          8   8   record version
//         16   4   schema
//         20   4   stored payload length (after compression and encryption)
//         24   4   dictionary id                  (only with flag 0x02)
//          .   4   key id, then 12 nonce bytes    (only with flag 0x04)
//          .   n   payload: the bytes, or one zstd frame declaring its content
//                  size (with zstd's content checksum when a dictionary is
//                  used); with 0x04, that as AES-256-GCM ciphertext
//          .  16   GCM tag                        (only with flag 0x04)
//          .   4   CRC-32C of every byte before it
#ifndef MARQUEE_CODEC_H_
#define MARQUEE_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/record.h"

namespace marquee {

// The envelope format version this build writes and reads.
inline constexpr uint8_t kEnvelopeFormatVersion = 1;
// AES-256 keys are exactly this many bytes.
inline constexpr size_t kEncryptionKeyBytes = 32;
// Bounds on what TrainDictionary produces and AddDictionary accepts.
inline constexpr size_t kMinDictionaryBytes = 256;
inline constexpr size_t kMaxDictionaryBytes = size_t{1} << 20;
// The largest accepted CodecOptions::max_payload_bytes.
inline constexpr size_t kMaxEnvelopePayloadBytes = size_t{1} << 30;

// What the header says about the payload, besides how it is stored.
struct EnvelopeMeta {
  // Version of the payload's shape (Record::schema). Default: 1.
  uint32_t schema = 1;
  // Store-wide commit version (Record::version); 0 when not a record.
  // Default: 0.
  uint64_t record_version = 0;

  friend bool operator==(const EnvelopeMeta&, const EnvelopeMeta&) = default;
};

// Everything the header of a well-formed envelope says.
struct EnvelopeHeader {
  uint8_t format_version = 0;
  EnvelopeMeta meta{};
  // The payload is one zstd frame.
  bool compressed = false;
  // The dictionary the frame needs; nullopt: none.
  std::optional<uint32_t> dictionary_id{};
  // The key the payload is sealed with; nullopt: not encrypted.
  std::optional<uint32_t> key_id{};
  // Bytes of the payload as stored (compressed and/or encrypted, no tag).
  size_t stored_payload_bytes = 0;
};

struct DecodedEnvelope {
  EnvelopeHeader header{};
  // The original payload: decrypted and decompressed.
  std::string payload{};
};

struct DecodedRecord {
  EnvelopeMeta meta{};
  Json body{};
};

// An AES-256-GCM key and the id envelopes name it by.
struct EncryptionKey {
  // Default: 0.
  uint32_t id = 0;
  // Exactly kEncryptionKeyBytes bytes of key material. Default: "".
  std::string key{};
};

// A zstd dictionary and the id envelopes name it by. Ids are the codec's
// own, any uint32 value; a trained dictionary's internal zstd id is ignored.
struct Dictionary {
  // Default: 0.
  uint32_t id = 0;
  // A trained zstd dictionary (TrainDictionary) or raw content bytes,
  // kMinDictionaryBytes..kMaxDictionaryBytes long. Default: "".
  std::string bytes{};
};

struct CodecOptions {
  // zstd level for payloads without a dictionary and for dictionaries added
  // later; zstd's range, negative (fastest) to 22. Default: 3.
  int compression_level = 3;
  // Payloads shorter than this are stored raw; so is any payload that zstd
  // does not make smaller. Default: 64.
  size_t compress_min_bytes = 64;
  // Largest payload Encode accepts and Decode produces (decompressed),
  // 1..kMaxEnvelopePayloadBytes. Also the byte limit DecodeRecord parses
  // bodies with. Default: 64 MiB.
  size_t max_payload_bytes = size_t{64} << 20;
  // Keys for decoding, each with a distinct id. Default: none.
  std::vector<EncryptionKey> keys{};
  // The key Encode seals with; one of `keys`. nullopt: envelopes are written
  // unencrypted (encrypted ones still decode with `keys`). Nonces are random,
  // so rotate to a new key well before 2^32 envelopes under one key (NIST SP
  // 800-38D's bound for random 96-bit nonces). Default: nullopt.
  std::optional<uint32_t> active_key_id{};
};

// Trains a zstd dictionary of at most `max_bytes` on `samples` (typically a
// few hundred to a few thousand record bodies, about 100 times max_bytes in
// total). Runs on the calling thread, in about 0.1 s per MiB of samples.
// Errors: InvalidArgument (no samples; max_bytes outside
// kMinDictionaryBytes..kMaxDictionaryBytes; more than 1 GiB or 2^31 of
// samples; samples too few or too small for zstd to train on, with zstd's
// reason).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Dictionary> TrainDictionary(
    const std::vector<std::string>& samples, uint32_t id, size_t max_bytes = size_t{16} << 10);

class MARQUEE_EXPORT Codec {
 public:
  // Errors: InvalidArgument naming the bad option (compression level out of
  // range; max_payload_bytes 0 or above kMaxEnvelopePayloadBytes; a key not
  // kEncryptionKeyBytes long; two keys with one id; an active_key_id that is
  // not among the keys).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Codec>> Create(const CodecOptions& options);
  ~Codec();
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  // Holds `dictionary` for decoding, and makes it the one Encode uses for
  // `collection` from now on. Adding the same id and bytes again (e.g. to
  // share one dictionary between collections) is fine.
  // Errors: InvalidArgument (bad collection name; dictionary size outside
  // kMinDictionaryBytes..kMaxDictionaryBytes; bytes zstd cannot load),
  // AlreadyExists (the id is held with other bytes).
  [[nodiscard]] absl::Status AddDictionary(std::string_view collection, Dictionary dictionary);

  // Wraps `payload`. `collection` only picks the dictionary; one without a
  // dictionary (or "") compresses without one.
  // Errors: OutOfRange (payload longer than max_payload_bytes), Internal
  // (zstd or OpenSSL failed, e.g. no randomness for a nonce).
  [[nodiscard]] absl::StatusOr<std::string> Encode(std::string_view collection,
                                                   std::string_view payload,
                                                   const EnvelopeMeta& meta) const;

  // Unwraps an envelope. Needs no collection: dictionaries are found by id.
  // Errors: DataLoss (not an envelope, unknown format version or flags,
  // truncated, trailing bytes, checksum mismatch, malformed zstd frame),
  // FailedPrecondition (the envelope names a key or dictionary id the codec
  // does not hold, or does not decompress with the dictionary the codec
  // holds under its id: another dictionary was given that id),
  // PermissionDenied (the payload does not authenticate under the key with
  // its id: a wrong key, or a forged envelope), OutOfRange (the payload is
  // longer than max_payload_bytes).
  [[nodiscard]] absl::StatusOr<DecodedEnvelope> Decode(std::string_view envelope) const;

  // Encode of record.body (as payload), record.schema and record.version,
  // with record.collection's dictionary. Nothing else of the record (id,
  // timestamps) is kept.
  // Errors: as Encode.
  [[nodiscard]] absl::StatusOr<std::string> EncodeRecord(const Record& record) const;

  // Decode, then validates the payload as JSON (limits: max_payload_bytes,
  // default depth).
  // Errors: as Decode; DataLoss (the payload is not valid JSON).
  [[nodiscard]] absl::StatusOr<DecodedRecord> DecodeRecord(std::string_view envelope) const;

  // The largest payload Encode accepts and Decode produces
  // (CodecOptions::max_payload_bytes).
  size_t max_payload_bytes() const;

  // Reads and checks an envelope's header and checksum without a codec, so
  // without decrypting or decompressing.
  // Errors: DataLoss, as Decode.
  [[nodiscard]] static absl::StatusOr<EnvelopeHeader> PeekHeader(std::string_view envelope);

 private:
  struct Impl;
  explicit Codec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee

#endif  // MARQUEE_CODEC_H_
