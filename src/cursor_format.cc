#include "internal/cursor_format.h"

#include <algorithm>
#include <bit>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee::internal {
namespace {

constexpr uint8_t kFlagBefore = 1;
constexpr uint8_t kFlagInclusive = 2;
constexpr size_t kMaxVarintBytes = 4;

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("cursor is malformed: ", Sv(what)));
}

void AppendFixed64(uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

void AppendText(std::string_view text, std::string* out) {
  AppendVarint(text.size(), out);
  out->append(text);
}

// Reads from a byte string without ever going past its end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : rest_(bytes) {}

  size_t remaining() const { return rest_.size(); }

  bool ReadByte(uint8_t* out) {
    if (rest_.empty()) return false;
    *out = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return true;
  }

  // LEB128 of at most kMaxVarintBytes bytes.
  bool ReadVarint(uint64_t* out) {
    uint64_t value = 0;
    for (size_t i = 0; i < kMaxVarintBytes; ++i) {
      uint8_t byte = 0;
      if (!ReadByte(&byte)) return false;
      value |= uint64_t{byte & 0x7Fu} << (7 * i);
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }

  bool ReadBytes(size_t n, std::string_view* out) {
    if (n > rest_.size()) return false;
    *out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }

  bool ReadFixed64(uint64_t* out) {
    std::string_view bytes;
    if (!ReadBytes(8, &bytes)) return false;
    uint64_t value = 0;
    for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
    *out = value;
    return true;
  }

 private:
  std::string_view rest_;
};

// Reads a varint length in [min, max] and that many bytes.
absl::Status ReadText(ByteReader& reader, size_t min, size_t max, std::string_view what,
                      std::string_view* out) {
  uint64_t size = 0;
  if (!reader.ReadVarint(&size)) return Malformed(absl::StrCat(Sv(what), " length is cut off"));
  if (size < min || size > max) {
    return Malformed(absl::StrCat(Sv(what), " is ", size, " bytes; it must be ", min, " to ", max));
  }
  if (!reader.ReadBytes(static_cast<size_t>(size), out)) {
    return Malformed(absl::StrCat(Sv(what), " is cut off"));
  }
  return absl::OkStatus();
}

absl::StatusOr<IndexValue> ReadValue(ByteReader& reader) {
  uint8_t type = 0;
  if (!reader.ReadByte(&type)) return Malformed("a position value is cut off");
  if (type > static_cast<uint8_t>(IndexValue::Type::kObject)) {
    return Malformed(absl::StrCat("unknown value type ", type));
  }
  std::string_view text;
  switch (static_cast<IndexValue::Type>(type)) {
    case IndexValue::Type::kMissing: return IndexValue::Missing();
    case IndexValue::Type::kNull: return IndexValue::Null();
    case IndexValue::Type::kFalse: return IndexValue::Bool(false);
    case IndexValue::Type::kTrue: return IndexValue::Bool(true);
    case IndexValue::Type::kNumber: {
      uint64_t bits = 0;
      if (!reader.ReadFixed64(&bits)) return Malformed("a number value is cut off");
      return IndexValue::Number(std::bit_cast<double>(bits));
    }
    case IndexValue::Type::kString:
    case IndexValue::Type::kArray:
    case IndexValue::Type::kObject: {
      // No limit of its own: the whole cursor is bounded already.
      if (absl::Status s = ReadText(reader, 0, reader.remaining(), "a position value", &text);
          !s.ok()) {
        return s;
      }
      std::string owned(text);
      if (type == static_cast<uint8_t>(IndexValue::Type::kString)) {
        return IndexValue::String(std::move(owned));
      }
      if (type == static_cast<uint8_t>(IndexValue::Type::kArray)) {
        return IndexValue::Array(std::move(owned));
      }
      return IndexValue::Object(std::move(owned));
    }
  }
  return Malformed(absl::StrCat("unknown value type ", type));
}

}  // namespace

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendCursorValue(const IndexValue& value, std::string* out) {
  out->push_back(static_cast<char>(value.type()));
  switch (value.type()) {
    case IndexValue::Type::kNumber:
      AppendFixed64(std::bit_cast<uint64_t>(value.number()), out);
      break;
    case IndexValue::Type::kString:
    case IndexValue::Type::kArray:
    case IndexValue::Type::kObject:
      AppendText(value.text(), out);
      break;
    default:
      break;
  }
}

