// The fingerprints a cursor carries, so it is refused with a request whose
// filter or index definition differs from the one it was issued for.
//
// Each is SHA-256, cut to kCursorFingerprintBytes, of a canonical encoding:
// requests that mean the same get the same fingerprint. The projection
// (PageRequest::fields) is deliberately left out: it changes what each item
// shows, not which rows are selected or their order, so a position stays
// valid when a client asks for other fields on the next page.
#ifndef MARQUEE_SRC_INTERNAL_PAGE_FINGERPRINT_H_
#define MARQUEE_SRC_INTERNAL_PAGE_FINGERPRINT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/index.h"

namespace marquee::internal {

// Of the index name and its fields' pointers and sort orders, in order.
// Errors: Internal (libcrypto failed).
[[nodiscard]] absl::StatusOr<std::string> SortFingerprint(std::string_view index,
                                                          const std::vector<IndexField>& fields);

// Of the filter as a set: the order of predicates, a repeated predicate,
// and the order and repetition of IN operands do not change it.
// Errors: Internal (libcrypto failed).
[[nodiscard]] absl::StatusOr<std::string> FilterFingerprint(const Filter& filter);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_PAGE_FINGERPRINT_H_
