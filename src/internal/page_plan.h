// How a page request's filter runs on an index: as index ranges where it
// can, and as a residual filter checked on each scanned row for the rest.
//
// Equality and IN predicates on the index's leading fields give each field
// a set of values (the intersection, when a field has several); the
// Cartesian product of those sets, in index order (each field's SortOrder
// respected), is a list of disjoint index prefixes. On the field after
// them, <, <=, >, >=, prefix and exists become a lower and upper bound.
// Bounds stay inside one type class (false..true, -inf..inf, strings), as
// the ordering predicates only hold between values of one class, so the
// range never holds a row Matches() would refuse on account of its type.
// Equality and IN predicates that became prefixes are exact and leave the
// residual filter; every other predicate stays in it, so results are
// exactly what Matches() says whatever the ranges hold.
#ifndef MARQUEE_SRC_INTERNAL_PAGE_PLAN_H_
#define MARQUEE_SRC_INTERNAL_PAGE_PLAN_H_

#include <compare>
#include <cstddef>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/index.h"
#include "marquee/store.h"

namespace marquee::internal {

// One index range: the prefix, lower and upper parts of a ScanRequest.
struct IndexRange {
  std::vector<IndexValue> prefix{};
  std::optional<RangeBound> lower{};
  std::optional<RangeBound> upper{};

  friend bool operator==(const IndexRange& a, const IndexRange& b) {
    auto same = [](const std::optional<RangeBound>& x, const std::optional<RangeBound>& y) {
      return x.has_value() == y.has_value() &&
             (!x || (x->value == y->value && x->inclusive == y->inclusive));
    };
    return a.prefix == b.prefix && same(a.lower, b.lower) && same(a.upper, b.upper);
  }
};

struct PagePlan {
  // Disjoint, in index order. Empty: no row can match, nothing to scan.
  std::vector<IndexRange> ranges{};
  // Checked on every scanned row.
  Filter residual{};
};

// Plans `filter` on an index with `fields` (empty: the id order, where the
// whole filter is residual).
// Errors: InvalidArgument (the equality and IN predicates expand into more
// than `max_ranges` ranges).
// REQUIRES: ValidateFilter(filter).ok().
[[nodiscard]] absl::StatusOr<PagePlan> PlanPage(const std::vector<IndexField>& fields,
                                                const Filter& filter, size_t max_ranges);

// Where a position lies relative to a range, comparing only the range's
// prefix fields in index order: less (every row of the range comes after
// the position), equivalent (same prefix: the position may be inside), or
// greater (every row of the range comes before it).
// REQUIRES: position.values.size() >= range.prefix.size() and fields.size().
std::weak_ordering ComparePositionToRange(const ScanPosition& position, const IndexRange& range,
                                          const std::vector<IndexField>& fields);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_PAGE_PLAN_H_
