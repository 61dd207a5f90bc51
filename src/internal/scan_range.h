// Turns a ScanRequest into a range of encoded index keys.
#ifndef MARQUEE_SRC_INTERNAL_SCAN_RANGE_H_
#define MARQUEE_SRC_INTERNAL_SCAN_RANGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/index.h"
#include "marquee/store.h"

namespace marquee::internal {

struct KeyBound {
  std::string key;
  bool inclusive = true;
};

// Keys k with lower <= k (or <) and k <= upper (or <); an absent bound is open.
struct KeyRange {
  std::optional<KeyBound> lower;
  std::optional<KeyBound> upper;
};

// The keys selected by the request's prefix, lower/upper bounds and
// after/before position on an index with `fields` (empty: the id order).
// Errors: InvalidArgument naming what does not fit the index.
absl::StatusOr<KeyRange> ComputeKeyRange(const ScanRequest& request,
                                         const std::vector<IndexField>& fields);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_SCAN_RANGE_H_
