// Typed member access for GrowthBook JSON objects (json_fields_internal.h).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "campaign/json_fields_internal.h"
#include "internal/absl_strings.h"

namespace marquee::campaign::internal {
namespace {

using ::marquee::internal::Sv;

std::string IndexPath(std::string_view path, size_t i) { return absl::StrCat(Sv(path), "[", i, "]"); }

bool IsInt(double d) {
  return std::isfinite(d) && std::floor(d) == d && d >= -2147483648.0 && d <= 2147483647.0;
}

std::optional<BucketRange> ReadRange(const Value& v, std::string_view path, absl::Status& status) {
  if (!v.is_array() || v.size() != 2 || !v.At(0).is_number() || !v.At(1).is_number()) {
    status = absl::InvalidArgumentError(
        absl::StrCat(Sv(path), ": expected a range [start, end] of two numbers"));
    return std::nullopt;
  }
  return BucketRange{.start = v.At(0).as_number(), .end = v.At(1).as_number()};
}

}  // namespace

absl::Status TypeError(std::string_view path, std::string_view expected, const Value& got) {
  return absl::InvalidArgumentError(
      absl::StrCat(Sv(path), ": expected ", Sv(expected), ", got ", Sv(ValueTypeName(got.type()))));
}

FieldReader::FieldReader(const Value& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) status_ = TypeError(path_, "an object", object_);
}

std::string FieldReader::FieldPath(std::string_view key) const {
  return absl::StrCat(path_, ".", Sv(key));
}

void FieldReader::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

const Value* FieldReader::Lookup(std::string_view key) {
  if (!status_.ok()) return nullptr;
  read_.push_back(key);
  return object_.Find(key);
}

const Value* FieldReader::Any(std::string_view key) { return Lookup(key); }

std::optional<std::string> FieldReader::String(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Fail(TypeError(FieldPath(key), "a string", *v));
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::optional<double> FieldReader::Number(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    Fail(TypeError(FieldPath(key), "a number", *v));
    return std::nullopt;
  }
  return v->as_number();
}

std::optional<int> FieldReader::Integer(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number() || !IsInt(v->as_number())) {
    Fail(v->is_number() ? absl::InvalidArgumentError(absl::StrCat(
                              FieldPath(key), ": expected an integer, got ", v->ToJsonText()))
                        : TypeError(FieldPath(key), "an integer", *v));
    return std::nullopt;
  }
  return static_cast<int>(v->as_number());
}

std::optional<bool> FieldReader::Bool(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    Fail(TypeError(FieldPath(key), "a boolean", *v));
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::vector<Value>> FieldReader::Array(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) {
    Fail(TypeError(FieldPath(key), "an array", *v));
    return std::nullopt;
  }
  return std::vector<Value>(v->elements().begin(), v->elements().end());
}

std::optional<std::vector<double>> FieldReader::Numbers(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  const std::string path = FieldPath(key);
  if (!v->is_array()) {
    Fail(TypeError(path, "an array of numbers", *v));
    return std::nullopt;
  }
  std::vector<double> out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    if (!v->At(i).is_number()) {
      Fail(TypeError(IndexPath(path, i), "a number", v->At(i)));
      return std::nullopt;
    }
    out.push_back(v->At(i).as_number());
  }
  return out;
}

std::optional<std::vector<std::string>> FieldReader::Strings(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  const std::string path = FieldPath(key);
  if (!v->is_array()) {
    Fail(TypeError(path, "an array of strings", *v));
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    if (!v->At(i).is_string()) {
      Fail(TypeError(IndexPath(path, i), "a string", v->At(i)));
      return std::nullopt;
    }
    out.emplace_back(v->At(i).as_string());
  }
  return out;
}

std::optional<BucketRange> FieldReader::Range(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  absl::Status status;
  std::optional<BucketRange> r = ReadRange(*v, FieldPath(key), status);
  if (!status.ok()) Fail(std::move(status));
  return r;
}

std::optional<std::vector<BucketRange>> FieldReader::Ranges(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  const std::string path = FieldPath(key);
  if (!v->is_array()) {
    Fail(TypeError(path, "an array of ranges", *v));
    return std::nullopt;
  }
  std::vector<BucketRange> out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    absl::Status status;
    std::optional<BucketRange> r = ReadRange(v->At(i), IndexPath(path, i), status);
    if (!r) {
      Fail(std::move(status));
      return std::nullopt;
    }
    out.push_back(*r);
  }
  return out;
}