absl::Status ValidateCursorKeyId(std::string_view key_id) {
  if (key_id.empty() || key_id.size() > kMaxCursorKeyIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("cursor key id is ", key_id.size(),
                                                   " bytes; it must be 1 to ",
                                                   kMaxCursorKeyIdBytes));
  }
  for (char c : key_id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          "cursor key id has a character outside [A-Za-z0-9_.-]");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SerializeCursor(const Cursor& cursor, std::string_view key_id,
                                            absl::Time issued) {
  if (absl::Status s = ValidateCursorKeyId(key_id); !s.ok()) return s;
  if (absl::Status s = ValidateCollectionName(cursor.collection); !s.ok()) return s;
  if (cursor.index.size() > kMaxCursorIndexNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("index name is ", cursor.index.size(),
                                                   " bytes; the limit is ",
                                                   kMaxCursorIndexNameBytes));
  }
  if (cursor.position.values.size() > kMaxCursorValues) {
    return absl::InvalidArgumentError(absl::StrCat("cursor position has ",
                                                   cursor.position.values.size(),
                                                   " values; the limit is ", kMaxCursorValues));
  }
  if (cursor.position.id.empty() || cursor.position.id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("cursor position id is ",
                                                   cursor.position.id.size(),
                                                   " bytes; it must be 1 to ", kMaxIdBytes));
  }
  if (cursor.sort_fingerprint.size() != kCursorFingerprintBytes ||
      cursor.filter_fingerprint.size() != kCursorFingerprintBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor fingerprints must be ", kCursorFingerprintBytes, " bytes"));
  }
  if (cursor.direction != CursorDirection::kAfter && cursor.direction != CursorDirection::kBefore) {
    return absl::InvalidArgumentError("unknown cursor direction");
  }

  std::string payload;
  payload.push_back(static_cast<char>(key_id.size()));
  payload.append(key_id);
  uint8_t flags = 0;
  if (cursor.direction == CursorDirection::kBefore) flags |= kFlagBefore;
  if (cursor.inclusive) flags |= kFlagInclusive;
  payload.push_back(static_cast<char>(flags));
  AppendText(cursor.collection, &payload);
  AppendText(cursor.index, &payload);
  payload.append(cursor.sort_fingerprint);
  payload.append(cursor.filter_fingerprint);
  AppendFixed64(static_cast<uint64_t>(absl::ToUnixMicros(issued)), &payload);
  payload.push_back(static_cast<char>(cursor.position.values.size()));
  for (const IndexValue& value : cursor.position.values) AppendCursorValue(value, &payload);
  AppendText(cursor.position.id, &payload);

  std::string out;
  out.reserve(payload.size() + 8);
  out.push_back(static_cast<char>(kCursorFormatVersion));
  AppendVarint(payload.size(), &out);
  out.append(payload);
  return out;
}

