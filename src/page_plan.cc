#include "internal/page_plan.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/order_class.h"

namespace marquee::internal {
namespace {

bool LessByIndexValue(const IndexValue& a, const IndexValue& b) { return (a <=> b) < 0; }

// Keeps the higher lower bound; at equal values the exclusive one.
void TightenLower(std::optional<RangeBound>& bound, RangeBound candidate) {
  if (!bound || candidate.value > bound->value ||
      (candidate.value == bound->value && !candidate.inclusive)) {
    bound = std::move(candidate);
  }
}

// Keeps the lower upper bound; at equal values the exclusive one.
void TightenUpper(std::optional<RangeBound>& bound, RangeBound candidate) {
  if (!bound || candidate.value < bound->value ||
      (candidate.value == bound->value && !candidate.inclusive)) {
    bound = std::move(candidate);
  }
}

// The smallest string greater than every string starting with `prefix`,
// or none when no string is (an empty prefix, or all 0xFF bytes).
std::optional<std::string> StringSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    const auto last = static_cast<unsigned char>(prefix.back());
    if (last != 0xFF) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

// The whole of one class, as bounds in index order.
void ClassBounds(OrderClass order_class, std::optional<RangeBound>* lower,
                 std::optional<RangeBound>* upper) {
  switch (order_class) {
    case OrderClass::kBoolean:
      TightenLower(*lower, {IndexValue::Bool(false), true});
      TightenUpper(*upper, {IndexValue::Bool(true), true});
      break;
    case OrderClass::kNumber:
      TightenLower(*lower, {IndexValue::Number(-HUGE_VAL), true});
      TightenUpper(*upper, {IndexValue::Number(HUGE_VAL), true});
      break;
    case OrderClass::kString:
      // Arrays follow strings, and the array "" precedes every real array.
      TightenLower(*lower, {IndexValue::String(""), true});
      TightenUpper(*upper, {IndexValue::Array(""), false});
      break;
    case OrderClass::kNone:
      break;
  }
}

struct FieldBounds {
  bool empty = false;  // contradictory predicates: no row can match
  std::optional<RangeBound> lower;
  std::optional<RangeBound> upper;
};

// The bounds that the ordering, prefix and exists predicates on `pointer` put on it.
FieldBounds BoundsOn(const std::string& pointer, const Filter& filter) {
  FieldBounds bounds;
  OrderClass order_class = OrderClass::kNone;
  bool exists = false;
  for (const Predicate& predicate : filter.all_of) {
    if (predicate.pointer != pointer) continue;
    OrderClass predicate_class = OrderClass::kNone;
    switch (predicate.op) {
      case PredicateOp::kLt:
      case PredicateOp::kLe:
      case PredicateOp::kGt:
      case PredicateOp::kGe:
        predicate_class = ClassOf(predicate.operands[0]);
        break;
      case PredicateOp::kPrefix:
        predicate_class = OrderClass::kString;
        break;
      case PredicateOp::kExists:
        exists = true;
        continue;
      default:
        continue;
    }
    if (order_class != OrderClass::kNone && predicate_class != order_class) {
      bounds.empty = true;  // e.g. a > 5 and a < "x": no value is in both classes
      return bounds;
    }
    order_class = predicate_class;
    const IndexValue& operand = predicate.operands[0];
    switch (predicate.op) {
      case PredicateOp::kLt: TightenUpper(bounds.upper, {operand, false}); break;
      case PredicateOp::kLe: TightenUpper(bounds.upper, {operand, true}); break;
      case PredicateOp::kGt: TightenLower(bounds.lower, {operand, false}); break;
      case PredicateOp::kGe: TightenLower(bounds.lower, {operand, true}); break;
      case PredicateOp::kPrefix:
        TightenLower(bounds.lower, {operand, true});
        if (auto next = StringSuccessor(operand.text())) {
          TightenUpper(bounds.upper, {IndexValue::String(std::move(*next)), false});
        }
        break;
      default: break;
    }
  }
  if (order_class != OrderClass::kNone) {
    ClassBounds(order_class, &bounds.lower, &bounds.upper);
  } else if (exists) {
    TightenLower(bounds.lower, {IndexValue::Null(), true});  // everything but missing
  }
  if (bounds.lower && bounds.upper) {
    const auto order = bounds.lower->value <=> bounds.upper->value;
    if (order > 0 ||
        (order == 0 && (!bounds.lower->inclusive || !bounds.upper->inclusive))) {
      bounds.empty = true;
    }
  }
  return bounds;
}

}  // namespace

absl::StatusOr<PagePlan> PlanPage(const std::vector<IndexField>& fields, const Filter& filter,
                                  size_t max_ranges) {
  PagePlan plan;
  std::vector<bool> exact(filter.all_of.size(), false);  // became prefixes
  std::vector<std::vector<IndexValue>> levels;
  for (const IndexField& field : fields) {
    std::optional<std::vector<IndexValue>> allowed;
    for (size_t i = 0; i < filter.all_of.size(); ++i) {
      const Predicate& predicate = filter.all_of[i];
      if (predicate.pointer != field.pointer) continue;
      if (predicate.op != PredicateOp::kEq && predicate.op != PredicateOp::kIn) continue;
      std::vector<IndexValue> values = predicate.operands;
      std::sort(values.begin(), values.end(), LessByIndexValue);
      values.erase(std::unique(values.begin(), values.end()), values.end());
      if (allowed) {
        std::vector<IndexValue> both;
        std::set_intersection(allowed->begin(), allowed->end(), values.begin(), values.end(),
                              std::back_inserter(both), LessByIndexValue);
        values = std::move(both);
      }
      allowed = std::move(values);
      exact[i] = true;
    }
    if (!allowed) break;
    if (field.order == SortOrder::kDescending) std::reverse(allowed->begin(), allowed->end());
    levels.push_back(*std::move(allowed));
  }
  for (size_t i = 0; i < filter.all_of.size(); ++i) {
    if (!exact[i]) plan.residual.all_of.push_back(filter.all_of[i]);
  }
  size_t count = 1;
  for (const std::vector<IndexValue>& level : levels) {
    if (level.empty()) return plan;  // e.g. a == 1 and a IN (2, 3)
  }
  for (size_t i = 0; i < levels.size(); ++i) {
    if (count > max_ranges / levels[i].size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the filter's equality and IN predicates on the leading index field",
          i > 0 ? "s '" : " '", fields[0].pointer,
          i > 0 ? absl::StrCat("' to '", fields[i].pointer) : std::string(),
          "' expand into more than ", max_ranges, " index ranges; use fewer IN values"));
    }
    count *= levels[i].size();
  }

  FieldBounds bounds;
  if (levels.size() < fields.size()) {
    bounds = BoundsOn(fields[levels.size()].pointer, filter);
    if (bounds.empty) return plan;
  }
  // The Cartesian product of the levels, in index order: an odometer whose
  // last digit turns fastest.
  std::vector<size_t> digits(levels.size(), 0);
  plan.ranges.reserve(count);
  for (size_t n = 0; n < count; ++n) {
    IndexRange range;
    range.prefix.reserve(levels.size());
    for (size_t i = 0; i < levels.size(); ++i) range.prefix.push_back(levels[i][digits[i]]);
    range.lower = bounds.lower;
    range.upper = bounds.upper;
    plan.ranges.push_back(std::move(range));
    for (size_t i = levels.size(); i-- > 0;) {
      if (++digits[i] < levels[i].size()) break;
      digits[i] = 0;
    }
  }
  return plan;
}

std::weak_ordering ComparePositionToRange(const ScanPosition& position, const IndexRange& range,
                                          const std::vector<IndexField>& fields) {
  for (size_t i = 0; i < range.prefix.size(); ++i) {
    std::strong_ordering order = position.values[i] <=> range.prefix[i];
    if (order == 0) continue;
    if (fields[i].order == SortOrder::kDescending) order = 0 <=> order;
    return order;
  }
  return std::weak_ordering::equivalent;
}

}  // namespace marquee::internal
