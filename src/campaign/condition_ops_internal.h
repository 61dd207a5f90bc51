// The leaf operations of condition evaluation, shared by the interpreted
// (condition_eval.cc) and compiled (condition_compile.cc) forms so the two
// cannot drift apart; only the walking of the condition differs.
//
// Where GrowthBook's JavaScript SDK throws (Object.entries(null),
// null.length), the whole evaluation is false: EvalContext::threw records it
// and the top level returns false.
#ifndef MARQUEE_SRC_CAMPAIGN_CONDITION_OPS_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_CONDITION_OPS_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/value.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace marquee::campaign::internal {

class ClauseMemo;  // clause_memo_internal.h

struct EvalContext {
  const SavedGroups& groups;
  bool threw = false;  // the JavaScript SDK would have thrown
  // Decide's clause memo, for clauses evaluated against `memo_root`.
  ClauseMemo* memo = nullptr;
  const Value* memo_root = nullptr;
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

// Object.entries(condition) for an array condition: its elements keyed
// "0", "1", ...; nothing for numbers and booleans. Sets ctx->threw for null.
// REQUIRES: condition is not a string (callers walk a string's units with
// JsStringUnitCursor, one at a time, so a long string never becomes one
// Value per unit).
std::vector<std::pair<std::string, Value>> NonObjectEntries(const Value& condition,
                                                            EvalContext* ctx);

// What the for-loops of evalOr / evalAnd see of `conditions`: its items
// (array elements), and whether it has a length at all (an object, number
// or boolean has none). Sets ctx->threw for null. REQUIRES: conditions is
// not a string (see NonObjectEntries).
struct IndexedItems {
  bool has_length = false;
  std::vector<Value> items;
};
IndexedItems JsIndexedItems(const Value& conditions, EvalContext* ctx);

// The expected list of $in / $nin / $ini / $nini, or a saved group, in a
// form that answers "is one of" without scanning it. Strict equality only
// ever matches null, booleans, numbers and strings. Short lists (the usual
// case) are scanned: cheaper than hashing and probing a table elsewhere in
// memory. Longer ones are hashed as well.
struct InSet {
  static constexpr size_t kHashAbove = 8;

  bool is_array = false;  // otherwise the operator is false
  bool has_null = false, has_true = false, has_false = false;
  std::vector<double> numbers;       // -0 stored as 0
  std::vector<std::string> strings;  // lowered when built case-insensitive
  absl::flat_hash_set<double> hashed_numbers;        // numbers, when long
  absl::flat_hash_set<std::string> hashed_strings;   // strings, when long

  // The set of `expected` (lowering strings when `insensitive`).
  static InSet Of(std::span<const Value> expected, bool insensitive);
  bool HasNumber(double d) const;
  bool HasString(std::string_view s) const;
  bool ContainsOne(const Value& a, bool insensitive) const;
  // isIn: actual (or, for an array, any of its elements) is in the set.
  bool Contains(const Value& actual, bool insensitive) const;
};

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

// $inGroup: actual (or, for an array, any of its elements) is a member of
// saved group String(key); an unknown group or a non-array is empty. Large
// groups are hashed once and the hashed form is reused by later calls (a
// bounded process-wide cache), so a check costs O(1) per actual element,
// not a scan of the group.
bool InSavedGroup(const SavedGroups& groups, const Value& key, const Value& actual);
bool InSavedGroup(const SavedGroups& groups, std::string_view id, const Value& actual);

// RE2's memory budget for one pattern. RE2's default, 8 MiB, lets a 9-byte
// pattern such as \pL{100} take hundreds of milliseconds to compile; within
// 256 KiB the worst patterns fail in a few milliseconds, while alternations
// of a thousand literals (17 KB) still compile. A pattern over the budget
// evaluates as an invalid one: false.
inline constexpr int64_t kRegexMaxMem = 256 << 10;

// The RE2 for a $regex-family pattern, or nullptr when the pattern is not a
// string or RE2 cannot compile it (both evaluate to false).
std::shared_ptr<const re2::RE2> CompileRegex(const Value& pattern, bool case_insensitive);

// Compiled patterns, deduplicated (one RE2 per distinct pattern and case
// flag) and bounded: at most `max_patterns` distinct patterns of at most
// `max_bytes` bytes in all. A pool with a parent (the pool of the FeatureSet
// being read) takes its RE2s from the parent, so a pattern repeated across
// the conditions of a set compiles once and counts against the set's limits
// once. Not thread-safe: used by the one thread compiling.
class RegexPool {
 public:
  RegexPool(size_t max_patterns, size_t max_bytes, std::string_view what,
            RegexPool* parent = nullptr);
  // The RE2 for a $regex-family operand, nullptr for one that evaluates as
  // invalid (see CompileRegex). Errors: InvalidArgument when a new distinct
  // pattern would pass this pool's (or its parent's) limits, naming them.
  absl::StatusOr<std::shared_ptr<const re2::RE2>> Get(const Value& pattern,
                                                      bool case_insensitive);

 private:
  size_t max_patterns_, max_bytes_;
  std::string what_;
  RegexPool* parent_;
  size_t bytes_ = 0;
  absl::flat_hash_map<std::pair<std::string, bool>, std::shared_ptr<const re2::RE2>> regexes_;
};

// The pool of the FeatureSet being read on this thread, or nullptr; set for
// its lifetime by a ScopedRegexPool (FeatureSet::FromValue), read by
// CompiledCondition::Compile.
RegexPool* CurrentRegexPool();
class ScopedRegexPool {
 public:
  explicit ScopedRegexPool(RegexPool* pool);
  ~ScopedRegexPool();
  ScopedRegexPool(const ScopedRegexPool&) = delete;
  ScopedRegexPool& operator=(const ScopedRegexPool&) = delete;

 private:
  RegexPool* previous_;
};

// RegExp.prototype.test: searches String(actual).
bool RegexMatches(const re2::RE2& regex, const Value& actual);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_CONDITION_OPS_INTERNAL_H_