absl::StatusOr<CursorFrame> SplitCursorFrame(std::string_view bytes) {
  ByteReader reader(bytes);
  uint8_t version = 0;
  if (!reader.ReadByte(&version)) return absl::InvalidArgumentError("cursor is truncated");
  if (version != kCursorFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor has unknown format version ", version, " (this version reads ",
                     kCursorFormatVersion, ")"));
  }
  uint64_t payload_size = 0;
  if (!reader.ReadVarint(&payload_size)) {
    // A varint that runs off the end was cut short; one longer than four
    // bytes cannot come from the encoder.
    if (reader.remaining() == 0) return absl::InvalidArgumentError("cursor is truncated");
    return Malformed("payload length is not a valid varint");
  }
  const size_t header = bytes.size() - reader.remaining();
  if (payload_size + kCursorTagBytes > reader.remaining()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cursor is truncated: ", bytes.size(), " bytes, expected ",
        header + payload_size + kCursorTagBytes));
  }
  if (payload_size + kCursorTagBytes < reader.remaining()) {
    return Malformed(absl::StrCat(reader.remaining() - payload_size - kCursorTagBytes,
                                  " unexpected bytes after the signature"));
  }
  CursorFrame frame;
  frame.signed_part = bytes.substr(0, header + static_cast<size_t>(payload_size));
  frame.tag = bytes.substr(frame.signed_part.size());
  std::string_view payload = bytes.substr(header, static_cast<size_t>(payload_size));
  ByteReader payload_reader(payload);
  uint8_t key_id_size = 0;
  if (!payload_reader.ReadByte(&key_id_size) ||
      !payload_reader.ReadBytes(key_id_size, &frame.key_id)) {
    return Malformed("key id is cut off");
  }
  if (!ValidateCursorKeyId(frame.key_id).ok()) {
    return Malformed(absl::StrCat("the key id is not 1 to ", kMaxCursorKeyIdBytes,
                                  " bytes of [A-Za-z0-9_.-]"));
  }
  frame.fields = payload.substr(payload.size() - payload_reader.remaining());
  return frame;
}

absl::StatusOr<Cursor> ParseCursorFields(std::string_view fields) {
  ByteReader reader(fields);
  Cursor cursor;
  uint8_t flags = 0;
  if (!reader.ReadByte(&flags)) return Malformed("flags are cut off");
  if ((flags & ~(kFlagBefore | kFlagInclusive)) != 0) {
    return Malformed(absl::StrCat("unknown flags 0x", absl::Hex(flags)));
  }
  cursor.direction = (flags & kFlagBefore) ? CursorDirection::kBefore : CursorDirection::kAfter;
  cursor.inclusive = (flags & kFlagInclusive) != 0;

  std::string_view text;
  MARQUEE_RETURN_IF_ERROR(ReadText(reader, 1, kMaxCollectionNameBytes, "collection", &text));
  cursor.collection = std::string(text);
  MARQUEE_RETURN_IF_ERROR(ReadText(reader, 0, kMaxCursorIndexNameBytes, "index name", &text));
  cursor.index = std::string(text);
  if (!reader.ReadBytes(kCursorFingerprintBytes, &text)) return Malformed("fingerprints are cut off");
  cursor.sort_fingerprint = std::string(text);
  if (!reader.ReadBytes(kCursorFingerprintBytes, &text)) return Malformed("fingerprints are cut off");
  cursor.filter_fingerprint = std::string(text);
  uint64_t issued = 0;
  if (!reader.ReadFixed64(&issued)) return Malformed("issue time is cut off");
  cursor.issued = absl::FromUnixMicros(static_cast<int64_t>(issued));

  uint8_t count = 0;
  if (!reader.ReadByte(&count)) return Malformed("value count is cut off");
  if (count > kMaxCursorValues) {
    return Malformed(absl::StrCat(count, " position values; the limit is ", kMaxCursorValues));
  }
  cursor.position.values.reserve(count);
  for (uint8_t i = 0; i < count; ++i) {
    MARQUEE_ASSIGN_OR_RETURN(IndexValue value, ReadValue(reader));
    cursor.position.values.push_back(std::move(value));
  }
  MARQUEE_RETURN_IF_ERROR(ReadText(reader, 1, kMaxIdBytes, "position id", &text));
  cursor.position.id = std::string(text);
  if (reader.remaining() != 0) {
    return Malformed(absl::StrCat(reader.remaining(), " unexpected bytes after the id"));
  }
  return cursor;
}

}  // namespace marquee::internal
