// Sparse fieldsets: cutting a record body down to the fields a client asked
// for, by JSON pointer.
//
// The pointers form a tree ("/a/b" and "/a/c" share "a"; "/a" covers
// "/a/b"). Applying it walks the body's minified text and copies the
// selected values byte for byte, so numbers keep their exact text. Nested
// pointers build nested objects in the order the fields were first named;
// an array element is selected by its decimal index and appears under that
// index as an object key. Fields absent from the body are left out, and so
// is an object that would end up empty. With duplicate keys the last one
// counts, as everywhere in Marquee.
#ifndef MARQUEE_SRC_INTERNAL_FIELD_PROJECTION_H_
#define MARQUEE_SRC_INTERNAL_FIELD_PROJECTION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/json.h"

namespace marquee::internal {

class FieldProjection {
 public:
  // Errors: InvalidArgument (more than `max_fields` fields, a malformed
  // pointer, or the pointer "", which would select the whole body).
  [[nodiscard]] static absl::StatusOr<FieldProjection> Create(
      const std::vector<std::string>& fields, size_t max_fields);

  // True when no fields were named: bodies are returned whole.
  bool empty() const { return root_.children.empty(); }

  // `body` cut down to the fields; "{}" when none is present.
  // Errors: Internal (the result failed to parse; never for a valid Json).
  // REQUIRES: !empty().
  [[nodiscard]] absl::StatusOr<Json> Apply(const Json& body) const;

 private:
  struct Node {
    std::string key;         // the unescaped pointer token
    bool whole = false;      // the value is selected entirely
    std::vector<Node> children;
  };
  // The projection of `value` (minified JSON text) by `node`'s children, or
  // none when none of them is present.
  static std::optional<std::string> Project(const Node& node, std::string_view value);

  Node root_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_FIELD_PROJECTION_H_
