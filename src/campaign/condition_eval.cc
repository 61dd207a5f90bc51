// EvalCondition: the interpreted form, walking the condition Value on each
// call. It follows GrowthBook's evalCondition / evalConditionValue /
// evalOperatorCondition step by step; CompiledCondition must agree with it.
#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "campaign/condition_ops_internal.h"
#include "campaign/js_semantics_internal.h"
#include "campaign/value_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/condition.h"

namespace marquee::campaign {
namespace {

using internal::EvalContext;
using internal::Operator;

bool EvalCond(const Value& obj, const Value& condition, EvalContext* ctx);
bool EvalValue(const Value& condition, const Value& value, EvalContext* ctx,
               bool insensitive = false);

const Value& PathOrNull(const Value& obj, std::string_view path) {
  const Value* v = obj.GetPath(path);
  return v == nullptr ? internal::Null() : *v;
}

// A string where a condition list is expected: its UTF-16 units, each a
// one-character condition, are visited one at a time; `fn` returns false to
// stop. Returns whether the string had any unit.
template <typename Fn>
bool ForEachUnitCondition(const Value& s, Fn fn) {
  internal::JsStringUnitCursor cursor(s.as_string());
  std::string unit;
  bool any = false;
  while (cursor.Next(&unit)) {
    any = true;
    if (!fn(Value::String(std::move(unit)))) break;
  }
  return any;
}

bool EvalOr(const Value& obj, const Value& conditions, EvalContext* ctx) {
  if (conditions.is_string()) {
    bool found = false;
    bool any = ForEachUnitCondition(conditions, [&](const Value& c) {
      found = EvalCond(obj, c, ctx);
      return !found;
    });
    return !any || found;  // `!conditions.length`
  }
  internal::IndexedItems items = internal::JsIndexedItems(conditions, ctx);
  if (items.items.empty()) return true;  // `!conditions.length`
  for (const Value& c : items.items) {
    if (EvalCond(obj, c, ctx)) return true;
  }
  return false;
}

bool EvalAnd(const Value& obj, const Value& conditions, EvalContext* ctx) {
  if (conditions.is_string()) {
    bool all = true;
    ForEachUnitCondition(conditions, [&](const Value& c) {
      all = EvalCond(obj, c, ctx);
      return all;
    });
    return all;
  }
  internal::IndexedItems items = internal::JsIndexedItems(conditions, ctx);
  for (const Value& c : items.items) {
    if (!EvalCond(obj, c, ctx)) return false;
  }
  return true;
}

bool EvalEntry(const Value& obj, std::string_view key, const Value& v, EvalContext* ctx) {
  if (key == "$or") return EvalOr(obj, v, ctx);
  if (key == "$nor") return !EvalOr(obj, v, ctx);
  if (key == "$and") return EvalAnd(obj, v, ctx);
  if (key == "$not") return !EvalCond(obj, v, ctx);
  return EvalValue(v, PathOrNull(obj, key), ctx);
}

bool EvalCond(const Value& obj, const Value& condition, EvalContext* ctx) {
  if (condition.is_object()) {
    for (const Value::Member& m : condition.members()) {
      if (!EvalEntry(obj, m.first, m.second, ctx)) return false;
    }
    return true;
  }
  if (condition.is_string()) {  // Object.entries of a string: its units
    size_t i = 0;
    bool all = true;
    ForEachUnitCondition(condition, [&](const Value& unit) {
      all = EvalEntry(obj, std::to_string(i++), unit, ctx);
      return all;
    });
    return all;
  }
  for (const auto& [key, v] : internal::NonObjectEntries(condition, ctx)) {
    if (!EvalEntry(obj, key, v, ctx)) return false;
  }
  return true;
}

bool ElemMatch(const Value& actual, const Value& expected, EvalContext* ctx) {
  if (!actual.is_array()) return false;
  if (expected.is_null()) {  // Object.keys(null) throws
    ctx->threw = true;
    return false;
  }
  bool operators = internal::IsOperatorObject(expected);
  for (const Value& e : actual.elements()) {
    if (!internal::JsTruthy(e)) continue;
    if (operators ? EvalValue(expected, e, ctx) : EvalCond(e, expected, ctx)) return true;
  }
  return false;
}

bool All(const Value& actual, const Value& expected, EvalContext* ctx, bool insensitive) {
  if (!expected.is_array() || !actual.is_array()) return false;
  for (const Value& x : expected.elements()) {
    bool passed = false;
    for (const Value& a : actual.elements()) {
      if (EvalValue(x, a, ctx, insensitive)) {
        passed = true;
        break;
      }
    }
    if (!passed) return false;
  }
  return true;
}

bool Regex(const Value& actual, const Value& pattern, bool insensitive, bool negate) {
  std::shared_ptr<const re2::RE2> re = internal::CompileRegex(pattern, insensitive);
  if (re == nullptr) return false;  // an invalid pattern is false, negated or not
  return internal::RegexMatches(*re, actual) != negate;
}

bool EvalOperator(Operator op, const Value& actual, const Value& expected, EvalContext* ctx) {
  switch (op) {
    case Operator::kVeq: case Operator::kVne: case Operator::kVgt:
    case Operator::kVgte: case Operator::kVlt: case Operator::kVlte:
      return internal::CompareVersions(op, PaddedVersionString(actual),
                                       PaddedVersionString(expected));
    case Operator::kEq: case Operator::kNe: case Operator::kLt:
    case Operator::kLte: case Operator::kGt: case Operator::kGte:
      return internal::CompareOperator(op, actual, expected);
    case Operator::kExists: return internal::Exists(actual, expected);
    case Operator::kIn:
      return expected.is_array() && internal::IsIn(actual, expected.elements(), false);
    case Operator::kIni:
      return expected.is_array() && internal::IsIn(actual, expected.elements(), true);
    case Operator::kNin:
      return expected.is_array() && !internal::IsIn(actual, expected.elements(), false);
    case Operator::kNini:
      return expected.is_array() && !internal::IsIn(actual, expected.elements(), true);
    case Operator::kInGroup:
      return internal::InSavedGroup(ctx->groups, expected, actual);
    case Operator::kNotInGroup:
      return !internal::InSavedGroup(ctx->groups, expected, actual);
    case Operator::kNot: return !EvalValue(expected, actual, ctx);
    case Operator::kSize:
      return actual.is_array() &&
             EvalValue(expected, Value::Number(static_cast<double>(actual.size())), ctx);
    case Operator::kElemMatch: return ElemMatch(actual, expected, ctx);
    case Operator::kAll: return All(actual, expected, ctx, false);
    case Operator::kAlli: return All(actual, expected, ctx, true);
    case Operator::kRegex: return Regex(actual, expected, false, false);
    case Operator::kRegexi: return Regex(actual, expected, true, false);
    case Operator::kNotRegex: return Regex(actual, expected, false, true);
    case Operator::kNotRegexi: return Regex(actual, expected, true, true);
    case Operator::kType: return internal::TypeIs(actual, expected);
    case Operator::kUnknown: return false;
  }
  return false;
}

bool EvalValue(const Value& condition, const Value& value, EvalContext* ctx, bool insensitive) {
  switch (condition.type()) {
    case ValueType::kString:
      if (insensitive) {
        return internal::JsToLowerCase(internal::JsToString(value)) ==
               internal::JsToLowerCase(condition.as_string());
      }
      return value.is_string() ? value.as_string() == condition.as_string()
                               : internal::JsToString(value) == condition.as_string();
    case ValueType::kNumber:
      return internal::JsToNumber(value) == condition.as_number();
    case ValueType::kBool:
      return !value.is_null() && internal::JsTruthy(value) == condition.as_bool();
    case ValueType::kNull:
      return value.is_null();
    case ValueType::kArray:
      return value == condition;
    case ValueType::kObject:
      break;
  }
  if (!internal::IsOperatorObject(condition)) return value == condition;
  for (const Value::Member& m : condition.members()) {
    if (!EvalOperator(internal::OperatorFromName(m.first), value, m.second, ctx)) return false;
  }
  return true;
}

}  // namespace

bool EvalCondition(const Value& attributes, const Value& condition, const SavedGroups& groups) {
  if (!condition.is_object() || condition.depth() > kMaxConditionDepth) return false;
  EvalContext ctx{.groups = groups};
  bool result = EvalCond(attributes, condition, &ctx);
  return result && !ctx.threw;
}

absl::StatusOr<SavedGroups> SavedGroupsFromValue(const Value& groups) {
  if (!groups.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "saved groups must be a JSON object of arrays, not ", marquee::internal::Sv(ValueTypeName(groups.type()))));
  }
  SavedGroups out;
  for (const Value::Member& m : groups.members()) {
    if (!m.second.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat("saved group '", m.first,
                                                     "' must be an array, not ",
                                                     marquee::internal::Sv(ValueTypeName(m.second.type()))));
    }
    out.emplace(m.first, m.second);
  }
  return out;
}

}  // namespace marquee::campaign
