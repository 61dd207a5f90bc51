// Leaf operations of condition evaluation (see condition_ops_internal.h).
#include "campaign/condition_ops_internal.h"

#include <re2/re2.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "campaign/js_semantics_internal.h"

namespace marquee::campaign::internal {
namespace {

// Largest pattern compiled; longer ones count as invalid so a condition
// cannot make RE2 build a huge program. Default RE2 memory limits apply too.
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
  } else if (condition.is_string()) {
    size_t i = 0;
    for (std::string& unit : JsStringUnits(condition.as_string())) {
      entries.emplace_back(std::to_string(i++), Value::String(std::move(unit)));
    }
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
  } else if (conditions.is_string()) {
    out.has_length = true;
    for (std::string& unit : JsStringUnits(conditions.as_string())) {
      out.items.push_back(Value::String(std::move(unit)));
    }
  }
  return out;
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

std::span<const Value> SavedGroupMembers(const SavedGroups& groups, const Value& key) {
  auto it = groups.find(key.is_string() ? std::string(key.as_string()) : JsToString(key));
  if (it == groups.end()) return {};
  return it->second.elements();  // empty for a non-array
}

std::shared_ptr<const re2::RE2> CompileRegex(const Value& pattern, bool case_insensitive) {
  if (!pattern.is_string() || pattern.as_string().size() > kMaxPatternBytes) return nullptr;
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!case_insensitive);
  std::string_view p = pattern.as_string();
  auto regex = std::make_shared<const re2::RE2>(re2::StringPiece(p.data(), p.size()), options);
  if (!regex->ok()) return nullptr;
  return regex;
}

bool RegexMatches(const re2::RE2& regex, const Value& actual) {
  if (actual.is_string()) {
    std::string_view s = actual.as_string();
    return re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), regex);
  }
  std::string s = JsToString(actual);
  return re2::RE2::PartialMatch(s, regex);
}

}  // namespace marquee::campaign::internal
