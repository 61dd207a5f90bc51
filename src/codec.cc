// Codec: options, and the pipeline around the envelope layout
// (envelope_format.cc): compress (codec_zstd.cc, with the collection's
// dictionary), seal (aes_gcm.cc), checksum; and back, checking each step
// before the next so that nothing is decompressed or decrypted that the
// checksum has not vouched for.
#include "marquee/codec.h"

#include <zstd.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "internal/aes_gcm.h"
#include "internal/codec_zstd.h"
#include "internal/dictionary_set.h"
#include "internal/envelope_format.h"
#include "internal/json_trusted.h"
#include "marquee/status.h"

namespace marquee {
namespace {

using internal::EnvelopeParts;

static_assert(kEncryptionKeyBytes == internal::kAesGcmKeyBytes);
static_assert(internal::kEnvelopeNonceBytes == internal::kAesGcmNonceBytes);
static_assert(internal::kEnvelopeTagBytes == internal::kAesGcmTagBytes);

// A per-thread buffer reused across calls, so the steady state allocates
// only results; released after a call that grew it past kRetainedBytes, so
// one huge payload does not pin its memory in every thread that saw one.
class ScratchBuffer {
 public:
  static constexpr size_t kRetainedBytes = size_t{1} << 20;

  explicit ScratchBuffer(std::string* buffer) : buffer_(buffer) {}
  ~ScratchBuffer() {
    if (buffer_->capacity() > kRetainedBytes) {
      std::string().swap(*buffer_);
    } else {
      buffer_->clear();
    }
  }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;

  std::string* get() { return buffer_; }

 private:
  std::string* buffer_;
};

// Two buffers: a stage's input and output may both need one.
std::string* ThreadBuffer(int which) {
  thread_local std::string buffers[2];
  return &buffers[which];
}

absl::Status ValidateOptions(const CodecOptions& options) {
  if (options.compression_level < ZSTD_minCLevel() ||
      options.compression_level > ZSTD_maxCLevel()) {
    return absl::InvalidArgumentError(absl::StrCat("compression_level ", options.compression_level,
                                                   " is outside zstd's range ", ZSTD_minCLevel(),
                                                   "..", ZSTD_maxCLevel()));
  }
  if (options.max_payload_bytes == 0 || options.max_payload_bytes > kMaxEnvelopePayloadBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_payload_bytes is ", options.max_payload_bytes,
                     "; the accepted range is 1..", kMaxEnvelopePayloadBytes));
  }
  std::vector<uint32_t> ids;
  for (const EncryptionKey& key : options.keys) {
    // Never the key material in a message: only its id and length.
    if (key.key.size() != kEncryptionKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("encryption key ", key.id, " is ", key.key.size(),
                       " bytes; AES-256 needs exactly ", kEncryptionKeyBytes));
    }
    if (std::find(ids.begin(), ids.end(), key.id) != ids.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("two encryption keys have id ", key.id, "; ids must be distinct"));
    }
    ids.push_back(key.id);
  }
  if (options.active_key_id.has_value() &&
      std::find(ids.begin(), ids.end(), *options.active_key_id) == ids.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("active_key_id ", *options.active_key_id, " is not among the keys (",
                     ids.empty() ? std::string("none configured")
                                 : absl::StrCat("ids ", absl::StrJoin(ids, ", ")),
                     ")"));
  }
  return absl::OkStatus();
}

}  // namespace

struct Codec::Impl {
  explicit Impl(const CodecOptions& options)
      : level(options.compression_level),
        compress_min_bytes(options.compress_min_bytes),
        max_payload_bytes(options.max_payload_bytes),
        dictionaries(options.compression_level) {
    for (const EncryptionKey& key : options.keys) keys.emplace(key.id, key.key);
    if (options.active_key_id.has_value()) {
      active_key_id = *options.active_key_id;
      active_key = &keys.at(active_key_id);
    }
  }
  ~Impl() {
    for (auto& [id, key] : keys) internal::WipeBytes(&key);
  }

  // Decodes `envelope`; `*payload` ends up viewing either the envelope (a raw
  // unencrypted payload) or `*storage`. `*scratch` holds an intermediate.
  absl::Status Decode(std::string_view envelope, EnvelopeHeader* header, std::string* storage,
                      std::string* scratch, std::string_view* payload) const;

  absl::Status CheckPayloadSize(size_t size) const {
    if (size > max_payload_bytes) {
      return absl::OutOfRangeError(
          absl::StrCat("payload is ", size, " bytes; max_payload_bytes is ", max_payload_bytes));
    }
    return absl::OkStatus();
  }

