// The byte encoding of index keys orders rows exactly as IndexValue's order
// (and its reverse for descending fields), with the id as tie-breaker.
#include "internal/index_key.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace marquee::internal {
namespace {

std::vector<IndexValue> SampleValues() {
  std::vector<IndexValue> v = {
      IndexValue::Missing(), IndexValue::Null(), IndexValue::Bool(false), IndexValue::Bool(true),
      IndexValue::Number(-std::numeric_limits<double>::infinity()),
      IndexValue::Number(-1e300), IndexValue::Number(-2.5), IndexValue::Number(-1),
      IndexValue::Number(-0.0), IndexValue::Number(0), IndexValue::Number(1e-300),
      IndexValue::Number(1), IndexValue::Number(2.5), IndexValue::Number(9007199254740993.0),
      IndexValue::Number(1e300), IndexValue::String(""), IndexValue::String(std::string("\0", 1)),
      IndexValue::String(std::string("a\0", 2)), IndexValue::String("a"), IndexValue::String("ab"),
      IndexValue::String("b"), IndexValue::String("\xC3\xA9"), IndexValue::String("\xFF\xFF"),
      IndexValue::Array("[]"), IndexValue::Array("[1]"), IndexValue::Array("[1,2]"),
      IndexValue::Object("{}"), IndexValue::Object("{\"a\":1}")};
  return v;
}

int Sign(std::strong_ordering o) { return o < 0 ? -1 : (o > 0 ? 1 : 0); }
int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

TEST_CASE("ascending encoding preserves the value order for every pair") {
  auto values = SampleValues();
  for (const auto& a : values) {
    for (const auto& b : values) {
      std::string ka, kb;
      AppendIndexValue(a, SortOrder::kAscending, &ka);
      AppendIndexValue(b, SortOrder::kAscending, &kb);
      CHECK(Sign(ka.compare(kb)) == Sign(a <=> b));
    }
  }
}

TEST_CASE("descending encoding reverses the value order for every pair") {
  auto values = SampleValues();
  for (const auto& a : values) {
    for (const auto& b : values) {
      std::string ka, kb;
      AppendIndexValue(a, SortOrder::kDescending, &ka);
      AppendIndexValue(b, SortOrder::kDescending, &kb);
      CHECK(Sign(ka.compare(kb)) == -Sign(a <=> b));
    }
  }
}

TEST_CASE("multi-field keys order by each field in its direction, then by id") {
  std::mt19937 rng(7);
  auto values = SampleValues();
  std::vector<IndexField> fields = {{"/a", SortOrder::kDescending}, {"/b", SortOrder::kAscending}};
  struct Row {
    IndexValue a, b;
    std::string id;
  };
  std::vector<Row> rows;
  for (int i = 0; i < 2000; ++i) {
    rows.push_back({values[rng() % 6], values[rng() % values.size()], std::string(1, 'a' + rng() % 3)});
  }
  auto model_less = [](const Row& x, const Row& y) {
    if (auto c = x.a <=> y.a; c != 0) return c > 0;  // descending
    if (auto c = x.b <=> y.b; c != 0) return c < 0;
    return x.id < y.id;
  };
  std::vector<Row> by_model = rows;
  std::stable_sort(by_model.begin(), by_model.end(), model_less);
  std::vector<std::pair<std::string, size_t>> keyed;
  for (size_t i = 0; i < by_model.size(); ++i) {
    keyed.emplace_back(EncodeIndexKey({by_model[i].a, by_model[i].b}, fields, by_model[i].id), i);
  }
  for (size_t i = 1; i < keyed.size(); ++i) {
    const bool model_equal = !model_less(by_model[i - 1], by_model[i]);
    CHECK((model_equal ? keyed[i - 1].first == keyed[i].first
                       : keyed[i - 1].first < keyed[i].first));
  }
}

TEST_CASE("PrefixSuccessor is the least string above every extension") {
  CHECK(PrefixSuccessor("ab") == std::optional<std::string>("ac"));
  CHECK(PrefixSuccessor(std::string("a\xFF\xFF", 3)) == std::optional<std::string>("b"));
  CHECK(!PrefixSuccessor("").has_value());
  CHECK(!PrefixSuccessor(std::string("\xFF\xFF", 2)).has_value());
}

}  // namespace
}  // namespace marquee::internal
