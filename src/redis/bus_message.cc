// Encoding and parsing of invalidation bus messages.
#include "redis/bus_message.h"

#include <cstdint>

#include "absl/status/status.h"

namespace marquee::redis::internal {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Fixed width, lowercase: `digits` hex digits of `value`, most significant first.
void AppendHex(std::string& out, uint64_t value, int digits) {
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out.push_back(kHexDigits[(value >> shift) & 0xF]);
  }
}

// Parses `digits` lowercase hex digits at the front of `in`.
bool ParseHex(std::string_view& in, size_t digits, uint64_t* value) {
  if (in.size() < digits) return false;
  uint64_t parsed = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = in[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    parsed = (parsed << 4) | static_cast<uint64_t>(digit);
  }
  in.remove_prefix(digits);
  *value = parsed;
  return true;
}

}  // namespace

std::vector<std::string> EncodeBusMessages(std::span<const KeyVersion> changes) {
  std::vector<std::string> messages;
  std::string current;
  for (const KeyVersion& change : changes) {
    if (current.empty()) current.append(kBusMagic);
    AppendHex(current, change.version, 16);
    AppendHex(current, static_cast<uint32_t>(change.key.size()), 8);
    current.append(change.key);
    if (current.size() >= kBusMessageTargetBytes) {
      messages.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) messages.push_back(std::move(current));
  return messages;
}

absl::StatusOr<std::vector<KeyVersion>> DecodeBusMessage(std::string_view message) {
  if (message.size() > kBusMaxMessageBytes) return absl::DataLossError("bus message too large");
  if (!message.starts_with(kBusMagic)) return absl::DataLossError("bus message has a wrong magic");
  message.remove_prefix(kBusMagic.size());
  if (message.empty()) return absl::DataLossError("bus message carries no change");
  std::vector<KeyVersion> changes;
  while (!message.empty()) {
    uint64_t version = 0;
    uint64_t length = 0;
    if (!ParseHex(message, 16, &version) || !ParseHex(message, 8, &length)) {
      return absl::DataLossError("bus message entry has a malformed header");
    }
    if (length > kBusMaxKeyBytes || length > message.size()) {
      return absl::DataLossError("bus message entry's key is truncated or too long");
    }
    changes.push_back(KeyVersion{.key = std::string(message.substr(0, length)), .version = version});
    message.remove_prefix(length);
  }
  return changes;
}

}  // namespace marquee::redis::internal