  std::string HeldKeyIds() const {
    if (keys.empty()) return "it holds no keys";
    std::vector<uint32_t> ids;
    for (const auto& [id, key] : keys) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    return absl::StrCat("it holds key ids ", absl::StrJoin(ids, ", "));
  }

  const int level;
  const size_t compress_min_bytes;
  const size_t max_payload_bytes;
  absl::flat_hash_map<uint32_t, std::string> keys;
  // Points into `keys`; null: envelopes are written unencrypted.
  const std::string* active_key = nullptr;
  uint32_t active_key_id = 0;
  internal::DictionarySet dictionaries;
};

absl::Status Codec::Impl::Decode(std::string_view envelope, EnvelopeHeader* header,
                                 std::string* storage, std::string* scratch,
                                 std::string_view* payload) const {
  MARQUEE_ASSIGN_OR_RETURN(EnvelopeParts parts, internal::ParseEnvelope(envelope));
  *header = parts.header;
  std::string_view stored = parts.payload;
  // A compressed payload's size is checked from its frame, before inflating.
  if (!header->compressed) MARQUEE_RETURN_IF_ERROR(CheckPayloadSize(stored.size()));
  if (header->key_id.has_value()) {
    const uint32_t key_id = *header->key_id;
    auto key = keys.find(key_id);
    if (key == keys.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("envelope is encrypted with key id ", key_id,
                       ", which this codec does not hold (", HeldKeyIds(), ")"));
    }
    std::string* plain = header->compressed ? scratch : storage;
    MARQUEE_ASSIGN_OR_RETURN(const bool authentic,
                             internal::AesGcmOpen(key->second, parts.nonce, parts.header_bytes,
                                                  stored, parts.tag, plain));
    if (!authentic) {
      return absl::PermissionDeniedError(absl::StrCat(
          "envelope does not authenticate under key id ", key_id,
          ": the key configured with that id is not the one it was sealed with, or the "
          "envelope was forged"));
    }
    stored = *plain;
  }
  if (header->compressed) {
    const ZSTD_DDict* ddict = nullptr;
    if (header->dictionary_id.has_value()) {
      const internal::LoadedDictionary* dictionary = dictionaries.ById(*header->dictionary_id);
      if (dictionary == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("envelope was compressed with dictionary ", *header->dictionary_id,
                         ", which this codec does not hold"));
      }
      ddict = dictionary->ddict();
    }
    MARQUEE_ASSIGN_OR_RETURN(const size_t content_bytes,
                             internal::ZstdFrameContentSize(stored, max_payload_bytes));
    MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> failure,
                             internal::ZstdDecompressFrame(stored, ddict, content_bytes, storage));
    if (failure.has_value()) {
      // The checksum vouched for the frame, so with a dictionary the likely
      // cause is ours: another dictionary under the same id.
      if (header->dictionary_id.has_value()) {
        return absl::FailedPreconditionError(
            absl::StrCat("envelope does not decompress with the dictionary this codec holds as id ",
                         *header->dictionary_id,
                         " (was it compressed with another dictionary of that id?): zstd says \"",
                         *failure, "\""));
      }
      return absl::DataLossError(
          absl::StrCat("envelope's zstd frame does not decompress: ", *failure));
    }
    stored = *storage;
  }
  *payload = stored;
  return absl::OkStatus();
}

Codec::Codec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Codec::~Codec() = default;

absl::StatusOr<std::unique_ptr<Codec>> Codec::Create(const CodecOptions& options) {
  MARQUEE_RETURN_IF_ERROR(ValidateOptions(options));
  return std::unique_ptr<Codec>(new Codec(std::make_unique<Impl>(options)));
}

absl::Status Codec::AddDictionary(std::string_view collection, Dictionary dictionary) {
  return impl_->dictionaries.Add(collection, std::move(dictionary));
}

