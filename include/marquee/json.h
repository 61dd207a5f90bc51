// marquee/json.h — validated, minified, immutable JSON documents.
//
// A Json holds the bytes of one JSON document (RFC 8259) that has been
// validated and minified. The bytes are shared and immutable, so copying a
// Json is a reference-count increment and a Json may be read from any thread.
// Documents are parsed with simdjson; a malformed document is rejected with
// InvalidArgument naming the byte offset of the first error.
// Thread-safety: values; a Json is immutable.
//
// What counts as valid (RFC 8259, with these decisions where it leaves room):
// - Any value may be the whole document, scalars included; surrounding
//   whitespace is allowed, a byte-order mark is not.
// - Numbers are checked against the RFC grammar only, never for range:
//   123456789012345678901234567890, -0 and 1e400 are valid and are kept
//   exactly as written (readers that need a double get +-infinity for 1e400,
//   see marquee/index.h).
// - Strings must unescape to valid UTF-8, so a \u escape of a lone
//   surrogate ("\ud800" not followed by a low surrogate, or "\udc00" alone)
//   is an error, as it is for simdjson. Raw control characters (below 0x20)
//   must be escaped; DEL (0x7F) need not be.
// - Duplicate object keys are kept as written (the RFC only says SHOULD be
//   unique); readers of the document see the last one.
// - Nesting counts arrays and objects: "[[1]]" has depth 2.
// Error offsets are those of the first defect, except that invalid UTF-8, an
// unterminated string (reported at its opening quote) and a raw control
// character in a string are reported even when a structural error comes
// earlier in the text.
//
//   absl::StatusOr<marquee::Json> body = marquee::Json::Parse(R"({"name": "spring"})");
//   if (!body.ok()) return body.status();  // "invalid JSON at byte 7: ..."
//   std::cout << body->text();              // {"name":"spring"}
#ifndef MARQUEE_JSON_H_
#define MARQUEE_JSON_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/export.h"

namespace marquee {

namespace internal {
// Defined only inside the library (src/internal/json_trusted.h): the one way
// to make a Json from bytes the library has already proven valid.
class JsonTrust;
}  // namespace internal

// Bounds applied while parsing input that may come from outside.
struct JsonLimits {
  // Largest accepted document, in bytes of input text. Default: 16 MiB.
  size_t max_bytes = size_t{16} << 20;
  // Deepest accepted nesting of arrays and objects. Default: 64.
  uint32_t max_depth = 64;
};

class MARQUEE_EXPORT Json {
 public:
  // The document `null`.
  Json();

  // Validates `text` and returns its minified form: the text with every
  // whitespace outside strings removed, strings and numbers byte for byte.
  // Errors: InvalidArgument (malformed JSON, with the byte offset of the
  // error; invalid UTF-8; nesting deeper than limits.max_depth),
  // OutOfRange (text longer than limits.max_bytes, or than 4 GiB),
  // ResourceExhausted (out of memory).
  [[nodiscard]] static absl::StatusOr<Json> Parse(std::string_view text,
                                                  const JsonLimits& limits = {});

  // Wraps a string as a JSON string value, escaping it per RFC 8259:
  // \" \\ \b \f \n \r \t, other control characters as \u00XX; everything
  // else, '/' and non-ASCII included, is copied as is.
  // Errors: InvalidArgument (value is not valid UTF-8).
  [[nodiscard]] static absl::StatusOr<Json> FromString(std::string_view value);

  // The minified document. Valid as long as any copy of this Json lives.
  std::string_view text() const { return std::string_view(*bytes_); }
  size_t size() const { return bytes_->size(); }

  // A pointer to the bytes followed by at least kPadding readable bytes,
  // as simdjson's on-demand parser requires. Internal use.
  const std::string& padded_bytes() const { return *bytes_; }
  static constexpr size_t kPadding = 64;

  // Byte-wise equality of the minified text (so {"a":1} and { "a" : 1 } are
  // equal, but key order matters).
  friend bool operator==(const Json& a, const Json& b) {
    return a.bytes_ == b.bytes_ || a.text() == b.text();
  }

 private:
  friend class internal::JsonTrust;
  explicit Json(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
  // Always non-null; capacity() >= size() + kPadding.
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace marquee

#endif  // MARQUEE_JSON_H_
