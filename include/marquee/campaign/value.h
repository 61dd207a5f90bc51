// marquee/campaign/value.h — immutable JSON values for targeting.
//
// A Value is one JSON value (null, boolean, number, string, array or object)
// held in memory, ready to be evaluated: user attributes, conditions,
// feature values and forced values are all Values. Strings, arrays and
// objects are shared and immutable, so copying a Value is at most a
// reference-count increment; scalars are stored inline. Numbers are doubles
// (as in JavaScript, whose SDK defines the semantics this library follows).
// Object members keep the order JavaScript's JSON.parse gives them: keys
// that are array indexes ("0", "17", up to 4294967294) first in ascending
// numeric order, then the other keys in document order; a key written twice
// keeps its first position and its last value. Object lookup is a linear
// scan for small objects and a hash lookup for large ones.
// Thread-safety: values; a Value is immutable and may be read from any thread.
//
//   absl::StatusOr<Value> attrs = Value::Parse(R"({"user": {"id": "u1", "age": 30}})");
//   if (!attrs.ok()) return attrs.status();
//   const Value* age = attrs->GetPath("user.age");     // nullptr when absent
//   if (age != nullptr && age->is_number()) use(age->as_number());
//   std::string text = attrs->ToJsonText();             // {"user":{"id":"u1","age":30}}
#ifndef MARQUEE_CAMPAIGN_VALUE_H_
#define MARQUEE_CAMPAIGN_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee::campaign {

enum class ValueType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// "null", "boolean", "number", "string", "array", "object".
MARQUEE_EXPORT std::string_view ValueTypeName(ValueType type);

// Values nest at most this deep: Value::Parse and Value::FromJson reject
// deeper documents, and Value::Array / Value::Object replace an element that
// would nest deeper by null. Evaluation code relies on it to bound its
// recursion.
inline constexpr uint32_t kMaxValueDepth = 256;

// Bounds applied by Value::FromJson and Value::Parse to input from outside.
// Exceeding one is an error naming the limit, never a truncated Value.
struct ValueLimits {
  // Largest accepted document, in bytes of JSON text. Default: 16 MiB.
  size_t max_bytes = size_t{16} << 20;
  // Deepest accepted nesting of arrays and objects ("[[1]]" has depth 2).
  // Values above kMaxValueDepth are clamped to it. Default: 64.
  uint32_t max_depth = 64;
};

class MARQUEE_EXPORT Value {
 public:
  // One member of an object.
  using Member = std::pair<std::string, Value>;

  // null.
  Value() = default;

  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Number(double d);
  static Value String(std::string s);
  // An array of `elements`. Errors: none; REQUIRES: every element nests at
  // most kMaxValueDepth - 1 deep (an element that does not is replaced by
  // null, so the result never nests deeper than kMaxValueDepth).
  static Value Array(std::vector<Value> elements);
  // An object of `members`, reordered and de-duplicated as JSON.parse does
  // (see the file comment). Same depth rule as Array.
  static Value Object(std::vector<Member> members);

  // The value of a validated JSON document.
  // Errors: InvalidArgument (nesting deeper than limits.max_depth, or than
  // kMaxValueDepth, naming the limit and the path where it was exceeded),
  // OutOfRange (document longer than limits.max_bytes),
  // ResourceExhausted (out of memory).
  [[nodiscard]] static absl::StatusOr<Value> FromJson(const Json& json,
                                                      const ValueLimits& limits = {});
  // Json::Parse (with the same limits, max_depth clamped to kMaxValueDepth)
  // followed by FromJson.
  // Errors: those of Json::Parse (a nesting error names the limit and the
  // byte offset) and FromJson.
  [[nodiscard]] static absl::StatusOr<Value> Parse(std::string_view text,
                                                   const ValueLimits& limits = {});

  // Minified JSON text, as JavaScript's JSON.stringify writes it: numbers in
  // JavaScript's shortest form (1, 0.5, 1e+21), NaN and infinities as null.
  std::string ToJsonText() const;
  // The same text as a Json.
  // Errors: InvalidArgument (a string of a Value built by hand is not valid
  // UTF-8), ResourceExhausted (out of memory).
  [[nodiscard]] absl::StatusOr<Json> ToJson() const;

  ValueType type() const { return type_; }
  bool is_null() const { return type_ == ValueType::kNull; }
  bool is_bool() const { return type_ == ValueType::kBool; }
  bool is_number() const { return type_ == ValueType::kNumber; }
  bool is_string() const { return type_ == ValueType::kString; }
  bool is_array() const { return type_ == ValueType::kArray; }
  bool is_object() const { return type_ == ValueType::kObject; }

  // Scalar accessors; each returns the zero value (false, 0, "") when the
  // Value is of another type.
  bool as_bool() const { return type_ == ValueType::kBool && scalar_.b; }
  double as_number() const { return type_ == ValueType::kNumber ? scalar_.d : 0.0; }
  std::string_view as_string() const;

  // Elements of an array, members of an object; 0 for any other type.
  size_t size() const;
  // The array's elements (empty for non-arrays). Valid while this Value lives.
  std::span<const Value> elements() const;
  // The object's members in order (empty for non-objects).
  std::span<const Member> members() const;
  // Element i of an array, or null when out of range or not an array.
  const Value& At(size_t i) const;
  // The member `key` of an object; nullptr when absent or not an object.
  const Value* Find(std::string_view key) const;

  // GrowthBook's getPath: follows a dot-separated path ("user.address.city")
  // through objects, and through arrays by canonical index ("tags.0").
  // Returns nullptr when a step is missing or is not an object or array.
  // The empty path names the member "" of an object.
  const Value* GetPath(std::string_view path) const;

  // Nesting of arrays and objects: 0 for scalars, 1 for [] and [1], ...
  uint32_t depth() const;

  // Deep equality as JSON.stringify(a) === JSON.stringify(b) decides it:
  // same type, numbers equal (0 == -0; NaN and infinities equal null, as
  // stringify writes them), strings byte-equal, arrays element-wise, objects
  // with the same keys in the same order and equal values.
  friend MARQUEE_EXPORT bool operator==(const Value& a, const Value& b);

 private:
  struct Rep;  // shared payload of strings, arrays and objects, in value.cc

  ValueType type_ = ValueType::kNull;
  union Scalar {
    bool b;
    double d;
  } scalar_{.d = 0};
  std::shared_ptr<const Rep> rep_;  // strings, arrays and objects only
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_VALUE_H_