absl::StatusOr<std::string> Codec::Encode(std::string_view collection, std::string_view payload,
                                          const EnvelopeMeta& meta) const {
  MARQUEE_RETURN_IF_ERROR(impl_->CheckPayloadSize(payload.size()));
  ScratchBuffer compressed(ThreadBuffer(0));
  EnvelopeHeader header{.format_version = kEnvelopeFormatVersion, .meta = meta};
  std::string_view stored = payload;
  if (payload.size() >= impl_->compress_min_bytes) {
    const internal::LoadedDictionary* dictionary = impl_->dictionaries.ForCollection(collection);
    MARQUEE_RETURN_IF_ERROR(internal::ZstdCompressFrame(
        payload, impl_->level, dictionary != nullptr ? dictionary->cdict() : nullptr,
        compressed.get()));
    // Kept raw unless zstd actually saves bytes.
    if (compressed.get()->size() < payload.size()) {
      stored = *compressed.get();
      header.compressed = true;
      if (dictionary != nullptr) header.dictionary_id = dictionary->id();
    }
  }
  header.stored_payload_bytes = stored.size();
  const bool encrypt = impl_->active_key != nullptr;
  char nonce[internal::kEnvelopeNonceBytes] = {};
  if (encrypt) {
    header.key_id = impl_->active_key_id;
    MARQUEE_RETURN_IF_ERROR(internal::RandomNonce(nonce));
  }
  const size_t header_bytes =
      internal::EnvelopeHeaderBytes(header.dictionary_id.has_value(), encrypt);
  std::string out;
  out.reserve(header_bytes + stored.size() + (encrypt ? internal::kEnvelopeTagBytes : 0) +
              internal::kEnvelopeChecksumBytes);
  internal::AppendEnvelopeHeader(header, std::string_view(nonce, encrypt ? sizeof(nonce) : 0),
                                 &out);
  if (encrypt) {
    // The header is copied out: sealing appends to `out`, which must not be
    // read and grown at once.
    char aad[internal::EnvelopeHeaderBytes(true, true)];
    std::copy(out.begin(), out.end(), aad);
    MARQUEE_RETURN_IF_ERROR(internal::AesGcmSeal(*impl_->active_key,
                                                 std::string_view(nonce, sizeof(nonce)),
                                                 std::string_view(aad, out.size()), stored, &out));
  } else {
    out.append(stored);
  }
  internal::AppendEnvelopeChecksum(&out);
  return out;
}

absl::StatusOr<DecodedEnvelope> Codec::Decode(std::string_view envelope) const {
  DecodedEnvelope decoded;
  ScratchBuffer scratch(ThreadBuffer(0));
  std::string_view payload;
  MARQUEE_RETURN_IF_ERROR(
      impl_->Decode(envelope, &decoded.header, &decoded.payload, scratch.get(), &payload));
  if (payload.data() != decoded.payload.data()) decoded.payload.assign(payload);
  return decoded;
}

absl::StatusOr<std::string> Codec::EncodeRecord(const Record& record) const {
  return Encode(record.collection, record.body.text(),
                EnvelopeMeta{.schema = record.schema, .record_version = record.version});
}

absl::StatusOr<DecodedRecord> Codec::DecodeRecord(std::string_view envelope) const {
  ScratchBuffer storage(ThreadBuffer(0));
  ScratchBuffer scratch(ThreadBuffer(1));
  EnvelopeHeader header;
  std::string_view payload;
  MARQUEE_RETURN_IF_ERROR(impl_->Decode(envelope, &header, storage.get(), scratch.get(), &payload));
  // Every payload is validated, encrypted or not: neither a CRC nor GCM says
  // the payload is JSON (Encode seals any bytes, and an authentic envelope
  // from elsewhere can be copied into a record's place). Bodies written by
  // EncodeRecord are minified, so the fast check of minified JSON almost
  // always settles it; anything else gets the full parse and its message.
  constexpr uint32_t kMaxDepth = JsonLimits{}.max_depth;
  if (std::optional<Json> body = internal::ParseMinifiedJson(payload, kMaxDepth)) {
    return DecodedRecord{.meta = header.meta, .body = *std::move(body)};
  }
  absl::StatusOr<Json> body = Json::Parse(
      payload, JsonLimits{.max_bytes = impl_->max_payload_bytes, .max_depth = kMaxDepth});
  if (!body.ok()) {
    if (absl::IsResourceExhausted(body.status())) return body.status();
    return absl::DataLossError(
        absl::StrCat("envelope payload is not a valid JSON body: ", body.status().message()));
  }
  return DecodedRecord{.meta = header.meta, .body = *std::move(body)};
}

size_t Codec::max_payload_bytes() const { return impl_->max_payload_bytes; }

absl::StatusOr<EnvelopeHeader> Codec::PeekHeader(std::string_view envelope) {
  MARQUEE_ASSIGN_OR_RETURN(EnvelopeParts parts, internal::ParseEnvelope(envelope));
  return parts.header;
}

}  // namespace marquee
