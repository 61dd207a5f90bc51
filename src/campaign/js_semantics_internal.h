// JavaScript's coercions, as GrowthBook's reference SDK (JavaScript) applies
// them to JSON values: String(v), Number(v), truthiness, ===, <, and
// String.prototype.toLowerCase. Conditions are specified by what that SDK
// does, so these functions are the definition of "type coercions as
// specified" for both the interpreted and the compiled condition forms.
#ifndef MARQUEE_SRC_CAMPAIGN_JS_SEMANTICS_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_JS_SEMANTICS_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marquee/campaign/value.h"

namespace marquee::campaign::internal {

// Number.prototype.toString(): "1", "0.5", "1e+21", "1.5e-7", "NaN",
// "-Infinity"; -0 is "0".
std::string JsNumberToString(double d);

// String(v): null -> "null", arrays joined with "," (null elements empty),
// objects "[object Object]".
std::string JsToString(const Value& v);
// Appends String(v) to `out`.
void AppendJsString(const Value& v, std::string* out);

// Number(s) for a string: whitespace-trimmed decimal literal, "Infinity",
// 0x / 0o / 0b integers; "" is 0; anything else NaN.
double JsStringToNumber(std::string_view s);
// Number(v): null 0, booleans 0/1, strings as above, arrays through their
// String(), objects NaN.
double JsToNumber(const Value& v);

// Boolean(v): false for null, false, 0, NaN and "".
bool JsTruthy(const Value& v);

// a === b: same type and value for scalars; never for arrays and objects
// (two parsed documents never share an object).
bool JsStrictEquals(const Value& a, const Value& b);

// The abstract relational comparison a < b: nullopt when it is undefined
// (a NaN was involved), which makes <, <=, > and >= all false.
std::optional<bool> JsLessThan(const Value& a, const Value& b);
bool JsLt(const Value& a, const Value& b);
bool JsLte(const Value& a, const Value& b);
bool JsGt(const Value& a, const Value& b);
bool JsGte(const Value& a, const Value& b);

// Strings compared as JavaScript compares them: by UTF-16 code units.
// Negative, zero or positive.
int CompareUtf16(std::string_view a, std::string_view b);

// String.prototype.toLowerCase for ASCII, Latin-1, Latin Extended-A, Greek
// (without the final-sigma rule) and Cyrillic; other characters unchanged.
std::string JsToLowerCase(std::string_view s);

// The characters of s as JavaScript indexes them (UTF-16 code units), each
// as a one-unit string; a surrogate half is written as its WTF-8 bytes, so it
// equals no valid string, as in JavaScript. The units are produced one at a
// time so that a long string never becomes one object per unit.
class JsStringUnitCursor {
 public:
  explicit JsStringUnitCursor(std::string_view s) : s_(s) {}
  // The next unit into *unit; false (and *unit empty) past the end.
  bool Next(std::string* unit);

 private:
  std::string_view s_;
  size_t pos_ = 0;
  uint32_t pending_low_ = 0;  // the low surrogate of a split code point
};
// s.length in UTF-16 code units.
size_t JsStringLength(std::string_view s);

// typeof, as GrowthBook's getType reports it: "null", "array", "boolean",
// "number", "string", "object".
std::string_view JsTypeName(const Value& v);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_JS_SEMANTICS_INTERNAL_H_
