#include "internal/base64url.h"

#include <array>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace marquee::internal {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 0..63 for alphabet characters, -1 for every other byte.
constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (int8_t& entry : table) entry = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                           (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                           uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
    out.push_back(kAlphabet[group & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t group = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
  } else if (rest == 2) {
    const uint32_t group = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                           (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8);
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
  }
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("length ", text.size(), " is not a possible base64url length"));
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t bits = 0;
  int pending = 0;  // bits held in `bits`
  for (size_t i = 0; i < text.size(); ++i) {
    const int8_t sextet = kDecode[static_cast<unsigned char>(text[i])];
    if (sextet < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "byte ", i, " (0x", absl::Hex(static_cast<unsigned char>(text[i]), absl::kZeroPad2),
          ") is outside the base64url alphabet"));
    }
    bits = (bits << 6) | static_cast<uint32_t>(sextet);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out.push_back(static_cast<char>((bits >> pending) & 0xFF));
    }
    bits &= (uint32_t{1} << pending) - 1;  // keep only the bits not yet emitted
  }
  // 2 or 4 bits left over after a partial group: they must be zero, or two
  // texts would decode to the same bytes.
  if (bits != 0) {
    return absl::InvalidArgumentError("the last character has non-zero unused bits");
  }
  return out;
}

}  // namespace marquee::internal
