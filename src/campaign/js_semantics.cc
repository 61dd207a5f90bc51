// JavaScript's coercions over Values (see js_semantics_internal.h).
#include "campaign/js_semantics_internal.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace marquee::campaign::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Decodes the code point at s[*i] and advances *i. Invalid bytes decode as
// themselves (one byte each), so a malformed string never stalls or crashes.
uint32_t DecodeUtf8(std::string_view s, size_t* i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(*i);
  size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (n <= 1 || *i + n > s.size()) {
    *i += 1;
    return b0;
  }
  uint32_t cp = b0 & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    uint8_t b = byte(*i + k);
    if ((b & 0xC0) != 0x80) {
      *i += 1;
      return b0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *i += n;
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  // Surrogate halves (0xD800-0xDFFF) are written like any other code point
  // (WTF-8), which is what JsStringUnitCursor relies on.
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// JavaScript's WhiteSpace and LineTerminator, which Number() trims.
bool IsJsSpace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
    case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

std::string_view TrimJsSpace(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!IsJsSpace(DecodeUtf8(s, &next))) break;
    begin = next;
  }
  size_t end = begin;
  size_t content_end = begin;
  while (end < s.size()) {
    if (!IsJsSpace(DecodeUtf8(s, &end))) content_end = end;
  }
  return s.substr(begin, content_end - begin);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// 0x.. / 0o.. / 0b..: digits of `base` only, at least one.
double ParseRadixInteger(std::string_view digits, int base) {
  if (digits.empty()) return kNaN;
  double value = 0;
  for (char c : digits) {
    int d = IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;
    if (d >= base) return kNaN;
    value = value * base + d;
  }
  return value;
}

// StrUnsignedDecimalLiteral: digits [. digits] [e[+-]digits] | . digits [...]
double ParseUnsignedDecimal(std::string_view s) {
  if (s == "Infinity") return std::numeric_limits<double>::infinity();
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return kNaN;
  size_t mantissa_end = i;
  long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) {
      if (exponent < 100000) exponent = exponent * 10 + (s[i] - '0');
      ++i, ++exp_digits;
    }
    if (exp_digits == 0) return kNaN;
    if (negative) exponent = -exponent;
  }
  if (i != s.size()) return kNaN;
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value,
                                   std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    // Too large or too small for a double: which one depends on where the
    // first significant digit sits relative to the exponent.
    std::string_view mantissa = s.substr(0, mantissa_end);
    size_t first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos) return 0;
    size_t dot = mantissa.find('.');
    if (dot == std::string_view::npos) dot = mantissa.size();
    long magnitude = exponent + (first < dot ? static_cast<long>(dot - first)
                                             : -static_cast<long>(first - dot) + 1);
    return magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  if (ec != std::errc() || ptr != s.data() + s.size()) return kNaN;
  return value;
}

// Simple one-to-one lowercase mappings (UnicodeData.txt) of the blocks the
// header names; U+0130 is handled by the caller (it lowers to two chars).
uint32_t LowerCodePoint(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F) {
    if ((cp <= 0x12F || (cp >= 0x132 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) &&
        cp % 2 == 0) {
      return cp + 1;
    }
    if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && cp % 2 == 1) {
      return cp + 1;
    }
    if (cp == 0x178) return 0xFF;
    return cp;
  }
  if (cp >= 0x370 && cp <= 0x3FF) {  // Greek
    if ((cp >= 0x391 && cp <= 0x3A1) || (cp >= 0x3A3 && cp <= 0x3AB)) return cp + 32;
    if (cp == 0x386) return 0x3AC;
    if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
    if (cp == 0x38C) return 0x3CC;
    if (cp == 0x38E || cp == 0x38F) return cp + 63;
    return cp;
  }
  if (cp >= 0x400 && cp <= 0x52F) {  // Cyrillic
    if (cp <= 0x40F) return cp + 80;
    if (cp <= 0x42F) return cp + 32;
    if (((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) ||
         (cp >= 0x4D0 && cp <= 0x52F)) && cp % 2 == 0) {
      return cp + 1;
    }
    if (cp == 0x4C0) return 0x4CF;
    if (cp >= 0x4C1 && cp <= 0x4CE && cp % 2 == 1) return cp + 1;
    return cp;
  }
  return cp;
}

}  // namespace

std::string JsNumberToString(double d) {
  if (std::isnan(d)) return "NaN";
  if (d == 0) return "0";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::string out;
  if (d < 0) {
    out.push_back('-');
    d = -d;
  }
  // Shortest round-trip digits, as ECMAScript's Number::toString picks them.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  (void)ec;  // 64 bytes always suffice for a double
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n));
    out.push_back('.');
    out += digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(n - 1 >= 0 ? n - 1 : 1 - n);
  }
  return out;
}

void AppendJsString(const Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kNull: *out += "null"; return;
    case ValueType::kBool: *out += v.as_bool() ? "true" : "false"; return;
    case ValueType::kNumber: *out += JsNumberToString(v.as_number()); return;
    case ValueType::kString: *out += v.as_string(); return;
    case ValueType::kObject: *out += "[object Object]"; return;
    case ValueType::kArray: {
      bool first = true;
      for (const Value& e : v.elements()) {
        if (!first) out->push_back(',');
        first = false;
        if (!e.is_null()) AppendJsString(e, out);  // join() writes null as ""
      }
      return;
    }
  }
}

std::string JsToString(const Value& v) {
  if (v.is_string()) return std::string(v.as_string());
  std::string out;
  AppendJsString(v, &out);
  return out;
}

