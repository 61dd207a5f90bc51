// Reading index values out of stored JSON bodies.
//
// The store calls ValuesAt on every write to build index keys, and Matches
// (marquee/index.h) on every scanned record, so both parse a body once and
// then look up each pointer on the parsed document. Pointers follow
// RFC 6901; an object key that appears more than once resolves to its last
// occurrence, as in PostgreSQL's jsonb and JavaScript's JSON.parse.
#ifndef MARQUEE_SRC_INTERNAL_JSON_VALUES_H_
#define MARQUEE_SRC_INTERNAL_JSON_VALUES_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/index.h"
#include "marquee/json.h"

namespace marquee::internal {

// Checks RFC 6901 syntax: "" or a sequence of "/token", where '~' appears
// only as "~0" or "~1"; the pointer must also be valid UTF-8.
// Errors: InvalidArgument naming the defect.
[[nodiscard]] absl::Status ValidateJsonPointer(std::string_view pointer);

// The values at `pointers` in `body`, in order, with one parse of the body.
// Absent fields are IndexValue::Missing().
// Errors: InvalidArgument (a malformed pointer).
[[nodiscard]] absl::Status ValuesAt(const Json& body, const std::vector<std::string>& pointers,
                                    std::vector<IndexValue>* out);

// Whether the minified JSON array `array_json` (an IndexValue's text) has an
// element equal to `wanted`; false for text that is not an array.
bool ArrayHasElement(std::string_view array_json, const IndexValue& wanted);

// One parsed body on which several pointers can be looked up. Borrows the
// calling thread's parser, so a reader costs no allocation; a reader created
// while another is alive on the same thread gets a parser of its own.
// Not thread-safe; `body` must outlive the reader.
class JsonBodyReader {
 public:
  explicit JsonBodyReader(const Json& body);
  ~JsonBodyReader();
  JsonBodyReader(const JsonBodyReader&) = delete;
  JsonBodyReader& operator=(const JsonBodyReader&) = delete;

  // The value at `pointer`. REQUIRES: ValidateJsonPointer(pointer).ok().
  // Errors: Internal (the body could not be read; never for a valid Json).
  [[nodiscard]] absl::StatusOr<IndexValue> ValueAt(std::string_view pointer);

  struct State;  // parser and document, defined with the implementation

 private:
  const Json& body_;
  State* state_;                  // the thread's state, or owned_
  std::unique_ptr<State> owned_;  // only when the thread's state is in use
  bool parsed_ = false;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_JSON_VALUES_H_
