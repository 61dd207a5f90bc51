// Leaf operations of condition evaluation (see condition_ops_internal.h).
#include "campaign/condition_ops_internal.h"

#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "campaign/js_regex_internal.h"
#include "campaign/js_semantics_internal.h"
#include "campaign/regex_memo_internal.h"
#include "internal/absl_strings.h"

namespace marquee::campaign::internal {
namespace {

// Largest pattern compiled; longer ones count as invalid so a condition
// cannot make RE2 build a huge program; kRegexMaxMem bounds RE2's work.
constexpr size_t kMaxPatternBytes = 16 * 1024;

}  // namespace

Operator OperatorFromName(std::string_view name) {
  struct Entry {
    std::string_view name;
    Operator op;
  };
  static constexpr Entry kOperators[] = {
      {"$eq", Operator::kEq},         {"$ne", Operator::kNe},
      {"$lt", Operator::kLt},         {"$lte", Operator::kLte},
      {"$gt", Operator::kGt},         {"$gte", Operator::kGte},
      {"$in", Operator::kIn},         {"$nin", Operator::kNin},
      {"$ini", Operator::kIni},       {"$nini", Operator::kNini},
      {"$all", Operator::kAll},       {"$alli", Operator::kAlli},
      {"$size", Operator::kSize},     {"$elemMatch", Operator::kElemMatch},
      {"$exists", Operator::kExists}, {"$type", Operator::kType},
      {"$not", Operator::kNot},       {"$regex", Operator::kRegex},
      {"$regexi", Operator::kRegexi}, {"$notRegex", Operator::kNotRegex},
      {"$notRegexi", Operator::kNotRegexi},
      {"$veq", Operator::kVeq},       {"$vne", Operator::kVne},
      {"$vgt", Operator::kVgt},       {"$vgte", Operator::kVgte},
      {"$vlt", Operator::kVlt},       {"$vlte", Operator::kVlte},
      {"$inGroup", Operator::kInGroup}, {"$notInGroup", Operator::kNotInGroup},
  };
  for (const Entry& e : kOperators) {
    if (e.name == name) return e.op;
  }
  return Operator::kUnknown;
}

bool IsOperatorObject(const Value& v) {
  if (!v.is_object() || v.size() == 0) return false;
  for (const Value::Member& m : v.members()) {
    if (m.first.empty() || m.first[0] != '$') return false;
  }
  return true;
}

std::vector<std::pair<std::string, Value>> NonObjectEntries(const Value& condition,
                                                            EvalContext* ctx) {
  std::vector<std::pair<std::string, Value>> entries;
  if (condition.is_null()) {
    ctx->threw = true;
  } else if (condition.is_array()) {
    size_t i = 0;
    for (const Value& e : condition.elements()) entries.emplace_back(std::to_string(i++), e);
  }
  return entries;
}

IndexedItems JsIndexedItems(const Value& conditions, EvalContext* ctx) {
  IndexedItems out;
  if (conditions.is_null()) {
    ctx->threw = true;
  } else if (conditions.is_array()) {
    out.has_length = true;
    out.items.assign(conditions.elements().begin(), conditions.elements().end());
  }
  return out;
}

InSet InSet::Of(std::span<const Value> expected, bool insensitive) {
  InSet set;
  set.is_array = true;
  for (const Value& e : expected) {
    switch (e.type()) {
      case ValueType::kNull: set.has_null = true; break;
      case ValueType::kBool: (e.as_bool() ? set.has_true : set.has_false) = true; break;
      case ValueType::kNumber: set.numbers.push_back(e.as_number() + 0.0); break;
      case ValueType::kString:
        set.strings.push_back(insensitive ? JsToLowerCase(e.as_string())
                                          : std::string(e.as_string()));
        break;
      default: break;  // arrays and objects are never === to anything
    }
  }
  if (set.numbers.size() > kHashAbove) {
    set.hashed_numbers.insert(set.numbers.begin(), set.numbers.end());
  }
  if (set.strings.size() > kHashAbove) {
    set.hashed_strings.insert(set.strings.begin(), set.strings.end());
  }
  return set;
}

bool InSet::HasNumber(double d) const {
  if (numbers.size() > kHashAbove) return hashed_numbers.contains(d + 0.0);  // -0 -> 0
  return std::find(numbers.begin(), numbers.end(), d) != numbers.end();  // -0 == 0
}

bool InSet::HasString(std::string_view s) const {
  if (strings.size() > kHashAbove) return hashed_strings.contains(marquee::internal::Sv(s));
  for (const std::string& e : strings) {
    if (e.size() == s.size() && std::string_view(e) == s) return true;
  }
  return false;
}

bool InSet::ContainsOne(const Value& a, bool insensitive) const {
  switch (a.type()) {
    case ValueType::kNull: return has_null;
    case ValueType::kBool: return a.as_bool() ? has_true : has_false;
    case ValueType::kNumber: return HasNumber(a.as_number());
    case ValueType::kString:
      return insensitive ? HasString(JsToLowerCase(a.as_string())) : HasString(a.as_string());
    default: return false;
  }
}

bool InSet::Contains(const Value& actual, bool insensitive) const {
  if (!actual.is_array()) return ContainsOne(actual, insensitive);
  for (const Value& a : actual.elements()) {
    if (ContainsOne(a, insensitive)) return true;
  }
  return false;
}

bool CompareOperator(Operator op, const Value& actual, const Value& expected) {
  switch (op) {
    case Operator::kEq: return JsStrictEquals(actual, expected);
    case Operator::kNe: return !JsStrictEquals(actual, expected);
    case Operator::kLt: return JsLt(actual, expected);
    case Operator::kLte: return JsLte(actual, expected);
    case Operator::kGt: return JsGt(actual, expected);
    case Operator::kGte: return JsGte(actual, expected);
    default: return false;
  }
}

bool CompareVersions(Operator op, std::string_view actual, std::string_view expected) {
  int c = CompareUtf16(actual, expected);
  switch (op) {
    case Operator::kVeq: return c == 0;
    case Operator::kVne: return c != 0;
    case Operator::kVgt: return c > 0;
    case Operator::kVgte: return c >= 0;
    case Operator::kVlt: return c < 0;
    case Operator::kVlte: return c <= 0;
    default: return false;
  }
}

bool IsIn(const Value& actual, std::span<const Value> expected, bool insensitive) {
  // An array against a long list would be n x m comparisons: hash the list
  // once instead (same answers, see InSet).
  if (actual.is_array() && actual.size() > 1 && expected.size() > InSet::kHashAbove) {
    return InSet::Of(expected, insensitive).Contains(actual, insensitive);
  }
  if (!insensitive) {
    auto one = [&](const Value& a) {
      for (const Value& e : expected) {
        if (JsStrictEquals(a, e)) return true;
      }
      return false;
    };
    if (actual.is_array()) {
      for (const Value& a : actual.elements()) {
        if (one(a)) return true;
      }
      return false;
    }
    return one(actual);
  }
  // caseFold lowers strings only; the comparison is still ===.
  auto one_folded = [&](const Value& a) {
    std::string lowered;
    if (a.is_string()) lowered = JsToLowerCase(a.as_string());
    for (const Value& e : expected) {
      if (a.is_string() && e.is_string()) {
        if (JsToLowerCase(e.as_string()) == lowered) return true;
      } else if (JsStrictEquals(a, e)) {
        return true;
      }
    }
    return false;
  };
  if (actual.is_array()) {
    for (const Value& a : actual.elements()) {
      if (one_folded(a)) return true;
    }
    return false;
  }
  return one_folded(actual);
}

bool Exists(const Value& actual, const Value& expected) {
  return JsTruthy(expected) ? !actual.is_null() : actual.is_null();
}

bool TypeIs(const Value& actual, const Value& expected) {
  return expected.is_string() && JsTypeName(actual) == expected.as_string();
}

namespace {

// Hashed forms of large saved groups, keyed by the address of the group's
// element storage. Each entry holds a copy of the group Value, which shares
// (and so keeps alive) that storage: the address cannot be reused by another
// array while the entry exists, so a hit is always the same group. Bounded:
// when full it is emptied (entries in use elsewhere stay alive through their
// shared_ptr).
class GroupSetCache {
 public:
  static constexpr size_t kMaxEntries = 256;
  static constexpr size_t kMaxMembers = size_t{1} << 22;  // summed over entries

