// Reading and writing the members of GrowthBook JSON objects (features,
// rules, experiments) with errors that name the field, and with the members
// nobody asked for kept aside so they can be written back unchanged.
#ifndef MARQUEE_SRC_CAMPAIGN_JSON_FIELDS_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_JSON_FIELDS_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/hashing.h"
#include "marquee/campaign/value.h"

namespace marquee::campaign::internal {

// Reads typed members of one object. The first error wins and later reads
// return nothing; check status() at the end.
class FieldReader {
 public:
  // `path` names the object in messages ("features.x.rules[0]").
  FieldReader(const Value& object, std::string path);

  const absl::Status& status() const { return status_; }
  const std::string& path() const { return path_; }
  std::string FieldPath(std::string_view key) const;

  // Each returns nullopt / nullptr when the member is absent, and records
  // InvalidArgument when it has the wrong type.
  const Value* Any(std::string_view key);
  std::optional<std::string> String(std::string_view key);
  std::optional<double> Number(std::string_view key);
  std::optional<int> Integer(std::string_view key);
  std::optional<bool> Bool(std::string_view key);
  std::optional<std::vector<Value>> Array(std::string_view key);
  std::optional<std::vector<double>> Numbers(std::string_view key);
  std::optional<BucketRange> Range(std::string_view key);
  std::optional<std::vector<BucketRange>> Ranges(std::string_view key);
  std::optional<Namespace> NamespaceField(std::string_view key);
  std::optional<CompiledCondition> Condition(std::string_view key);
  std::optional<std::vector<VariationMeta>> Meta(std::string_view key);
  std::optional<std::vector<BucketFilter>> Filters(std::string_view key);
  std::optional<std::vector<ParentCondition>> ParentConditions(std::string_view key);

  // The members not read so far, as an object; null when there are none.
  Value Extra() const;

  // Records `status` unless an error is already recorded.
  void Fail(absl::Status status);

 private:
  const Value* Lookup(std::string_view key);

  const Value& object_;
  std::string path_;
  std::vector<std::string_view> read_;
  absl::Status status_;
};

// "expected a number, got string" style message for `path`.
absl::Status TypeError(std::string_view path, std::string_view expected, const Value& got);

// Builds an object member by member; Finish appends `extra`'s members.
class FieldWriter {
 public:
  void Put(std::string_view key, Value value);
  void PutString(std::string_view key, const std::optional<std::string>& value);
  void PutNumber(std::string_view key, const std::optional<double>& value);
  void PutInteger(std::string_view key, const std::optional<int>& value);
  void PutBool(std::string_view key, const std::optional<bool>& value);
  void PutNumbers(std::string_view key, const std::optional<std::vector<double>>& value);
  void PutValues(std::string_view key, const std::optional<std::vector<Value>>& value);
  void PutRange(std::string_view key, const std::optional<BucketRange>& value);
  void PutRanges(std::string_view key, const std::optional<std::vector<BucketRange>>& value);
  void PutNamespace(std::string_view key, const std::optional<Namespace>& value);
  void PutCondition(std::string_view key, const std::optional<CompiledCondition>& value);
  void PutMeta(std::string_view key, const std::optional<std::vector<VariationMeta>>& value);
  void PutFilters(std::string_view key, const std::optional<std::vector<BucketFilter>>& value);
  void PutParentConditions(std::string_view key,
                           const std::optional<std::vector<ParentCondition>>& value);
  Value Finish(const Value& extra);

 private:
  std::vector<Value::Member> members_;
};

Value NumbersToValue(const std::vector<double>& numbers);
Value RangeToValue(const BucketRange& range);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_JSON_FIELDS_INTERNAL_H_
