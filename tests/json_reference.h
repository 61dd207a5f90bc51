// Test-only reference implementations of JSON validation and minification,
// written as plainly as possible (recursive descent, byte by byte) so that
// json_test.cc can check Json::Parse against an independent implementation.
//
// Validation follows RFC 8259 plus the choices documented in marquee/json.h:
// strings must unescape to valid UTF-8 (lone surrogate escapes are errors),
// numbers of any magnitude are accepted, and nesting is limited.
#ifndef MARQUEE_TESTS_JSON_REFERENCE_H_
#define MARQUEE_TESTS_JSON_REFERENCE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace marquee::testing {

// Removes whitespace outside strings. REQUIRES: `text` is valid JSON.
inline std::string ReferenceMinify(std::string_view text) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\') {
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out.push_back(c);
    }
  }
  return out;
}

// A recursive-descent validator. Valid() is true for valid documents;
// otherwise error_offset() is the byte where the first defect was found.
class ReferenceValidator {
 public:
  ReferenceValidator(std::string_view text, uint32_t max_depth)
      : s_(text), max_depth_(max_depth) {
    ok_ = Document();
  }
  bool Valid() const { return ok_; }
  size_t error_offset() const { return error_; }

 private:
  bool Fail(size_t at) {
    error_ = at;
    return false;
  }
  int Peek() const { return i_ < s_.size() ? static_cast<unsigned char>(s_[i_]) : -1; }
  void Whitespace() {
    while (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r') ++i_;
  }
  bool Document() {
    Whitespace();
    if (!Value(0)) return false;
    Whitespace();
    return i_ == s_.size() || Fail(i_);
  }
  bool Value(uint32_t depth) {
    switch (Peek()) {
      case '{': return Object(depth);
      case '[': return Array(depth);
      case '"': return String();
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) return Number();
        return Fail(i_);
    }
  }
  bool Object(uint32_t depth) {
    if (depth >= max_depth_) return Fail(i_);
    ++i_;
    Whitespace();
    if (Peek() == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      if (Peek() != '"') return Fail(i_);
      if (!String()) return false;
      Whitespace();
      if (Peek() != ':') return Fail(i_);
      ++i_;
      Whitespace();
      if (!Value(depth + 1)) return false;
      Whitespace();
      if (Peek() == '}') {
        ++i_;
        return true;
      }
      if (Peek() != ',') return Fail(i_);
      ++i_;
      Whitespace();
    }
  }
  bool Array(uint32_t depth) {
    if (depth >= max_depth_) return Fail(i_);
    ++i_;
    Whitespace();
    if (Peek() == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      if (!Value(depth + 1)) return false;
      Whitespace();
      if (Peek() == ']') {
        ++i_;
        return true;
      }
      if (Peek() != ',') return Fail(i_);
      ++i_;
      Whitespace();
    }
  }
  bool Literal(std::string_view word) {
    for (const char c : word) {
      if (Peek() != static_cast<unsigned char>(c)) return Fail(i_);
      ++i_;
    }
    return true;
  }
  bool Digits() {
    if (!(Peek() >= '0' && Peek() <= '9')) return Fail(i_);
    while (Peek() >= '0' && Peek() <= '9') ++i_;
    return true;
  }
  bool Number() {
    if (Peek() == '-') ++i_;
    if (Peek() == '0') {
      ++i_;
    } else if (!Digits()) {
      return false;
    }
    if (Peek() == '.') {
      ++i_;
      if (!Digits()) return false;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (Peek() == '+' || Peek() == '-') ++i_;
      if (!Digits()) return false;
    }
    return true;
  }
  bool Hex4(size_t at, uint32_t* unit) const {
    *unit = 0;
    for (size_t k = at; k < at + 4; ++k) {
      if (k >= s_.size()) return false;
      const char c = s_[k];
      uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      *unit = *unit * 16 + d;
    }
    return true;
  }
  bool Escape() {
    const size_t at = i_;  // the backslash
    ++i_;
    const int c = Peek();
    if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
        c == 't') {
      ++i_;
      return true;
    }
    if (c != 'u') return Fail(at);
    uint32_t unit = 0;
    if (!Hex4(at + 2, &unit)) return Fail(at);
    if (unit >= 0xDC00 && unit <= 0xDFFF) return Fail(at);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      uint32_t low = 0;
      if (at + 7 >= s_.size() || s_[at + 6] != '\\' || s_[at + 7] != 'u' ||
          !Hex4(at + 8, &low) || low < 0xDC00 || low > 0xDFFF) {
        return Fail(at);
      }
      i_ = at + 12;
      return true;
    }
    i_ = at + 6;
    return true;
  }
  // Well-formed UTF-8 per RFC 3629 table 3-7.
  bool Utf8() {
    const auto byte = [&](size_t k) {
      return k < s_.size() ? static_cast<unsigned char>(s_[k]) : 0u;
    };
    const unsigned lead = byte(i_);
    size_t length = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) lo = 0xA0;
      if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) lo = 0x90;
      if (lead == 0xF4) hi = 0x8F;
    } else {
      return Fail(i_);
    }
    if (byte(i_ + 1) < lo || byte(i_ + 1) > hi) return Fail(i_);
    for (size_t k = 2; k < length; ++k) {
      if (byte(i_ + k) < 0x80 || byte(i_ + k) > 0xBF) return Fail(i_);
    }
    i_ += length;
    return true;
  }
  bool String() {
    ++i_;  // opening quote
    for (;;) {
      const int c = Peek();
      if (c < 0) return Fail(i_);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\') {
        if (!Escape()) return false;
      } else if (c < 0x20) {
        return Fail(i_);
      } else if (c >= 0x80) {
        if (!Utf8()) return false;
      } else {
        ++i_;
      }
    }
  }

  std::string_view s_;
  uint32_t max_depth_;
  size_t i_ = 0;
  size_t error_ = 0;
  bool ok_ = false;
};

}  // namespace marquee::testing

#endif  // MARQUEE_TESTS_JSON_REFERENCE_H_