  std::shared_ptr<const InSet> Get(const Value& group) {
    const Value* key = group.elements().data();
    {
      std::shared_lock lock(mu_);
      auto it = entries_.find(key);
      if (it != entries_.end()) return it->second.set;
    }
    auto set = std::make_shared<const InSet>(InSet::Of(group.elements(), false));
    if (group.size() > kMaxMembers) return set;  // too big to keep
    std::unique_lock lock(mu_);
    if (entries_.size() >= kMaxEntries || members_ + group.size() > kMaxMembers) {
      entries_.clear();
      members_ = 0;
    }
    auto [it, inserted] = entries_.try_emplace(key, Entry{.group = group, .set = set});
    if (inserted) members_ += group.size();
    return it->second.set;
  }

 private:
  struct Entry {
    Value group;  // keeps the keyed storage alive
    std::shared_ptr<const InSet> set;
  };
  std::shared_mutex mu_;
  absl::flat_hash_map<const Value*, Entry> entries_;
  size_t members_ = 0;
};

GroupSetCache& Groups() {
  static GroupSetCache* const kCache = new GroupSetCache();
  return *kCache;
}

}  // namespace

bool InSavedGroup(const SavedGroups& groups, std::string_view id, const Value& actual) {
  auto it = groups.find(id);
  if (it == groups.end() || !it->second.is_array()) return false;
  const Value& group = it->second;
  if (group.size() <= InSet::kHashAbove) return IsIn(actual, group.elements(), false);
  return Groups().Get(group)->Contains(actual, false);
}

bool InSavedGroup(const SavedGroups& groups, const Value& key, const Value& actual) {
  if (key.is_string()) return InSavedGroup(groups, key.as_string(), actual);
  return InSavedGroup(groups, JsToString(key), actual);
}

std::shared_ptr<const re2::RE2> CompileRegex(const Value& pattern, bool case_insensitive) {
  if (!pattern.is_string() || pattern.as_string().size() > kMaxPatternBytes) return nullptr;
  // JavaScript syntax and case folding are translated (js_regex_internal.h);
  // a pattern JavaScript rejects, or RE2 cannot run, evaluates as invalid.
  // The translation is at most kMaxTranslatedRegexBytes; kRegexMaxMem bounds
  // what RE2 builds from it.
  absl::StatusOr<std::string> translated = TranslateJsRegex(pattern.as_string(), case_insensitive);
  if (!translated.ok()) return nullptr;
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kRegexMaxMem);
  options.set_case_sensitive(true);  // the translation spells out JavaScript's folding
  auto regex = std::make_shared<const re2::RE2>(*translated, options);
  if (!regex->ok()) return nullptr;
  return regex;
}

