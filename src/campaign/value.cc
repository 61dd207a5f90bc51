// Value: construction, accessors, paths and deep equality. JSON reading and
// writing are in value_json.cc.
#include "marquee/campaign/value.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "campaign/value_internal.h"

namespace marquee::campaign {
namespace {

// Objects with more members than this get a hash index; below it a linear
// scan over a few short keys is faster than hashing.
constexpr size_t kIndexedObjectSize = 12;

const Value& NullValue() {
  static const Value* const kNull = new Value();
  return *kNull;
}

bool ShortKeyEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.size() > 32) return a == b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// key -> position in an object's members. The views point into the members.
using MemberIndex = absl::flat_hash_map<std::string_view, uint32_t>;

// The position of `key` in `members`, or members.size() when absent. Objects
// of more than kIndexedObjectSize members are looked up through `index`,
// which must then hold every member; smaller ones by a linear scan. Both
// Find and the de-duplication in Object use it, so they cannot disagree.
size_t FindMember(std::span<const Value::Member> members, const MemberIndex& index,
                  std::string_view key) {
  if (members.size() > kIndexedObjectSize) {
    auto it = index.find(key);
    return it == index.end() ? members.size() : it->second;
  }
  // Conditions look attributes up on every clause: keys are short, so an
  // inline comparison beats a call to memcmp per candidate.
  for (size_t i = 0; i < members.size(); ++i) {
    if (ShortKeyEquals(members[i].first, key)) return i;
  }
  return members.size();
}

}  // namespace

struct Value::Rep {
  std::string str;
  std::vector<Value> elements;
  std::vector<Member> members;
  // Filled only for objects of more than kIndexedObjectSize members.
  MemberIndex index;
  uint32_t depth = 0;
};

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return "boolean";
    case ValueType::kNumber: return "number";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kObject: return "object";
  }
  return "null";
}

Value Value::Bool(bool b) {
  Value v;
  v.type_ = ValueType::kBool;
  v.scalar_.b = b;
  return v;
}

Value Value::Number(double d) {
  Value v;
  v.type_ = ValueType::kNumber;
  v.scalar_.d = d;
  return v;
}

Value Value::String(std::string s) {
  auto rep = std::make_shared<Rep>();
  rep->str = std::move(s);
  Value v;
  v.type_ = ValueType::kString;
  v.rep_ = std::move(rep);
  return v;
}

Value Value::Array(std::vector<Value> elements) {
  auto rep = std::make_shared<Rep>();
  uint32_t depth = 0;
  for (Value& e : elements) {
    if (e.depth() >= kMaxValueDepth) e = Value();
    depth = std::max(depth, e.depth());
  }
  rep->depth = depth + 1;
  rep->elements = std::move(elements);
  Value v;
  v.type_ = ValueType::kArray;
  v.rep_ = std::move(rep);
  return v;
}

Value Value::Object(std::vector<Member> members) {
  for (Member& m : members) {
    if (m.second.depth() >= kMaxValueDepth) m.second = Value();
  }
  // JavaScript orders array-index keys first, ascending, then the other keys
  // in document order. Ordering before de-duplicating is the same as after:
  // the sorts are stable, so copies of a key stay in document order.
  auto first_named = std::stable_partition(members.begin(), members.end(), [](const Member& m) {
    return internal::ArrayIndexOf(m.first).has_value();
  });
  std::stable_sort(members.begin(), first_named, [](const Member& a, const Member& b) {
    return *internal::ArrayIndexOf(a.first) < *internal::ArrayIndexOf(b.first);
  });
  // JSON.parse: a repeated key keeps its first position and its last value.
  auto rep = std::make_shared<Rep>();
  // Reserved, so keys do not move while members are added and the index's
  // views into them stay valid.
  rep->members.reserve(members.size());
  const bool indexed = members.size() > kIndexedObjectSize;
  for (Member& m : members) {
    size_t found = FindMember(rep->members, rep->index, m.first);
    if (found < rep->members.size()) {
      rep->members[found].second = std::move(m.second);
      continue;
    }
    rep->members.push_back(std::move(m));
    if (indexed) {
      rep->index.emplace(rep->members.back().first,
                         static_cast<uint32_t>(rep->members.size() - 1));
    }
  }
  // Duplicates may have left the object small enough to scan.
  if (rep->members.size() <= kIndexedObjectSize) rep->index = MemberIndex();
  uint32_t depth = 0;
  for (const Member& m : rep->members) depth = std::max(depth, m.second.depth());
  rep->depth = depth + 1;
  Value v;
  v.type_ = ValueType::kObject;
  v.rep_ = std::move(rep);
  return v;
}

