// Encoding of commits and log frames. The decoder treats its input as
// hostile: a frame's CRC can match bytes a buggy or older writer produced, so
// every length is checked against what is left before it is used.
// Envelopes (v2 payloads) are the Codec's business; this file only maps its
// errors to what recovery needs to say.
#include "internal/log_format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "internal/absl_strings.h"
#include "internal/crc32c.h"
#include "marquee/record.h"

namespace marquee::internal {
namespace {

constexpr char kLogFileMagicPrefix[7] = {'M', 'Q', 'L', 'O', 'G', '\0', '\0'};
constexpr uint32_t kFrameMagic = 0x4D514652;  // "MQFR"

// Stable on-disk values, independent of the enum's order.
constexpr uint8_t kPutTag = 0;
constexpr uint8_t kEraseTag = 1;

void AppendVarint32(uint32_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendLengthPrefixed(std::string_view bytes, std::string* out) {
  AppendVarint32(static_cast<uint32_t>(bytes.size()), out);
  out->append(bytes);
}

// Reads the payload front to back; each method fails rather than read past
// the end.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view in) : in_(in) {}

  size_t remaining() const { return in_.size() - pos_; }

  absl::Status Error(std::string_view what) const {
    return absl::DataLossError(absl::StrCat("commit payload at byte ", pos_, ": ", Sv(what)));
  }

  bool ReadU8(uint8_t* value) {
    if (remaining() < 1) return false;
    *value = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool ReadFixed64(uint64_t* value) {
    if (remaining() < 8) return false;
    *value = LoadFixed64(in_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool ReadVarint32(uint32_t* value) {
    uint32_t result = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      uint8_t byte;
      if (!ReadU8(&byte)) return false;
      // The fifth byte may only carry the top 4 bits of a u32.
      if (shift == 28 && byte > 0x0F) return false;
      result |= static_cast<uint32_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *value = result;
        return true;
      }
    }
    return false;
  }
  // A varint length, then that many bytes, at most `max_size` of them.
  absl::Status ReadLengthPrefixed(std::string_view what, size_t max_size, std::string_view* bytes) {
    const size_t start = pos_;
    uint32_t size;
    if (!ReadVarint32(&size)) return Error(absl::StrCat("truncated or bad length of ", Sv(what)));
    if (size > max_size || size > remaining()) {
      pos_ = start;
      return Error(absl::StrCat(Sv(what), " length ", size, " exceeds ",
                                size > max_size ? "the limit " : "the bytes left ",
                                size > max_size ? max_size : remaining()));
    }
    *bytes = in_.substr(pos_, size);
    pos_ += size;
    return absl::OkStatus();
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

absl::Status DecodeChange(uint64_t version, PayloadReader& reader, Change* change) {
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return reader.Error("truncated change");
  if (tag != kPutTag && tag != kEraseTag) {
    return reader.Error(absl::StrCat("unknown change kind ", tag));
  }
  std::string_view collection, id;
  if (absl::Status s =
          reader.ReadLengthPrefixed("collection", kMaxCollectionNameBytes, &collection);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = reader.ReadLengthPrefixed("id", kMaxIdBytes, &id); !s.ok()) return s;
  if (collection.empty() || id.empty()) return reader.Error("empty collection or id");

  change->version = version;
  change->kind = tag == kPutTag ? Change::Kind::kPut : Change::Kind::kErase;
  change->collection = std::string(collection);
  change->id = std::string(id);
  Record& record = change->record;
  record.collection = change->collection;
  record.id = change->id;
  record.version = version;
  if (tag == kEraseTag) return absl::OkStatus();

  uint32_t schema;
  uint64_t created, updated;
  if (!reader.ReadVarint32(&schema) || !reader.ReadFixed64(&created) ||
      !reader.ReadFixed64(&updated)) {
    return reader.Error("truncated record header");
  }
  std::string_view body_text;
  if (absl::Status s = reader.ReadLengthPrefixed("body", kMaxFramePayloadBytes, &body_text);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Json> body = Json::Parse(body_text, kStoredBodyJsonLimits);
  if (!body.ok()) {
    return reader.Error(absl::StrCat("body of ", Sv(collection), "/", Sv(id),
                                     " is not valid JSON: ", body.status().message()));
  }
  record.schema = schema;
  record.created = absl::FromUnixMicros(static_cast<int64_t>(created));
  record.updated = absl::FromUnixMicros(static_cast<int64_t>(updated));
  record.body = *std::move(body);
  return absl::OkStatus();
}

}  // namespace

void EncodeCommit(const Commit& commit, std::string* out) {
  AppendFixed64(commit.version, out);
  AppendVarint32(static_cast<uint32_t>(commit.changes.size()), out);
  for (const Change& change : commit.changes) {
    const bool put = change.kind == Change::Kind::kPut;
    out->push_back(static_cast<char>(put ? kPutTag : kEraseTag));
    AppendLengthPrefixed(change.collection, out);
    AppendLengthPrefixed(change.id, out);
    if (!put) continue;
    const Record& record = change.record;
    AppendVarint32(record.schema, out);
    AppendFixed64(static_cast<uint64_t>(absl::ToUnixMicros(record.created)), out);
    AppendFixed64(static_cast<uint64_t>(absl::ToUnixMicros(record.updated)), out);
    AppendLengthPrefixed(record.body.text(), out);
  }
}

absl::StatusOr<Commit> DecodeCommit(std::string_view payload) {
  PayloadReader reader(payload);
  Commit commit;
  uint32_t count;
  if (!reader.ReadFixed64(&commit.version) || !reader.ReadVarint32(&count)) {
    return reader.Error("truncated commit header");
  }
  // The smallest change (an erase with 1-byte names) takes 5 bytes, so a
  // larger count is damage.
  constexpr size_t kMinChangeBytes = 5;
  if (count > reader.remaining() / kMinChangeBytes) {
    return reader.Error(absl::StrCat("change count ", count, " does not fit in the ",
                                     reader.remaining(), " bytes left"));
  }
  // A Change is ~40 times larger than its smallest encoding: grow with what
  // was decoded rather than trust the count with one big allocation.
  commit.changes.reserve(std::min<size_t>(count, 1024));
  for (uint32_t i = 0; i < count; ++i) {
    Change change;
    if (absl::Status s = DecodeChange(commit.version, reader, &change); !s.ok()) return s;
    commit.changes.push_back(std::move(change));
  }
  if (reader.remaining() != 0) {
    return reader.Error(
        absl::StrCat(reader.remaining(), " unexpected bytes after the last change"));
  }
  return commit;
}

std::string_view CommitCollection(const Commit& commit) {
  if (commit.changes.empty()) return "";
  const std::string& first = commit.changes.front().collection;
  for (const Change& change : commit.changes) {
    if (change.collection != first) return "";
  }
  return first;
}

absl::StatusOr<std::string> EncodeLogPayload(const Codec& codec, const Commit& commit,
                                             std::string* commit_bytes) {
  commit_bytes->clear();
  EncodeCommit(commit, commit_bytes);
  return codec.Encode(CommitCollection(commit), *commit_bytes,
                      EnvelopeMeta{.record_version = commit.version});
}

absl::StatusOr<Commit> DecodeLogPayload(uint8_t format_version, const Codec& codec,
                                        std::string_view payload) {
  if (format_version == 1) return DecodeCommit(payload);
  if (format_version != 2) {
    return absl::DataLossError(absl::StrCat("unknown log format version ", format_version));
  }
  absl::StatusOr<DecodedEnvelope> envelope = codec.Decode(payload);
  if (!envelope.ok()) {
    // OutOfRange is the codec's limit, not damage: the frame is intact but
    // this codec is configured too small to read it.
    const absl::StatusCode code = absl::IsOutOfRange(envelope.status())
                                      ? absl::StatusCode::kFailedPrecondition
                                      : envelope.status().code();
    return absl::Status(code, absl::StrCat("commit envelope: ", envelope.status().message()));
  }
  absl::StatusOr<Commit> commit = DecodeCommit(envelope->payload);
  if (!commit.ok()) return commit;
  if (commit->version != envelope->header.meta.record_version) {
    return absl::DataLossError(absl::StrCat("commit envelope says version ",
                                            envelope->header.meta.record_version,
                                            " but holds commit ", commit->version));
  }
  return commit;
}

std::string LogFileMagic(uint8_t format_version) {
  std::string magic(kLogFileMagicPrefix, sizeof(kLogFileMagicPrefix));
  magic.push_back(static_cast<char>(format_version));
  return magic;
}

void AppendLogFileHeader(uint64_t first_version, std::string* out, uint8_t format_version) {
  out->append(LogFileMagic(format_version));
  AppendFixed64(first_version, out);
}

void AppendFrame(std::string_view payload, std::string* out) {
  if (payload.size() > kMaxFramePayloadBytes) {
    // A frame the reader must reject would lose this commit and make every
    // later one unreadable; better to stop here, loudly.
    std::fprintf(stderr, "marquee: log frame payload of %zu bytes exceeds the limit\n",
                 payload.size());
    std::abort();
  }
  const size_t header_start = out->size();
  AppendFixed32(kFrameMagic, out);
  AppendFixed32(static_cast<uint32_t>(payload.size()), out);
  AppendFixed32(Crc32c(payload.data(), payload.size()), out);
  AppendFixed32(Crc32c(out->data() + header_start, 12), out);
  out->append(payload);
}

}  // namespace marquee::internal
