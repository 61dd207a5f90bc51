// The wire format of the invalidation bus: one pub/sub message carries a
// batch of changes.
//
//   "MQI1" then, per change:
//     16 lowercase hex digits   the version
//     8 lowercase hex digits    the key's length in bytes
//     the key's bytes           (any bytes: tabs, newlines, NULs)
//
// Parsing takes nothing on trust: any deviation, a truncated entry or
// trailing bytes make the whole message malformed.
#ifndef MARQUEE_SRC_REDIS_BUS_MESSAGE_H_
#define MARQUEE_SRC_REDIS_BUS_MESSAGE_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/cache_tier.h"

namespace marquee::redis::internal {

inline constexpr std::string_view kBusMagic = "MQI1";
// A message is cut after the change that takes it past this size.
inline constexpr size_t kBusMessageTargetBytes = size_t{64} << 10;
// The longest key a change may carry.
inline constexpr size_t kBusMaxKeyBytes = size_t{16} << 20;
// The largest message accepted from the channel.
inline constexpr size_t kBusMaxMessageBytes = size_t{32} << 20;

// The changes as one or more messages of about kBusMessageTargetBytes.
// REQUIRES: every key is at most kBusMaxKeyBytes long.
std::vector<std::string> EncodeBusMessages(std::span<const KeyVersion> changes);

// Errors: DataLoss for a malformed message.
absl::StatusOr<std::vector<KeyVersion>> DecodeBusMessage(std::string_view message);

}  // namespace marquee::redis::internal

#endif  // MARQUEE_SRC_REDIS_BUS_MESSAGE_H_
