// Order-preserving byte encoding of index keys.
//
// An index row's key is the encoding of its field values followed by its id,
// such that comparing two keys bytewise (std::string's operator<) orders the
// rows exactly as the index does: by each field in its direction, in the
// type order of marquee/index.h, then by id ascending. Each encoded value is
// prefix-free (no encoding is a prefix of another), which is what lets a
// descending field simply invert its bytes.
//
//   type tag (1 byte, in type order)
//   number: 8 bytes big-endian, sign-flipped IEEE double (-0 is 0)
//   string, array, object text: bytes with 0x00 escaped as 00 FF, then 00 01
#ifndef MARQUEE_SRC_INTERNAL_INDEX_KEY_H_
#define MARQUEE_SRC_INTERNAL_INDEX_KEY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marquee/index.h"

namespace marquee::internal {

// Appends one value in the given direction.
void AppendIndexValue(const IndexValue& value, SortOrder order, std::string* out);
// Appends the id, which always sorts ascending.
void AppendIdKey(std::string_view id, std::string* out);

// The full key of a row: every field value in its field's direction, then the id.
// REQUIRES: values.size() == fields.size().
std::string EncodeIndexKey(const std::vector<IndexValue>& values,
                           const std::vector<IndexField>& fields, std::string_view id);

// The smallest string greater than every string that starts with `prefix`;
// nullopt when there is none (prefix empty or all 0xFF).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_INDEX_KEY_H_
