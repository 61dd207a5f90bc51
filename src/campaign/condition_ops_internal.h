// The leaf operations of condition evaluation, shared by the interpreted
// (condition_eval.cc) and compiled (condition_compile.cc) forms so the two
// cannot drift apart; only the walking of the condition differs.
//
// Where GrowthBook's JavaScript SDK throws (Object.entries(null),
// null.length), the whole evaluation is false: EvalContext::threw records it
// and the top level returns false.
#ifndef MARQUEE_SRC_CAMPAIGN_CONDITION_OPS_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_CONDITION_OPS_INTERNAL_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "marquee/campaign/condition.h"
#include "marquee/campaign/value.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace marquee::campaign::internal {

struct EvalContext {
  const SavedGroups& groups;
  bool threw = false;  // the JavaScript SDK would have thrown
};

enum class Operator {
  kEq, kNe, kLt, kLte, kGt, kGte,
  kIn, kNin, kIni, kNini, kAll, kAlli,
  kSize, kElemMatch, kExists, kType, kNot,
  kRegex, kRegexi, kNotRegex, kNotRegexi,
  kVeq, kVne, kVgt, kVgte, kVlt, kVlte,
  kInGroup, kNotInGroup,
  kUnknown,
};
Operator OperatorFromName(std::string_view name);

// GrowthBook's isOperatorObject: a non-empty object whose keys all start
// with '$'.
bool IsOperatorObject(const Value& v);

// Object.entries(condition) for a condition that is not an object: array
// elements and string characters keyed "0", "1", ...; nothing for numbers
// and booleans. Sets ctx->threw for null.
std::vector<std::pair<std::string, Value>> NonObjectEntries(const Value& condition,
                                                            EvalContext* ctx);

// What the for-loops of evalOr / evalAnd see of `conditions`: its items
// (array elements, string characters), and whether it has a length at all
// (an object, number or boolean has none). Sets ctx->threw for null.
struct IndexedItems {
  bool has_length = false;
  std::vector<Value> items;
};
IndexedItems JsIndexedItems(const Value& conditions, EvalContext* ctx);

// $eq $ne $lt $lte $gt $gte with JavaScript's === and relational operators.
bool CompareOperator(Operator op, const Value& actual, const Value& expected);

// PaddedVersionString(version) written into *out (cleared first), so a
// caller evaluating many $v* clauses can reuse one buffer.
void PaddedVersionInto(const Value& version, std::string* out);

// $veq ... $vlte on two padded version strings.
bool CompareVersions(Operator op, std::string_view actual, std::string_view expected);

// isIn: actual (or, for an array, any of its elements) is one of expected;
// `insensitive` lowers strings first.
bool IsIn(const Value& actual, std::span<const Value> expected, bool insensitive);

// $exists: expected truthy -> actual is not null, else actual is null.
bool Exists(const Value& actual, const Value& expected);

// $type: typeof actual (as GrowthBook's getType names it) equals expected.
bool TypeIs(const Value& actual, const Value& expected);

// The members of saved group `key` (String(key) names it), or an empty span.
std::span<const Value> SavedGroupMembers(const SavedGroups& groups, const Value& key);

// The RE2 for a $regex-family pattern, or nullptr when the pattern is not a
// string or RE2 cannot compile it (both evaluate to false).
std::shared_ptr<const re2::RE2> CompileRegex(const Value& pattern, bool case_insensitive);

// RegExp.prototype.test: searches String(actual).
bool RegexMatches(const re2::RE2& regex, const Value& actual);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_CONDITION_OPS_INTERNAL_H_
