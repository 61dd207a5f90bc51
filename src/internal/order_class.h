// The classes within which ordering predicates (< <= > >=) compare, per
// index.h: false and true are one class (so `flag < true` holds for false),
// numbers another, strings a third; nothing else orders. Shared by the
// filter evaluator and the page planner, which must agree on it exactly.
#ifndef MARQUEE_SRC_INTERNAL_ORDER_CLASS_H_
#define MARQUEE_SRC_INTERNAL_ORDER_CLASS_H_

#include "marquee/index.h"

namespace marquee::internal {

enum class OrderClass { kNone, kBoolean, kNumber, kString };

inline OrderClass ClassOf(const IndexValue& value) {
  switch (value.type()) {
    case IndexValue::Type::kFalse:
    case IndexValue::Type::kTrue: return OrderClass::kBoolean;
    case IndexValue::Type::kNumber: return OrderClass::kNumber;
    case IndexValue::Type::kString: return OrderClass::kString;
    default: return OrderClass::kNone;
  }
}

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_ORDER_CLASS_H_