double JsStringToNumber(std::string_view s) {
  s = TrimJsSpace(s);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') return ParseRadixInteger(s.substr(2), 16);
    if (p == 'o' || p == 'O') return ParseRadixInteger(s.substr(2), 8);
    if (p == 'b' || p == 'B') return ParseRadixInteger(s.substr(2), 2);
  }
  if (s[0] == '-') return -ParseUnsignedDecimal(s.substr(1));
  if (s[0] == '+') return ParseUnsignedDecimal(s.substr(1));
  return ParseUnsignedDecimal(s);
}

double JsToNumber(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return 0;
    case ValueType::kBool: return v.as_bool() ? 1 : 0;
    case ValueType::kNumber: return v.as_number();
    case ValueType::kString: return JsStringToNumber(v.as_string());
    case ValueType::kArray: return JsStringToNumber(JsToString(v));
    case ValueType::kObject: return kNaN;
  }
  return kNaN;
}

bool JsTruthy(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return false;
    case ValueType::kBool: return v.as_bool();
    case ValueType::kNumber: return v.as_number() != 0 && !std::isnan(v.as_number());
    case ValueType::kString: return !v.as_string().empty();
    case ValueType::kArray:
    case ValueType::kObject: return true;
  }
  return false;
}

bool JsStrictEquals(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kNull: return true;
    case ValueType::kBool: return a.as_bool() == b.as_bool();
    case ValueType::kNumber: return a.as_number() == b.as_number();
    case ValueType::kString: return a.as_string() == b.as_string();
    case ValueType::kArray:
    case ValueType::kObject: return false;
  }
  return false;
}

std::optional<bool> JsLessThan(const Value& a, const Value& b) {
  // ToPrimitive: arrays and objects become their String(); then two strings
  // compare as strings, anything else as numbers.
  auto primitive_is_string = [](const Value& v) {
    return v.is_string() || v.is_array() || v.is_object();
  };
  if (primitive_is_string(a) && primitive_is_string(b)) {
    if (a.is_string() && b.is_string()) return CompareUtf16(a.as_string(), b.as_string()) < 0;
    return CompareUtf16(JsToString(a), JsToString(b)) < 0;
  }
  double x = JsToNumber(a), y = JsToNumber(b);
  if (std::isnan(x) || std::isnan(y)) return std::nullopt;
  return x < y;
}

bool JsLt(const Value& a, const Value& b) { return JsLessThan(a, b).value_or(false); }
bool JsGt(const Value& a, const Value& b) { return JsLessThan(b, a).value_or(false); }
bool JsLte(const Value& a, const Value& b) {
  std::optional<bool> r = JsLessThan(b, a);
  return r.has_value() && !*r;
}
bool JsGte(const Value& a, const Value& b) {
  std::optional<bool> r = JsLessThan(a, b);
  return r.has_value() && !*r;
}

int CompareUtf16(std::string_view a, std::string_view b) {
  // UTF-8 byte order is code point order; UTF-16 differs only in placing
  // supplementary characters (surrogates, 0xD800-0xDFFF) below U+E000-U+FFFF.
  size_t i = 0;
  size_t n = std::min(a.size(), b.size());
  while (i < n && a[i] == b[i]) ++i;
  if (i == a.size() || i == b.size()) {
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
  }
  // Back up to the start of the character that differs.
  while (i > 0 && (static_cast<uint8_t>(a[i]) & 0xC0) == 0x80) --i;
  size_t ia = i, ib = i;
  uint32_t x = DecodeUtf8(a, &ia), y = DecodeUtf8(b, &ib);
  auto key = [](uint32_t cp) { return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp; };
  uint32_t kx = key(x), ky = key(y);
  if (kx == ky) return x < y ? -1 : (x > y ? 1 : 0);
  return kx < ky ? -1 : 1;
}

std::string JsToLowerCase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    uint8_t b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
      ++i;
      continue;
    }
    size_t start = i;
    uint32_t cp = DecodeUtf8(s, &i);
    if (cp == 0x130) {  // İ lowers to "i" + combining dot above
      out += "i\xCC\x87";
    } else if (uint32_t lower = LowerCodePoint(cp); lower != cp) {
      AppendUtf8(lower, &out);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

bool JsStringUnitCursor::Next(std::string* unit) {
  unit->clear();
  if (pending_low_ != 0) {
    AppendUtf8(pending_low_, unit);
    pending_low_ = 0;
    return true;
  }
  if (pos_ >= s_.size()) return false;
  size_t start = pos_;
  uint32_t cp = DecodeUtf8(s_, &pos_);
  if (cp >= 0x10000) {
    AppendUtf8(0xD800 + ((cp - 0x10000) >> 10), unit);
    pending_low_ = 0xDC00 + ((cp - 0x10000) & 0x3FF);
  } else {
    unit->assign(s_.substr(start, pos_ - start));
  }
  return true;
}

size_t JsStringLength(std::string_view s) {
  size_t length = 0, i = 0;
  while (i < s.size()) length += DecodeUtf8(s, &i) >= 0x10000 ? 2 : 1;
  return length;
}

std::string_view JsTypeName(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return "null";
    case ValueType::kArray: return "array";
    case ValueType::kBool: return "boolean";
    case ValueType::kNumber: return "number";
    case ValueType::kString: return "string";
    case ValueType::kObject: return "object";
  }
  return "null";
}

}  // namespace marquee::campaign::internal
