// Validation of index specs, JSON pointers and filters, and filter
// evaluation on record bodies.
#include <algorithm>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/json_text.h"
#include "internal/json_values.h"
#include "internal/order_class.h"
#include "marquee/index.h"
#include "marquee/record.h"

namespace marquee {
namespace {

using internal::ClassOf;
using internal::OrderClass;

constexpr size_t kMaxIndexNameBytes = 64;
constexpr size_t kMaxIndexFields = 8;

// `text` quoted for an error message: escaped, and cut short when long.
std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 64;
  const std::string_view shown = text.substr(0, kShown);
  return absl::StrCat("'", absl::CHexEscape(internal::Sv(shown)),
                      text.size() > kShown ? "...'" : "'");
}

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

absl::Status ValidateIndexName(std::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "index name is empty; the name \"\" is reserved for the primary order");
  }
  if (name.size() > kMaxIndexNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("index name ", Quoted(name), " is ",
                                                   name.size(), " bytes; the limit is ",
                                                   kMaxIndexNameBytes));
  }
  const auto bad = std::find_if_not(name.begin(), name.end(), IsNameChar);
  if (bad != name.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("index name ", Quoted(name), " has a character outside [A-Za-z0-9_.-] at byte ",
                     bad - name.begin()));
  }
  return absl::OkStatus();
}

bool IsKnownOp(PredicateOp op) {
  switch (op) {
    case PredicateOp::kEq: case PredicateOp::kNe: case PredicateOp::kLt: case PredicateOp::kLe:
    case PredicateOp::kGt: case PredicateOp::kGe: case PredicateOp::kIn: case PredicateOp::kExists:
    case PredicateOp::kPrefix: case PredicateOp::kContains:
      return true;
  }
  return false;
}

bool IsOrdering(PredicateOp op) {
  return op == PredicateOp::kLt || op == PredicateOp::kLe || op == PredicateOp::kGt ||
         op == PredicateOp::kGe;
}

absl::Status ValidatePredicate(const Predicate& predicate) {
  if (absl::Status status = internal::ValidateJsonPointer(predicate.pointer); !status.ok()) {
    return status;
  }
  if (!IsKnownOp(predicate.op)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown operator ", static_cast<int>(predicate.op)));
  }
  const size_t count = predicate.operands.size();
  switch (predicate.op) {
    case PredicateOp::kIn:
      return absl::OkStatus();  // any number; none matches nothing
    case PredicateOp::kExists:
      if (count != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("exists takes no operands, got ", count));
      }
      return absl::OkStatus();
    default:
      if (count != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("the operator takes exactly one operand, got ", count));
      }
  }
  const IndexValue& operand = predicate.operands.front();
  if (IsOrdering(predicate.op) && ClassOf(operand) == OrderClass::kNone) {
    return absl::InvalidArgumentError(
        "ordering operators (<, <=, >, >=) take a boolean, number or string operand");
  }
  if (predicate.op == PredicateOp::kPrefix && operand.type() != IndexValue::Type::kString) {
    return absl::InvalidArgumentError("prefix takes a string operand");
  }
  if (predicate.op == PredicateOp::kContains &&
      (operand.type() == IndexValue::Type::kMissing || operand.type() == IndexValue::Type::kArray ||
       operand.type() == IndexValue::Type::kObject)) {
    return absl::InvalidArgumentError(
        "contains takes a null, boolean, number or string operand");
  }
  return absl::OkStatus();
}

bool Holds(const Predicate& predicate, const IndexValue& value) {
  switch (predicate.op) {
    case PredicateOp::kEq: return value == predicate.operands[0];
    case PredicateOp::kNe: return !(value == predicate.operands[0]);
    case PredicateOp::kExists: return value.type() != IndexValue::Type::kMissing;
    case PredicateOp::kIn:
      return std::any_of(predicate.operands.begin(), predicate.operands.end(),
                         [&](const IndexValue& operand) { return value == operand; });
    case PredicateOp::kPrefix:
      return value.type() == IndexValue::Type::kString &&
             std::string_view(value.text()).starts_with(predicate.operands[0].text());
    case PredicateOp::kContains:
      return value.type() == IndexValue::Type::kArray &&
             internal::ArrayHasElement(value.text(), predicate.operands[0]);
    case PredicateOp::kLt:
    case PredicateOp::kLe:
    case PredicateOp::kGt:
    case PredicateOp::kGe: {
      const IndexValue& operand = predicate.operands[0];
      const OrderClass order_class = ClassOf(value);
      if (order_class == OrderClass::kNone || order_class != ClassOf(operand)) return false;
      const std::strong_ordering order = value <=> operand;
      if (predicate.op == PredicateOp::kLt) return order < 0;
      if (predicate.op == PredicateOp::kLe) return order <= 0;
      if (predicate.op == PredicateOp::kGt) return order > 0;
      return order >= 0;
    }
  }
  return false;
}

}  // namespace

namespace internal {

absl::Status ValidateJsonPointer(std::string_view pointer) {
  if (pointer.empty()) return absl::OkStatus();
  if (pointer.front() != '/') {
    return absl::InvalidArgumentError(absl::StrCat("JSON pointer ", Quoted(pointer),
                                                   " must be empty or start with '/'"));
  }
  for (size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] != '~') continue;
    if (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) {
      return absl::InvalidArgumentError(
          absl::StrCat("JSON pointer ", Quoted(pointer), " has '~' at byte ", i,
                       " not followed by '0' or '1'"));
    }
  }
  if (const size_t bad = FindInvalidUtf8(pointer); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON pointer ", Quoted(pointer), " is not valid UTF-8 at byte ", bad));
  }
  return absl::OkStatus();
}

}  // namespace internal

absl::Status ValidateIndexSpec(const IndexSpec& spec) {
  if (absl::Status status = ValidateCollectionName(spec.collection); !status.ok()) return status;
  if (absl::Status status = ValidateIndexName(spec.name); !status.ok()) return status;
  if (spec.fields.empty() || spec.fields.size() > kMaxIndexFields) {
    return absl::InvalidArgumentError(absl::StrCat("index ", Quoted(spec.name), " has ",
                                                   spec.fields.size(),
                                                   " fields; it needs 1 to ", kMaxIndexFields));
  }
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const IndexField& field = spec.fields[i];
    if (absl::Status status = internal::ValidateJsonPointer(field.pointer); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("index ", Quoted(spec.name), " field ", i,
                                                     ": ", status.message()));
    }
    if (field.order != SortOrder::kAscending && field.order != SortOrder::kDescending) {
      return absl::InvalidArgumentError(absl::StrCat("index ", Quoted(spec.name), " field ", i,
                                                     ": unknown sort order ",
                                                     static_cast<int>(field.order)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateFilter(const Filter& filter) {
  for (size_t i = 0; i < filter.all_of.size(); ++i) {
    if (absl::Status status = ValidatePredicate(filter.all_of[i]); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter predicate ", i, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

bool Matches(const Filter& filter, const Json& body) {
  if (filter.all_of.empty()) return true;
  internal::JsonBodyReader reader(body);
  // Range filters name one field twice (a > 1, a < 5): look it up once.
  const std::string* last_pointer = nullptr;
  IndexValue value;
  for (const Predicate& predicate : filter.all_of) {
    if (last_pointer == nullptr || *last_pointer != predicate.pointer) {
      absl::StatusOr<IndexValue> found = reader.ValueAt(predicate.pointer);
      if (!found.ok()) return false;
      value = *std::move(found);
      last_pointer = &predicate.pointer;
    }
    if (!Holds(predicate, value)) return false;
  }
  return true;
}

}  // namespace marquee
