// The `fields` query parameter of the lists (a sparse fieldset of top-level
// members) and its projection of a rendered item.
#ifndef MARQUEE_SRC_HTTP_LIST_FIELDS_H_
#define MARQUEE_SRC_HTTP_LIST_FIELDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace marquee::http::internal {

// "name,status" → {"name", "status"}: comma-separated member names of
// [A-Za-z0-9_], 1..64 bytes, at most 32; "id" is dropped (always there).
// Errors: InvalidArgument naming "fields".
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseFieldsParam(std::string_view text);

// `item`, a JSON object, with only "id" and the members named in `fields`,
// in the item's order (absent ones are left out).
// Errors: InvalidArgument (`item` is not an object).
[[nodiscard]] absl::StatusOr<std::string> ProjectMembers(std::string_view item,
                                                         const std::vector<std::string>& fields);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_LIST_FIELDS_H_
