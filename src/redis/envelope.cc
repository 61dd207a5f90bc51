// Invalidation marks, and reading an L2 string as a value, a mark or junk.
#include "redis/envelope.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace marquee::redis::internal {
namespace {

uint64_t LoadBig64(std::string_view bytes) {
  uint64_t value = 0;
  for (char c : bytes.substr(0, 8)) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace

std::string VersionBytes(uint64_t version) {
  std::string bytes(kStoredVersionBytes, '\0');
  for (size_t i = kStoredVersionBytes; i-- > 0;) {
    bytes[i] = static_cast<char>(version & 0xFF);
    version >>= 8;
  }
  return bytes;
}

std::string EncodeMark(uint64_t version) {
  std::string mark(kMarkMagic);
  mark.append(kStoredVersionOffset - kMarkMagic.size(), '\0');
  mark.append(VersionBytes(version));
  return mark;
}

StoredValue ReadStoredValue(const Codec& codec, std::string_view stored) {
  StoredValue result;
  if (stored.starts_with(kMarkMagic)) {
    if (stored.size() != kMarkBytes) {
      result.problem = absl::DataLossError(absl::StrCat(
          "invalidation mark is ", stored.size(), " bytes; a mark is exactly ", kMarkBytes));
      return result;
    }
    if (stored.substr(kMarkMagic.size(), kStoredVersionOffset - kMarkMagic.size()) !=
        std::string_view("\0\0\0\0", 4)) {
      result.problem = absl::DataLossError("invalidation mark has nonzero bytes at offsets 4..7");
      return result;
    }
    result.kind = StoredValue::Kind::kMark;
    result.version = LoadBig64(stored.substr(kStoredVersionOffset));
    return result;
  }
  absl::StatusOr<DecodedEnvelope> decoded = codec.Decode(stored);
  if (!decoded.ok()) {
    // A missing key or dictionary, or a failed authentication, is this
    // reader's configuration, not the bytes: counted apart so an operator
    // can tell a key rotation gone wrong from junk in Redis.
    const bool undecodable = absl::IsFailedPrecondition(decoded.status()) ||
                             absl::IsPermissionDenied(decoded.status());
    result.kind = undecodable ? StoredValue::Kind::kUndecodable : StoredValue::Kind::kMalformed;
    result.problem = decoded.status();
    return result;
  }
  result.kind = StoredValue::Kind::kValue;
  result.version = decoded->header.meta.record_version;
  result.bytes = std::move(decoded->payload);
  return result;
}

}  // namespace marquee::redis::internal
