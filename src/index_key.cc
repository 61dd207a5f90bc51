#include "internal/index_key.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace marquee::internal {
namespace {

void AppendEscapedText(std::string_view text, std::string* out) {
  for (char c : text) {
    out->push_back(c);
    // 0x00 is the terminator's first byte, so a literal 0x00 becomes 00 FF,
    // which sorts after the terminator 00 01: "a" < "a\0" < "ab".
    if (c == '\0') out->push_back('\xFF');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

void AppendNumber(double d, std::string* out) {
  if (d == 0) d = 0;  // -0.0 and 0.0 are one value
  uint64_t bits = std::bit_cast<uint64_t>(d);
  // Negative numbers: invert all bits so larger magnitudes sort first;
  // positive: set the sign bit so they sort after every negative.
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((bits >> shift) & 0xFF));
  }
}

}  // namespace

void AppendIndexValue(const IndexValue& value, SortOrder order, std::string* out) {
  const size_t start = out->size();
  out->push_back(static_cast<char>(static_cast<uint8_t>(value.type()) + 1));
  switch (value.type()) {
    case IndexValue::Type::kNumber:
      AppendNumber(value.number(), out);
      break;
    case IndexValue::Type::kString:
    case IndexValue::Type::kArray:
    case IndexValue::Type::kObject:
      AppendEscapedText(value.text(), out);
      break;
    default:
      break;
  }
  if (order == SortOrder::kDescending) {
    for (size_t i = start; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
  }
}

void AppendIdKey(std::string_view id, std::string* out) { AppendEscapedText(id, out); }

std::string EncodeIndexKey(const std::vector<IndexValue>& values,
                           const std::vector<IndexField>& fields, std::string_view id) {
  std::string key;
  key.reserve(16 * values.size() + id.size() + 2);
  for (size_t i = 0; i < values.size(); ++i) AppendIndexValue(values[i], fields[i].order, &key);
  AppendIdKey(id, &key);
  return key;
}

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto last = static_cast<unsigned char>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return std::nullopt;
}

}  // namespace marquee::internal
