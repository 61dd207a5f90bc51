// Bucketing functions of marquee/campaign/hashing.h. Each follows GrowthBook's
// JavaScript SDK exactly (it is the reference every SDK is tested against),
// including where JavaScript's string and number semantics leak into the
// result: hashing UTF-16 code units, parseInt on query strings.
#include "marquee/campaign/hashing.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace marquee::campaign {
namespace {

constexpr uint32_t kFnvOffsetBasis = 0x811c9dc5u;
constexpr uint32_t kFnvPrime = 16777619u;  // 2^24 + 2^8 + 0x93

// Feeds one UTF-16 code unit (JavaScript's charCodeAt) into the hash.
inline uint32_t FnvStep(uint32_t h, uint32_t unit) { return (h ^ unit) * kFnvPrime; }

// Decodes one UTF-8 sequence at text[i]; advances i. Returns U+FFFD for a
// malformed sequence (consuming one byte), as a browser's decoder would.
uint32_t DecodeUtf8(std::string_view text, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > text.size()) {
    ++i;
    return 0xFFFD;
  }
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

uint32_t FnvUpdate(uint32_t h, std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const uint32_t cp = DecodeUtf8(text, i);
    if (cp < 0x10000) {
      h = FnvStep(h, cp);
    } else {
      const uint32_t v = cp - 0x10000;
      h = FnvStep(h, 0xD800 + (v >> 10));
      h = FnvStep(h, 0xDC00 + (v & 0x3FF));
    }
  }
  return h;
}

bool IsJsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// JavaScript's parseInt(text) (radix 10, or 16 after "0x"), for the values a
// query string can hold. nullopt stands for NaN. Values too large for an int
// saturate, which is out of every variation range anyway.
std::optional<int64_t> ParseIntLikeJs(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsJsSpace(text[i])) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  int base = 10;
  if (i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
    base = 16;
    i += 2;
  }
  constexpr int64_t kCap = int64_t{1} << 40;
  int64_t value = 0;
  size_t digits = 0;
  for (; i < text.size(); ++i, ++digits) {
    const char c = text[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) break;
    if (value < kCap) value = value * base + d;
  }
  if (digits == 0) return std::nullopt;
  // parseInt("-0") is -0, which JavaScript compares as equal to 0.
  return negative ? -value : value;
}

}  // namespace

uint32_t Fnv1a32(std::string_view text) { return FnvUpdate(kFnvOffsetBasis, text); }

std::optional<double> Hash(std::string_view seed, std::string_view value, int version) {
  if (version == 2) {
    const uint32_t inner = FnvUpdate(FnvUpdate(kFnvOffsetBasis, seed), value);
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), inner);
    (void)ec;  // a uint32_t always fits in 16 characters
    const uint32_t outer = Fnv1a32(std::string_view(digits, static_cast<size_t>(end - digits)));
    return static_cast<double>(outer % 10000) / 10000;
  }
  if (version == 1) {
    const uint32_t n = FnvUpdate(FnvUpdate(kFnvOffsetBasis, value), seed);
    return static_cast<double>(n % 1000) / 1000;
  }
  return std::nullopt;
}

std::vector<double> GetEqualWeights(int count) {
  if (count < 1 || count > kMaxVariations) return {};
  return std::vector<double>(static_cast<size_t>(count), 1.0 / count);
}

std::vector<BucketRange> GetBucketRanges(int num_variations, double coverage,
                                         const std::vector<double>& weights) {
  if (num_variations < 1 || num_variations > kMaxVariations) return {};
  if (!(coverage >= 0)) coverage = 0;  // negative or NaN
  if (coverage > 1) coverage = 1;
  const std::vector<double>* chosen = &weights;
  std::vector<double> equal;
  bool use_equal = weights.size() != static_cast<size_t>(num_variations);
  if (!use_equal) {
    double total = 0;
    for (double w : weights) total += w;
    // !(a && b) also rejects a NaN total, which JavaScript would let through.
    use_equal = !(total >= 0.99 && total <= 1.01);
  }
  if (use_equal) {
    equal = GetEqualWeights(num_variations);
    chosen = &equal;
  }
  std::vector<BucketRange> ranges;
  ranges.reserve(chosen->size());
  double cumulative = 0;
  for (double w : *chosen) {
    const double start = cumulative;
    cumulative += w;
    ranges.push_back({.start = start, .end = start + coverage * w});
  }
  return ranges;
}

int ChooseVariation(double n, const std::vector<BucketRange>& ranges) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (InRange(n, ranges[i])) return static_cast<int>(i);
  }
  return -1;
}

bool InNamespace(std::string_view hash_value, const Namespace& ns) {
  const std::string seed = "__" + ns.id;
  const std::optional<double> n = Hash(seed, hash_value, 1);
  return n.has_value() && *n >= ns.start && *n < ns.end;
}

std::optional<int> GetQueryStringOverride(std::string_view key, std::string_view url,
                                          int num_variations) {
  // url.split("?")[1]: the text between the first and the second '?'.
  const size_t q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view search = url.substr(q + 1);
  search = search.substr(0, search.find('?'));
  search = search.substr(0, search.find('#'));  // drop the anchor
  if (search.empty()) return std::nullopt;
  // Only the first pair whose name is `key` counts.
  size_t pos = 0;
  while (pos <= search.size()) {
    size_t amp = search.find('&', pos);
    if (amp == std::string_view::npos) amp = search.size();
    const std::string_view pair = search.substr(pos, amp - pos);
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    if (name == key) {
      if (eq == std::string_view::npos) return std::nullopt;  // parseInt(undefined)
      std::string_view value = pair.substr(eq + 1);
      value = value.substr(0, value.find('='));  // split("=", 2)
      const std::optional<int64_t> n = ParseIntLikeJs(value);
      if (!n || *n < 0 || *n >= num_variations) return std::nullopt;
      return static_cast<int>(*n);
    }
    pos = amp + 1;
  }
  return std::nullopt;
}

}  // namespace marquee::campaign
