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
#include "absl/status/statusor.h"
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
  std::optional<std::vector<std::string>> Strings(std::string_view key);
  std::optional<BucketRange> Range(std::string_view key);
  std::optional<std::vector<BucketRange>> Ranges(std::string_view key);
  std::optional<Namespace> NamespaceField(std::string_view key);
  std::optional<CompiledCondition> Condition(std::string_view key);
  std::optional<std::vector<VariationMeta>> Meta(std::string_view key);
  std::optional<std::vector<BucketFilter>> Filters(std::string_view key);
  std::optional<std::vector<ParentCondition>> ParentConditions(std::string_view key);

  // The members not read so far, as an object; null when there are none.
  Value Extra() const;
  // The keys of the object, in order (what *::member_order keeps).
  std::vector<std::string> MemberOrder() const;

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

// Builds an object member by member; Finish appends `extra`'s members and
// puts the members in `order` (keys not in it last, as written).
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
  Value Finish(const Value& extra, const std::vector<std::string>& order = {});

 private:
  std::vector<Value::Member> members_;
};

// The fields experiments and experiment rules share (hashing, bucketing,
// targeting and meta), read from `r` into `out` (an Experiment or a
// FeatureRule) and written back: one list, so the two cannot drift apart.
template <typename T>
void ReadSharedExperimentFields(FieldReader& r, T& out) {
  out.weights = r.Numbers("weights");
  out.coverage = r.Number("coverage");
  out.ranges = r.Ranges("ranges");
  out.condition = r.Condition("condition");
  out.parent_conditions = r.ParentConditions("parentConditions");
  out.ns = r.NamespaceField("namespace");
  out.filters = r.Filters("filters");
  out.hash_attribute = r.String("hashAttribute");
  out.fallback_attribute = r.String("fallbackAttribute");
  out.hash_version = r.Integer("hashVersion");
  out.meta = r.Meta("meta");
  out.seed = r.String("seed");
  out.name = r.String("name");
  out.phase = r.String("phase");
  out.disable_sticky_bucketing = r.Bool("disableStickyBucketing");
  out.bucket_version = r.Integer("bucketVersion");
  out.min_bucket_version = r.Integer("minBucketVersion");
}

template <typename T>
void WriteSharedExperimentFields(const T& in, FieldWriter& w) {
  w.PutNumbers("weights", in.weights);
  w.PutNumber("coverage", in.coverage);
  w.PutRanges("ranges", in.ranges);
  w.PutCondition("condition", in.condition);
  w.PutParentConditions("parentConditions", in.parent_conditions);
  w.PutNamespace("namespace", in.ns);
  w.PutFilters("filters", in.filters);
  w.PutString("hashAttribute", in.hash_attribute);
  w.PutString("fallbackAttribute", in.fallback_attribute);
  w.PutInteger("hashVersion", in.hash_version);
  w.PutMeta("meta", in.meta);
  w.PutString("seed", in.seed);
  w.PutString("name", in.name);
  w.PutString("phase", in.phase);
  w.PutBool("disableStickyBucketing", in.disable_sticky_bucketing);
  w.PutInteger("bucketVersion", in.bucket_version);
  w.PutInteger("minBucketVersion", in.min_bucket_version);
}

// ExperimentFromValue, with "variations" optional when `require_variations`
// is false (the experiments of FeatureRule::tracks).
absl::StatusOr<Experiment> ExperimentFromValue(const Value& value, std::string_view path,
                                               bool require_variations);

// The result object of FeatureRule::tracks: the members
// ExperimentResultToValue writes, each optional. Errors: InvalidArgument
// naming the field (not an object, a member of the wrong type).
absl::StatusOr<ExperimentResult> ExperimentResultFromValue(const Value& value,
                                                           std::string_view path);

Value NumbersToValue(const std::vector<double>& numbers);
Value RangeToValue(const BucketRange& range);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_JSON_FIELDS_INTERNAL_H_
