// marquee/index.h — secondary indexes, index values and residual filters.
//
// A collection may declare secondary indexes: an ordered list of fields, each
// a JSON pointer (RFC 6901) into the body, ascending or descending. The
// record id is always the final tie-breaker, ascending. Values of different
// JSON types sort by a fixed type order:
//
//   missing < null < false < true < numbers < strings < arrays < objects
//
// Numbers compare as IEEE doubles (so integers beyond 2^53 may tie, and
// numbers beyond the double range, such as 1e400, are +-infinity); strings
// compare by their UTF-8 bytes; arrays and objects compare by their minified
// text, byte by byte (so "[1]" < "[]"). A field that is absent from a body is
// `missing` and sorts first. When an object repeats a key, the last
// occurrence is the field's value, as in PostgreSQL's jsonb.
// Thread-safety: values.
//
//   marquee::IndexSpec by_priority{
//       .collection = "campaigns", .name = "by_priority",
//       .fields = {{"/priority", marquee::SortOrder::kDescending}, {"/name"}}};
//   MARQUEE_RETURN_IF_ERROR(store->DefineIndex(by_priority));
#ifndef MARQUEE_INDEX_H_
#define MARQUEE_INDEX_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee {

// One value of an index field, in the type order documented above.
class MARQUEE_EXPORT IndexValue {
 public:
  enum class Type : uint8_t { kMissing, kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };

  IndexValue() = default;  // missing
  static IndexValue Missing() { return IndexValue(); }
  static IndexValue Null() { return IndexValue(Type::kNull); }
  static IndexValue Bool(bool b) { return IndexValue(b ? Type::kTrue : Type::kFalse); }
  // -0.0 becomes 0.0; NaN, which JSON cannot hold, becomes Null().
  static IndexValue Number(double d);
  static IndexValue String(std::string s);
  // `minified_json` must be the minified text of an array (or object).
  static IndexValue Array(std::string minified_json);
  static IndexValue Object(std::string minified_json);
  // The value of a JSON scalar or container given as text (e.g. "3", "\"a\"").
  // Errors: InvalidArgument (malformed JSON).
  [[nodiscard]] static absl::StatusOr<IndexValue> FromJson(std::string_view json_text);

  Type type() const { return type_; }
  double number() const { return number_; }
  // The string, or the minified text of an array or object.
  const std::string& text() const { return text_; }
  // The value as JSON text ("missing" has none and gives ""). Numbers use
  // the shortest form that reads back to the same double; infinity, which
  // JSON cannot write, is written 1e999 (which reads back to infinity).
  // Invalid UTF-8 in a string is written as U+FFFD.
  std::string ToJson() const;

  // Total order: by type, then by value within a type.
  friend std::strong_ordering operator<=>(const IndexValue& a, const IndexValue& b);
  friend bool operator==(const IndexValue& a, const IndexValue& b) {
    return (a <=> b) == std::strong_ordering::equal;
  }

 private:
  explicit IndexValue(Type t) : type_(t) {}
  Type type_ = Type::kMissing;
  double number_ = 0;
  std::string text_;
};

enum class SortOrder : uint8_t { kAscending, kDescending };

struct IndexField {
  // JSON pointer into the body, e.g. "/schedule/start". "" is the whole body.
  std::string pointer{};
  // Default: kAscending.
  SortOrder order = SortOrder::kAscending;

  friend bool operator==(const IndexField&, const IndexField&) = default;
};

struct IndexSpec {
  std::string collection{};
  // Unique within the collection; [A-Za-z0-9_.-], 1..64 bytes. The name ""
  // is reserved for the primary order (by id).
  std::string name{};
  // 1..8 fields; the id follows them as the final tie-breaker.
  std::vector<IndexField> fields{};

  friend bool operator==(const IndexSpec&, const IndexSpec&) = default;
};

// Checks names, pointers (RFC 6901 syntax) and the field count.
// Errors: InvalidArgument naming what is wrong.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateIndexSpec(const IndexSpec& spec);

// A predicate evaluated on each scanned record's body (not an index range).
enum class PredicateOp : uint8_t {
  kEq,      // value == operands[0]
  kNe,      // value != operands[0] (a missing field is != anything but missing)
  kLt,      // value < operands[0], only between values of the same type
            // (false and true count as one type, boolean, with false < true)
  kLe,
  kGt,
  kGe,
  kIn,      // value equals one of operands (none: matches nothing)
  kExists,  // field present (operands empty)
  kPrefix,  // string value starting with operands[0]'s string
  kContains,  // an array value with an element equal to operands[0], a
              // scalar (null, boolean, number or string): {"tags":["a","b"]}
              // contains "a"; a value that is not an array never does
};

struct Predicate {
  std::string pointer{};  // JSON pointer into the body
  PredicateOp op = PredicateOp::kEq;
  std::vector<IndexValue> operands{};
};

// A conjunction of predicates; empty matches everything.
struct Filter {
  std::vector<Predicate> all_of{};
};

// Checks pointers and operands: kEq and kNe take one operand; kLt, kLe, kGt
// and kGe one boolean, number or string; kPrefix one string; kContains one
// scalar; kExists none; kIn any number.
// Errors: InvalidArgument naming what is wrong.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateFilter(const Filter& filter);

// True when `body` satisfies every predicate of `filter`.
// REQUIRES: ValidateFilter(filter).ok().
MARQUEE_EXPORT bool Matches(const Filter& filter, const Json& body);

// The value at `pointer` in `body`; Missing() when absent.
// Errors: InvalidArgument (malformed pointer).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<IndexValue> ValueAt(const Json& body,
                                                                std::string_view pointer);

}  // namespace marquee

#endif  // MARQUEE_INDEX_H_