std::optional<Namespace> FieldReader::NamespaceField(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array() || v->size() != 3 || !v->At(0).is_string() || !v->At(1).is_number() ||
      !v->At(2).is_number()) {
    Fail(absl::InvalidArgumentError(
        absl::StrCat(FieldPath(key), ": expected a namespace [id, start, end]")));
    return std::nullopt;
  }
  return Namespace{.id = std::string(v->At(0).as_string()),
                   .start = v->At(1).as_number(),
                   .end = v->At(2).as_number()};
}

std::optional<CompiledCondition> FieldReader::Condition(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(*v);
  if (!c.ok()) {
    Fail(absl::InvalidArgumentError(absl::StrCat(FieldPath(key), ": ", c.status().message())));
    return std::nullopt;
  }
  return *std::move(c);
}

std::optional<std::vector<VariationMeta>> FieldReader::Meta(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  const std::string path = FieldPath(key);
  if (!v->is_array()) {
    Fail(TypeError(path, "an array", *v));
    return std::nullopt;
  }
  std::vector<VariationMeta> out;
  for (size_t i = 0; i < v->size(); ++i) {
    FieldReader r(v->At(i), IndexPath(path, i));
    VariationMeta m;
    m.key = r.String("key");
    m.name = r.String("name");
    m.passthrough = r.Bool("passthrough");
    m.extra = r.Extra();
    m.member_order = r.MemberOrder();
    if (!r.status().ok()) {
      Fail(r.status());
      return std::nullopt;
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<std::vector<BucketFilter>> FieldReader::Filters(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  const std::string path = FieldPath(key);
  if (!v->is_array()) {
    Fail(TypeError(path, "an array", *v));
    return std::nullopt;
  }
  std::vector<BucketFilter> out;
  for (size_t i = 0; i < v->size(); ++i) {
    FieldReader r(v->At(i), IndexPath(path, i));
    BucketFilter f;
    std::optional<std::string> seed = r.String("seed");
    std::optional<std::vector<BucketRange>> ranges = r.Ranges("ranges");
    f.hash_version = r.Integer("hashVersion");
    f.attribute = r.String("attribute");
    f.extra = r.Extra();
    f.member_order = r.MemberOrder();
    if (r.status().ok() && !seed) r.Fail(absl::InvalidArgumentError(r.FieldPath("seed") + ": missing"));
    if (r.status().ok() && !ranges) {
      r.Fail(absl::InvalidArgumentError(r.FieldPath("ranges") + ": missing"));
    }
    if (!r.status().ok()) {
      Fail(r.status());
      return std::nullopt;
    }
    f.seed = *std::move(seed);
    f.ranges = *std::move(ranges);
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<std::vector<ParentCondition>> FieldReader::ParentConditions(std::string_view key) {
  const Value* v = Lookup(key);
  if (v == nullptr) return std::nullopt;
  const std::string path = FieldPath(key);
  if (!v->is_array()) {
    Fail(TypeError(path, "an array", *v));
    return std::nullopt;
  }
  std::vector<ParentCondition> out;
  for (size_t i = 0; i < v->size(); ++i) {
    FieldReader r(v->At(i), IndexPath(path, i));
    ParentCondition p;
    std::optional<std::string> id = r.String("id");
    std::optional<CompiledCondition> condition = r.Condition("condition");
    p.gate = r.Bool("gate");
    p.extra = r.Extra();
    p.member_order = r.MemberOrder();
    if (r.status().ok() && !id) r.Fail(absl::InvalidArgumentError(r.FieldPath("id") + ": missing"));
    if (r.status().ok() && !condition) {
      r.Fail(absl::InvalidArgumentError(r.FieldPath("condition") + ": missing"));
    }
    if (!r.status().ok()) {
      Fail(r.status());
      return std::nullopt;
    }
    p.id = *std::move(id);
    p.condition = *std::move(condition);
    out.push_back(std::move(p));
  }
  return out;
}

Value FieldReader::Extra() const {
  if (!object_.is_object()) return Value();
  std::vector<Value::Member> rest;
  for (const Value::Member& m : object_.members()) {
    if (std::find(read_.begin(), read_.end(), m.first) == read_.end()) rest.push_back(m);
  }
  if (rest.empty()) return Value();
  return Value::Object(std::move(rest));
}

std::vector<std::string> FieldReader::MemberOrder() const {
  std::vector<std::string> order;
  order.reserve(object_.size());
  for (const Value::Member& m : object_.members()) order.push_back(m.first);
  return order;
}

Value NumbersToValue(const std::vector<double>& numbers) {
  std::vector<Value> out;
  out.reserve(numbers.size());
  for (double d : numbers) out.push_back(Value::Number(d));
  return Value::Array(std::move(out));
}

Value RangeToValue(const BucketRange& range) {
  return Value::Array({Value::Number(range.start), Value::Number(range.end)});
}

void FieldWriter::Put(std::string_view key, Value value) {
  members_.emplace_back(std::string(key), std::move(value));
}

void FieldWriter::PutString(std::string_view key, const std::optional<std::string>& value) {
  if (value) Put(key, Value::String(*value));
}

void FieldWriter::PutNumber(std::string_view key, const std::optional<double>& value) {
  if (value) Put(key, Value::Number(*value));
}

void FieldWriter::PutInteger(std::string_view key, const std::optional<int>& value) {
  if (value) Put(key, Value::Number(*value));
}

void FieldWriter::PutBool(std::string_view key, const std::optional<bool>& value) {
  if (value) Put(key, Value::Bool(*value));
}

void FieldWriter::PutNumbers(std::string_view key,
                             const std::optional<std::vector<double>>& value) {
  if (value) Put(key, NumbersToValue(*value));
}

void FieldWriter::PutValues(std::string_view key, const std::optional<std::vector<Value>>& value) {
  if (value) Put(key, Value::Array(*value));
}

void FieldWriter::PutRange(std::string_view key, const std::optional<BucketRange>& value) {
  if (value) Put(key, RangeToValue(*value));
}

void FieldWriter::PutRanges(std::string_view key,
                            const std::optional<std::vector<BucketRange>>& value) {
  if (!value) return;
  std::vector<Value> out;
  for (const BucketRange& r : *value) out.push_back(RangeToValue(r));
  Put(key, Value::Array(std::move(out)));
}

void FieldWriter::PutNamespace(std::string_view key, const std::optional<Namespace>& value) {
  if (!value) return;
  Put(key, Value::Array({Value::String(value->id), Value::Number(value->start),
                         Value::Number(value->end)}));
}

void FieldWriter::PutCondition(std::string_view key,
                               const std::optional<CompiledCondition>& value) {
  if (value) Put(key, value->source());
}

namespace {

// An array of objects, one per element: `fill` writes an element's known
// members, then its unknown ones (`extra`) are kept.
template <typename T, typename Fill>
Value ObjectArray(const std::vector<T>& items, Fill fill) {
  std::vector<Value> out;
  out.reserve(items.size());
  for (const T& item : items) {
    FieldWriter w;
    fill(item, w);
    out.push_back(w.Finish(item.extra, item.member_order));
  }
  return Value::Array(std::move(out));
}

}  // namespace

void FieldWriter::PutMeta(std::string_view key,
                          const std::optional<std::vector<VariationMeta>>& value) {
  if (!value) return;
  Put(key, ObjectArray(*value, [](const VariationMeta& m, FieldWriter& w) {
        w.PutString("key", m.key);
        w.PutString("name", m.name);
        w.PutBool("passthrough", m.passthrough);
      }));
}

void FieldWriter::PutFilters(std::string_view key,
                             const std::optional<std::vector<BucketFilter>>& value) {
  if (!value) return;
  Put(key, ObjectArray(*value, [](const BucketFilter& f, FieldWriter& w) {
        w.PutString("seed", f.seed);
        w.PutRanges("ranges", f.ranges);
        w.PutInteger("hashVersion", f.hash_version);
        w.PutString("attribute", f.attribute);
      }));
}

void FieldWriter::PutParentConditions(std::string_view key,
                                      const std::optional<std::vector<ParentCondition>>& value) {
  if (!value) return;
  Put(key, ObjectArray(*value, [](const ParentCondition& p, FieldWriter& w) {
        w.PutString("id", p.id);
        w.Put("condition", p.condition.source());
        w.PutBool("gate", p.gate);
      }));
}

Value FieldWriter::Finish(const Value& extra, const std::vector<std::string>& order) {
  for (const Value::Member& m : extra.members()) members_.push_back(m);
  if (order.empty()) return Value::Object(std::move(members_));
  // Hashed positions: an object read from outside may have many members.
  absl::flat_hash_map<std::string_view, size_t> index;
  index.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) index.emplace(order[i], i);
  std::vector<std::pair<size_t, Value::Member*>> ranked;
  ranked.reserve(members_.size());
  for (Value::Member& m : members_) {
    const auto it = index.find(m.first);
    ranked.emplace_back(it == index.end() ? order.size() : it->second, &m);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Value::Member> sorted;
  sorted.reserve(ranked.size());
  for (const auto& [rank, m] : ranked) sorted.push_back(std::move(*m));
  return Value::Object(std::move(sorted));
}

}  // namespace marquee::campaign::internal
