// marquee/json.h — validated, minified, immutable JSON documents.
//
// A Json holds the bytes of one JSON document (RFC 8259) that has been
// validated and minified. The bytes are shared and immutable, so copying a
// Json is a reference-count increment and a Json may be read from any thread.
// Documents are parsed with simdjson; a malformed document is rejected with
// InvalidArgument naming the byte offset of the first error.
// Thread-safety: values; a Json is immutable.
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

  // Validates `text` and returns its minified form.
  // Errors: InvalidArgument (malformed JSON, with the byte offset of the
  // error; invalid UTF-8; nesting deeper than limits.max_depth),
  // OutOfRange (text longer than limits.max_bytes).
  [[nodiscard]] static absl::StatusOr<Json> Parse(std::string_view text,
                                                  const JsonLimits& limits = {});

  // Wraps a string as a JSON string value, escaping it per RFC 8259.
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
  explicit Json(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
  // Always non-null; capacity() >= size() + kPadding.
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace marquee

#endif  // MARQUEE_JSON_H_
