// What one Redis string of the L2 holds, and how it is read back.
//
// A cached value is exactly one Codec envelope (marquee/codec.h: "MQEV", the
// record version big-endian at offset 8). An invalidation mark is 16 bytes:
//
//   offset 0   "MQMK"
//   offset 4   4 zero bytes
//   offset 8   the version, 8 bytes big-endian
//
// so both carry their version at the same offset, which is all the Lua
// scripts (redis/scripts.h) read. Reading trusts nothing: bytes that are
// neither a valid envelope nor an exact mark (another writer's value, a
// truncation, the pre-codec "MQE1" format, a payload above the codec's
// max_payload_bytes) are malformed; a valid envelope the codec cannot open
// (a key or dictionary it does not hold, a payload that does not
// authenticate) is undecodable. Both read as misses.
#ifndef MARQUEE_SRC_REDIS_ENVELOPE_H_
#define MARQUEE_SRC_REDIS_ENVELOPE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "marquee/codec.h"

namespace marquee::redis::internal {

inline constexpr std::string_view kMarkMagic = "MQMK";
inline constexpr size_t kMarkBytes = 16;
// Where values and marks alike keep their version, and how long it is.
inline constexpr size_t kStoredVersionOffset = 8;
inline constexpr size_t kStoredVersionBytes = 8;

// `version` as 8 big-endian bytes: how the scripts receive a new version.
std::string VersionBytes(uint64_t version);

// The invalidation mark of `version`.
std::string EncodeMark(uint64_t version);

struct StoredValue {
  enum class Kind {
    kValue,        // `bytes` and `version` hold the cached value
    kMark,         // an invalidation mark of `version`
    kMalformed,    // not a valid envelope or mark; `problem` says why
    kUndecodable,  // a valid envelope the codec cannot open; `problem` says why
  };
  Kind kind = Kind::kMalformed;
  uint64_t version = 0;
  std::string bytes{};
  absl::Status problem{};
};

// Classifies and decodes what Redis holds under one of our keys.
StoredValue ReadStoredValue(const Codec& codec, std::string_view stored);

}  // namespace marquee::redis::internal

#endif  // MARQUEE_SRC_REDIS_ENVELOPE_H_