RegexPool::RegexPool(size_t max_patterns, size_t max_bytes, std::string_view what,
                     RegexPool* parent)
    : max_patterns_(max_patterns), max_bytes_(max_bytes), what_(what), parent_(parent) {}

absl::StatusOr<std::shared_ptr<const re2::RE2>> RegexPool::Get(const Value& pattern,
                                                               bool case_insensitive) {
  // Operands that never reach RE2 cost nothing and are not counted.
  if (!pattern.is_string() || pattern.as_string().size() > kMaxPatternBytes) return nullptr;
  std::string_view p = pattern.as_string();
  auto key = std::make_pair(std::string(p), case_insensitive);
  if (auto it = regexes_.find(key); it != regexes_.end()) return it->second;
  if (regexes_.size() + 1 > max_patterns_) {
    return absl::InvalidArgumentError(absl::StrCat(
        what_, " uses more than ", max_patterns_,
        " distinct regular expressions; that is the limit"));
  }
  if (bytes_ + p.size() > max_bytes_) {
    return absl::InvalidArgumentError(absl::StrCat(
        what_, " has more than ", max_bytes_,
        " bytes of distinct regular expressions; that is the limit"));
  }
  std::shared_ptr<const re2::RE2> regex;
  if (parent_ != nullptr) {
    absl::StatusOr<std::shared_ptr<const re2::RE2>> shared = parent_->Get(pattern, case_insensitive);
    if (!shared.ok()) return shared.status();
    regex = *std::move(shared);
  } else {
    regex = CompileRegex(pattern, case_insensitive);
  }
  bytes_ += p.size();
  regexes_.emplace(std::move(key), regex);
  return regex;
}

namespace {
thread_local RegexPool* current_regex_pool = nullptr;
}  // namespace

RegexPool* CurrentRegexPool() { return current_regex_pool; }

ScopedRegexPool::ScopedRegexPool(RegexPool* pool) : previous_(current_regex_pool) {
  current_regex_pool = pool;
}

ScopedRegexPool::~ScopedRegexPool() { current_regex_pool = previous_; }

bool RegexMatches(const re2::RE2& regex, const Value& actual) {
  if (actual.is_string()) {
    std::string_view s = actual.as_string();
    const std::string& pattern = regex.pattern();
    const bool case_sensitive = regex.options().case_sensitive();
    if (std::optional<bool> seen = RegexMemoFind(pattern, case_sensitive, s)) return *seen;
    const bool matched = re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), regex);
    RegexMemoAdd(pattern, case_sensitive, s, matched);
    return matched;
  }
  std::string s = JsToString(actual);
  return re2::RE2::PartialMatch(s, regex);
}

}  // namespace marquee::campaign::internal