std::string_view Value::as_string() const {
  return type_ == ValueType::kString ? std::string_view(rep_->str) : std::string_view();
}

size_t Value::size() const {
  if (type_ == ValueType::kArray) return rep_->elements.size();
  if (type_ == ValueType::kObject) return rep_->members.size();
  return 0;
}

std::span<const Value> Value::elements() const {
  if (type_ != ValueType::kArray) return {};
  return rep_->elements;
}

std::span<const Value::Member> Value::members() const {
  if (type_ != ValueType::kObject) return {};
  return rep_->members;
}

const Value& Value::At(size_t i) const {
  if (type_ != ValueType::kArray || i >= rep_->elements.size()) return NullValue();
  return rep_->elements[i];
}

const Value* Value::Find(std::string_view key) const {
  if (type_ != ValueType::kObject) return nullptr;
  size_t found = FindMember(rep_->members, rep_->index, key);
  return found < rep_->members.size() ? &rep_->members[found].second : nullptr;
}

uint32_t Value::depth() const {
  if (type_ == ValueType::kArray || type_ == ValueType::kObject) return rep_->depth;
  return 0;
}

const Value* Value::GetPath(std::string_view path) const {
  const Value* current = this;
  while (true) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    current = internal::Step(*current, part);
    if (current == nullptr || dot == std::string_view::npos) return current;
    path.remove_prefix(dot + 1);
  }
}

bool operator==(const Value& a, const Value& b) {
  // JSON.stringify writes NaN and infinities as null.
  auto stringify_type = [](const Value& v) {
    if (v.is_number() && !std::isfinite(v.as_number())) return ValueType::kNull;
    return v.type();
  };
  ValueType type = stringify_type(a);
  if (type != stringify_type(b)) return false;
  if (a.rep_ != nullptr && a.rep_ == b.rep_) return true;
  switch (type) {
    case ValueType::kNull: return true;
    case ValueType::kBool: return a.as_bool() == b.as_bool();
    case ValueType::kNumber: return a.as_number() == b.as_number();
    case ValueType::kString: return a.as_string() == b.as_string();
    case ValueType::kArray: {
      auto x = a.elements(), y = b.elements();
      return std::equal(x.begin(), x.end(), y.begin(), y.end());
    }
    case ValueType::kObject: {
      auto x = a.members(), y = b.members();
      return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                        [](const Value::Member& m, const Value::Member& n) {
                          return m.first == n.first && m.second == n.second;
                        });
    }
  }
  return false;
}

namespace internal {

std::optional<uint32_t> ArrayIndexOf(std::string_view key) {
  if (key.empty() || key.size() > 10) return std::nullopt;
  if (key.size() > 1 && key[0] == '0') return std::nullopt;
  uint64_t n = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > 4294967294u) return std::nullopt;
  return static_cast<uint32_t>(n);
}

const Value* Step(const Value& current, std::string_view part) {
  if (current.is_object()) return current.Find(part);
  if (current.is_array()) {
    std::optional<uint32_t> i = ArrayIndexOf(part);
    if (!i || *i >= current.size()) return nullptr;
    return &current.elements()[*i];
  }
  return nullptr;
}

const Value& Null() { return NullValue(); }

}  // namespace internal
}  // namespace marquee::campaign
