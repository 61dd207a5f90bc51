// marquee/campaign/condition.h — GrowthBook targeting conditions.
//
// A condition is a MongoDB-style JSON object evaluated against a user's
// attributes exactly as GrowthBook's SDKs evaluate it (evalCondition of the
// "build your own SDK" spec, with the JavaScript SDK as the reference for
// type coercions):
//   - keys are dot-separated attribute paths ("user.age", "tags.0") or the
//     logical operators $and $or $nor $not;
//   - a path's value is a literal (compared after JavaScript's coercions:
//     {"age": 30} matches "30"), or an object of operators: $eq $ne $lt $lte
//     $gt $gte $in $nin $ini $nini $all $alli $size $elemMatch $exists $type
//     $not $regex $regexi $notRegex $notRegexi, the version operators $veq
//     $vne $vgt $vgte $vlt $vlte, and the saved-group operators $inGroup
//     $notInGroup;
//   - an unknown operator evaluates to false; so does a regular expression
//     that cannot be compiled (for $notRegex too);
//   - where the JavaScript SDK would throw (null given as the list of $or /
//     $and, as a sub-condition, or as the argument of $elemMatch), the whole
//     condition is false.
// Regular expressions: JavaScript syntax on RE2. Patterns are read as
// JavaScript's `new RegExp(pattern)` reads them ($regexi: flag "i"; no "u"
// flag, with the web-compatibility syntax: "\q" is "q", "a{" and "]" are
// literals, "\1" without a group is octal), translated, and run on RE2:
// linear time in the input, no catastrophic backtracking. ".", "\s", "[^]",
// "[]", "\cX", "\0", "\uXXXX" and named groups mean what they mean in
// JavaScript, and $regexi folds case as JavaScript does (toUpperCase of one
// UTF-16 unit: "k" does not match the Kelvin sign, "s" not U+017F long s,
// non-BMP letters do not fold). What remains different: a non-BMP character is one
// character, not two UTF-16 units ("^.$" matches U+1F600, "\uD83D" does
// not match inside it); a quantifier after one repeats the whole character;
// these count as invalid patterns (false, for $notRegex too): what
// JavaScript rejects, backreferences to a group closed before them,
// lookahead and lookbehind, counted repetition above 1000, patterns longer
// than 16 KiB, and patterns RE2 cannot compile
// within a 256 KiB memory budget (JavaScript's "." excludes four line
// terminators, which costs RE2 more than its own "." does: ".{600}" fits,
// ".{1000}" does not). RE2-only syntax ((?P<name>...)) is
// rejected, "\pL" is "pL", as in JavaScript. Other case-insensitive
// operators fold case as JavaScript's toLowerCase does for ASCII, Latin-1,
// Latin Extended-A, Greek (without the final-sigma rule) and Cyrillic; other
// characters compare as they are. Paths see an object's own members and an
// array's indexes only (not JavaScript's "length" or prototype members).
//
// Two forms give the same answers: EvalCondition reads the condition Value on
// each call (for one-off checks; it compiles any regex it meets on every
// call), CompiledCondition parses it once (paths split, regexes compiled,
// version strings padded, operators resolved) and is what hot paths use.
// Thread-safety: EvalCondition is a pure function; a CompiledCondition is
// immutable, and Evaluate may be called concurrently from any thread.
//
//   auto cond = Value::Parse(R"({"country": {"$in": ["US", "CA"]}, "age": {"$gte": 18}})");
//   absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(*cond);
//   if (!compiled.ok()) return compiled.status();
//   bool show = compiled->Evaluate(attributes, saved_groups);
#ifndef MARQUEE_CAMPAIGN_CONDITION_H_
#define MARQUEE_CAMPAIGN_CONDITION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"

namespace marquee::campaign {

// Saved groups: group id -> the array of values its members have, the
// target of $inGroup / $notInGroup. An unknown id, or a value that is not an
// array, is an empty group.
using SavedGroups = std::map<std::string, Value, std::less<>>;

// The saved groups of a JSON object {"group_id": [values...], ...}.
// Errors: InvalidArgument (`groups` is not an object, or a member is not an
// array, naming the member).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<SavedGroups> SavedGroupsFromValue(
    const Value& groups);

// Conditions nest at most this deep (objects and arrays counted as in
// Value::depth()). A deeper condition does not compile, and EvalCondition
// returns false for it.
inline constexpr uint32_t kMaxConditionDepth = 64;

// Regular expressions of one condition: at most this many distinct
// patterns ($regex-family operands, a pattern and its case flag counted
// once however often they appear), of at most kMaxConditionRegexBytes bytes
// in all. A condition over either limit does not compile; within them each
// distinct pattern is compiled once. RE2 compiles each pattern within a
// 256 KiB memory budget; a pattern that needs more evaluates as an invalid
// one (false), as do patterns longer than 16 KiB.
inline constexpr size_t kMaxConditionRegexes = 64;
inline constexpr size_t kMaxConditionRegexBytes = 64 * 1024;

// Evaluates `condition` against `attributes`, reading the condition as it
// goes. A condition that is not an object, or is deeper than
// kMaxConditionDepth, is false. The empty object {} is true.
MARQUEE_EXPORT bool EvalCondition(const Value& attributes, const Value& condition,
                                  const SavedGroups& groups = {});

// A condition parsed once for repeated evaluation. Copying is cheap (the
// compiled tree is shared). A default-constructed CompiledCondition is {}:
// it matches every attribute set.
class MARQUEE_EXPORT CompiledCondition {
 public:
  CompiledCondition();

  // Compiles `condition`. Unknown operators and invalid regular expressions
  // are not errors: they compile to what they evaluate to (false).
  // Errors: InvalidArgument (condition is not an object, nests deeper than
  // kMaxConditionDepth, or has more regular expressions than
  // kMaxConditionRegexes / kMaxConditionRegexBytes allow, naming the limit).
  [[nodiscard]] static absl::StatusOr<CompiledCondition> Compile(const Value& condition);

  // Same answer as EvalCondition(attributes, condition, groups).
  bool Evaluate(const Value& attributes, const SavedGroups& groups = {}) const;

  // The condition this was compiled from.
  const Value& source() const;

 private:
  struct Node;  // the compiled tree, defined in condition_compile.cc

  std::shared_ptr<const Node> root_;
  Value source_;
};

// GrowthBook's paddedVersionString, the key versions compare by (as
// strings, in UTF-16 code unit order): a leading "v" and "+build" are
// dropped, the rest split at '.' and '-', numeric parts left-padded with
// spaces to 5 characters, and "~" appended to a plain x.y.z so it sorts after
// its pre-releases: "v1.2.3-rc.1+b7" -> "    1-    2-    3-rc-    1",
// "1.2.3" -> "    1-    2-    3-~". Numbers are written as JavaScript
// writes them; anything else that is not a non-empty string counts as "0".
MARQUEE_EXPORT std::string PaddedVersionString(const Value& version);
MARQUEE_EXPORT std::string PaddedVersionString(std::string_view version);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_CONDITION_H_
