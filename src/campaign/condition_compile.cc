// CompiledCondition: the condition parsed once into a tree that evaluates
// without looking at the condition's JSON again. Paths are split, operator
// names resolved, regexes compiled (RE2 objects are thread-safe for
// matching), version operands padded and $in lists hashed. The walk mirrors
// condition_eval.cc node for node, so the two forms give the same answer,
// including where the JavaScript SDK would throw.
#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "campaign/clause_memo_internal.h"
#include "campaign/condition_ops_internal.h"
#include "campaign/js_semantics_internal.h"
#include "campaign/value_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/condition.h"

namespace marquee::campaign {
namespace {

using internal::EvalContext;
using internal::Operator;

struct Clause;
struct OpNode;

// evalConditionValue of one condition value.
struct Matcher {
  enum class Kind { kString, kNumber, kBool, kNull, kDeepEqual, kOperators };
  Kind kind = Kind::kNull;
  Value literal;          // kString, kNumber, kBool, kDeepEqual
  std::string lowered;    // kString: the literal lowered, for $alli
  std::vector<OpNode> ops;  // kOperators
};

using internal::InSet;

struct Node;

// A case-sensitive pattern that RE2 reads as a plain ASCII literal, optionally
// anchored by a leading '^' and/or a trailing '$' (such as "@example\\.com$"):
// matched with a string search instead of running RE2, with RE2's answer
// (its '^' and '$' are the start and end of the whole text, as JavaScript's
// without the m flag).
struct LiteralPattern {
  bool usable = false;
  bool at_start = false, at_end = false;
  std::string text;

  bool Matches(std::string_view s) const {
    if (at_start && at_end) return s == text;
    if (at_start) return s.substr(0, text.size()) == text;
    if (at_end) return s.size() >= text.size() && s.substr(s.size() - text.size()) == text;
    return s.find(text) != std::string_view::npos;
  }
};

// Characters RE2 always reads as themselves outside a class.
bool IsPlainLiteral(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view(" !\"#%&',-/:;<=>@_`~").find(c) != std::string_view::npos;
}

// Punctuation that "\\" followed by it makes a literal in RE2.
bool IsEscapableLiteral(char c) {
  return std::string_view(".\\+*?()|[]{}^$-/@#%&!,:;<=>_`~\"'").find(c) !=
         std::string_view::npos;
}

LiteralPattern CompileLiteralPattern(std::string_view p) {
  LiteralPattern lit;
  if (!p.empty() && p.front() == '^') {
    lit.at_start = true;
    p.remove_prefix(1);
  }
  // A trailing '$' is an anchor unless it is escaped: "\\$" ends in a literal.
  if (!p.empty() && p.back() == '$' && (p.size() < 2 || p[p.size() - 2] != '\\')) {
    lit.at_end = true;
    p.remove_suffix(1);
  }
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      if (i + 1 >= p.size() || !IsEscapableLiteral(p[i + 1])) return LiteralPattern();
      lit.text.push_back(p[++i]);
    } else if (IsPlainLiteral(p[i])) {
      lit.text.push_back(p[i]);
    } else {
      return LiteralPattern();
    }
  }
  lit.usable = true;
  return lit;
}

// One operator of an operator object.
struct OpNode {
  Operator op = Operator::kUnknown;
  Value expected;
  std::string text;                         // $v*: padded version; $inGroup: group id
  std::shared_ptr<const re2::RE2> regex;    // $regex family; null: invalid
  LiteralPattern literal;                   // $regex / $notRegex: RE2 skipped
  std::unique_ptr<Matcher> sub;             // $not, $size, $elemMatch on operators
  std::unique_ptr<Node> cond;               // $elemMatch on a plain condition
  bool throws = false;                      // $elemMatch: null
  bool valid = true;                        // $all family / $in family: array given
  std::vector<Matcher> all;                 // $all / $alli
  InSet in;                                 // $in family
};

// evalCondition of one condition value: its entries, in order.
struct Node {
  bool throws = false;  // Object.entries(null)
  std::vector<Clause> clauses;
  // A string condition: Object.entries gives one clause per UTF-16 unit,
  // path String(i) equal to unit i. Kept as the string and walked unit by
  // unit, so memory stays proportional to the string.
  bool is_string = false;
  std::string units;
};

struct Clause {
  enum class Kind { kOr, kNor, kAnd, kNot, kPath };
  Kind kind = Kind::kPath;
  bool throws = false;        // $or / $and over null
  std::vector<Node> subs;     // $or/$nor/$and items; $not: one
  // $or/$nor/$and over a string: its units are the items, each the
  // condition {"0": unit}. Walked lazily (see Node::units).
  bool over_string = false;
  std::string units;
  std::vector<std::string> path;
  Matcher matcher;
  int32_t memo_slot = -1;  // kPath: its slot in the clause memo, if any
};

// ---- compiling -------------------------------------------------------------

// Compiling only asks the shared helpers whether JavaScript would throw.
const SavedGroups& NoGroups() {
  static const SavedGroups* const kNone = new SavedGroups();
  return *kNone;
}

// What compiling one condition shares: its regex pool (limits and
// deduplication), and the first error met.
struct CompileState {
  internal::RegexPool* regexes = nullptr;
  absl::Status status;
};

Node CompileNode(const Value& condition, CompileState* st);
Matcher CompileMatcher(const Value& condition, CompileState* st);

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  while (true) {
    size_t dot = path.find('.');
    parts.emplace_back(path.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    path.remove_prefix(dot + 1);
  }
}

Clause CompileClause(std::string_view key, const Value& v, CompileState* st) {
  Clause clause;
  if (key == "$or" || key == "$nor" || key == "$and") {
    clause.kind = key == "$or" ? Clause::Kind::kOr
                  : key == "$nor" ? Clause::Kind::kNor : Clause::Kind::kAnd;
    if (v.is_string()) {
      clause.over_string = true;
      clause.units = std::string(v.as_string());
      return clause;
    }
    EvalContext probe{.groups = NoGroups()};
    internal::IndexedItems items = internal::JsIndexedItems(v, &probe);
    clause.throws = probe.threw;
    for (const Value& item : items.items) clause.subs.push_back(CompileNode(item, st));
  } else if (key == "$not") {
    clause.kind = Clause::Kind::kNot;
    clause.subs.push_back(CompileNode(v, st));
  } else {
    clause.kind = Clause::Kind::kPath;
    clause.path = SplitPath(key);
    clause.matcher = CompileMatcher(v, st);
    clause.memo_slot = internal::InternClause(key, v);
  }
  return clause;
}

Node CompileNode(const Value& condition, CompileState* st) {
  Node node;
  if (condition.is_object()) {
    for (const Value::Member& m : condition.members()) {
      node.clauses.push_back(CompileClause(m.first, m.second, st));
    }
    return node;
  }
  if (condition.is_string()) {
    node.is_string = true;
    node.units = std::string(condition.as_string());
    return node;
  }
  EvalContext probe{.groups = NoGroups()};
  for (const auto& [key, v] : internal::NonObjectEntries(condition, &probe)) {
    node.clauses.push_back(CompileClause(key, v, st));
  }
  node.throws = probe.threw;
  return node;
}

InSet CompileInSet(const Value& expected, bool insensitive) {
  if (!expected.is_array()) return InSet();
  return InSet::Of(expected.elements(), insensitive);
}

std::shared_ptr<const re2::RE2> PooledRegex(const Value& pattern, bool case_insensitive,
                                            CompileState* st) {
  absl::StatusOr<std::shared_ptr<const re2::RE2>> regex =
      st->regexes->Get(pattern, case_insensitive);
  if (!regex.ok()) {
    if (st->status.ok()) st->status = regex.status();
    return nullptr;
  }
  return *std::move(regex);
}

OpNode CompileOp(std::string_view name, const Value& expected, CompileState* st) {
  OpNode node;
  node.op = internal::OperatorFromName(name);
  node.expected = expected;
  switch (node.op) {
    case Operator::kVeq: case Operator::kVne: case Operator::kVgt:
    case Operator::kVgte: case Operator::kVlt: case Operator::kVlte:
      node.text = PaddedVersionString(expected);
      break;
    case Operator::kIn: case Operator::kNin:
      node.in = CompileInSet(expected, false);
      break;
    case Operator::kIni: case Operator::kNini:
      node.in = CompileInSet(expected, true);
      break;
    case Operator::kInGroup: case Operator::kNotInGroup:
      node.text = internal::JsToString(expected);
      break;
    case Operator::kNot: case Operator::kSize:
      node.sub = std::make_unique<Matcher>(CompileMatcher(expected, st));
      break;
    case Operator::kElemMatch:
      if (expected.is_null()) {
        node.throws = true;
      } else if (internal::IsOperatorObject(expected)) {
        node.sub = std::make_unique<Matcher>(CompileMatcher(expected, st));
      } else {
        node.cond = std::make_unique<Node>(CompileNode(expected, st));
      }
      break;
    case Operator::kAll: case Operator::kAlli:
      node.valid = expected.is_array();
      for (const Value& e : expected.elements()) node.all.push_back(CompileMatcher(e, st));
      break;
    case Operator::kRegex: case Operator::kNotRegex:
      node.regex = PooledRegex(expected, false, st);
      if (node.regex != nullptr) node.literal = CompileLiteralPattern(expected.as_string());
      break;
    case Operator::kRegexi: case Operator::kNotRegexi:
      node.regex = PooledRegex(expected, true, st);
      break;
    default:
      break;
  }
  return node;
}

Matcher CompileMatcher(const Value& condition, CompileState* st) {
  Matcher m;
  m.literal = condition;
  switch (condition.type()) {
    case ValueType::kString:
      m.kind = Matcher::Kind::kString;
      m.lowered = internal::JsToLowerCase(condition.as_string());
      return m;
    case ValueType::kNumber: m.kind = Matcher::Kind::kNumber; return m;
    case ValueType::kBool: m.kind = Matcher::Kind::kBool; return m;
    case ValueType::kNull: m.kind = Matcher::Kind::kNull; return m;
    case ValueType::kArray: m.kind = Matcher::Kind::kDeepEqual; return m;
    case ValueType::kObject: break;
  }
  if (!internal::IsOperatorObject(condition)) {
    m.kind = Matcher::Kind::kDeepEqual;
    return m;
  }
  m.kind = Matcher::Kind::kOperators;
  for (const Value::Member& member : condition.members()) {
    m.ops.push_back(CompileOp(member.first, member.second, st));
  }
  return m;
}

// ---- evaluating ------------------------------------------------------------

bool EvalNode(const Node& node, const Value& obj, EvalContext* ctx);
bool EvalMatcher(const Matcher& m, const Value& value, EvalContext* ctx,
                 bool insensitive = false);

const Value& Lookup(const Value& obj, const std::vector<std::string>& path) {
  const Value* current = &obj;
  for (const std::string& part : path) {
    current = internal::Step(*current, part);
    if (current == nullptr) return internal::Null();
  }
  return *current;
}

// String(v) compared with a one-unit string: evalConditionValue of a string
// condition.
bool EqualsAsString(const Value& v, std::string_view unit) {
  return v.is_string() ? v.as_string() == unit : internal::JsToString(v) == unit;
}

// $or / $and over a string: every item is {"0": unit}, so all compare the
// same attribute. `any`: $or (some unit equal), else $and (all equal).
bool EvalStringItems(const Clause& c, const Value& obj, bool any) {
  static const std::vector<std::string> kZero = {"0"};
  const Value& v = Lookup(obj, kZero);
  std::string text = v.is_string() ? std::string(v.as_string()) : internal::JsToString(v);
  internal::JsStringUnitCursor cursor(c.units);
  std::string unit;
  bool seen = false;
  while (cursor.Next(&unit)) {
    seen = true;
    if ((unit == text) == any) return any;
  }
  return any ? !seen : true;  // $or over "" is true (`!conditions.length`)
}

bool EvalOr(const Clause& c, const Value& obj, EvalContext* ctx) {
  if (c.over_string) return EvalStringItems(c, obj, true);
  if (c.throws) ctx->threw = true;
  if (c.subs.empty()) return true;
  for (const Node& n : c.subs) {
    if (EvalNode(n, obj, ctx)) return true;
  }
  return false;
}

bool EvalClause(const Clause& c, const Value& obj, EvalContext* ctx) {
  switch (c.kind) {
    case Clause::Kind::kOr: return EvalOr(c, obj, ctx);
    case Clause::Kind::kNor: return !EvalOr(c, obj, ctx);
    case Clause::Kind::kAnd:
      if (c.over_string) return EvalStringItems(c, obj, false);
      if (c.throws) ctx->threw = true;
      for (const Node& n : c.subs) {
        if (!EvalNode(n, obj, ctx)) return false;
      }
      return true;
    case Clause::Kind::kNot: return !EvalNode(c.subs[0], obj, ctx);
    case Clause::Kind::kPath: {
      if (c.memo_slot < 0 || ctx->memo == nullptr || &obj != ctx->memo_root) {
        return EvalMatcher(c.matcher, Lookup(obj, c.path), ctx);
      }
      const internal::ClauseOutcome seen = ctx->memo->Find(c.memo_slot);
      if (seen.known) {
        ctx->threw = ctx->threw || seen.threw;
        return seen.result;
      }
      const bool threw_before = ctx->threw;
      ctx->threw = false;
      const bool result = EvalMatcher(c.matcher, Lookup(obj, c.path), ctx);
      ctx->memo->Add(c.memo_slot, result, ctx->threw);
      ctx->threw = ctx->threw || threw_before;
      return result;
    }
  }
  return false;
}

bool EvalNode(const Node& node, const Value& obj, EvalContext* ctx) {
  if (node.is_string) {
    internal::JsStringUnitCursor cursor(node.units);
    std::string unit;
    for (size_t i = 0; cursor.Next(&unit); ++i) {
      const Value* v = internal::Step(obj, std::to_string(i));
      if (!EqualsAsString(v == nullptr ? internal::Null() : *v, unit)) return false;
    }
    return true;
  }
  if (node.throws) ctx->threw = true;
  for (const Clause& c : node.clauses) {
    if (!EvalClause(c, obj, ctx)) return false;
  }
  return true;
}

// RegExp.prototype.test of a valid pattern, on String(actual).
bool RegexMatches(const OpNode& op, const Value& actual) {
  if (!op.literal.usable) return internal::RegexMatches(*op.regex, actual);
  if (actual.is_string()) return op.literal.Matches(actual.as_string());
  return op.literal.Matches(internal::JsToString(actual));
}

bool EvalOp(const OpNode& op, const Value& actual, EvalContext* ctx) {
  switch (op.op) {
    case Operator::kVeq: case Operator::kVne: case Operator::kVgt:
    case Operator::kVgte: case Operator::kVlt: case Operator::kVlte:
    {
      // One buffer per thread: padded versions outgrow the small-string
      // buffer, and this runs for every $v* clause evaluated.
      thread_local std::string padded;
      internal::PaddedVersionInto(actual, &padded);
      return internal::CompareVersions(op.op, padded, op.text);
    }
    case Operator::kEq: case Operator::kNe: case Operator::kLt:
    case Operator::kLte: case Operator::kGt: case Operator::kGte:
      return internal::CompareOperator(op.op, actual, op.expected);
    case Operator::kExists: return internal::Exists(actual, op.expected);
    case Operator::kIn: return op.in.is_array && op.in.Contains(actual, false);
    case Operator::kIni: return op.in.is_array && op.in.Contains(actual, true);
    case Operator::kNin: return op.in.is_array && !op.in.Contains(actual, false);
    case Operator::kNini: return op.in.is_array && !op.in.Contains(actual, true);
    case Operator::kInGroup:
    case Operator::kNotInGroup: {
      bool in = internal::InSavedGroup(ctx->groups, op.text, actual);
      return op.op == Operator::kInGroup ? in : !in;
    }
    case Operator::kNot: return !EvalMatcher(*op.sub, actual, ctx);
    case Operator::kSize:
      return actual.is_array() &&
             EvalMatcher(*op.sub, Value::Number(static_cast<double>(actual.size())), ctx);
    case Operator::kElemMatch:
      if (!actual.is_array()) return false;
      if (op.throws) {
        ctx->threw = true;
        return false;
      }
      for (const Value& e : actual.elements()) {
        if (!internal::JsTruthy(e)) continue;
        if (op.sub != nullptr ? EvalMatcher(*op.sub, e, ctx) : EvalNode(*op.cond, e, ctx)) {
          return true;
        }
      }
      return false;
    case Operator::kAll:
    case Operator::kAlli: {
      if (!op.valid || !actual.is_array()) return false;
      bool insensitive = op.op == Operator::kAlli;
      for (const Matcher& m : op.all) {
        bool passed = false;
        for (const Value& a : actual.elements()) {
          if (EvalMatcher(m, a, ctx, insensitive)) {
            passed = true;
            break;
          }
        }
        if (!passed) return false;
      }
      return true;
    }
    case Operator::kRegex: case Operator::kRegexi:
      return op.regex != nullptr && RegexMatches(op, actual);
    case Operator::kNotRegex: case Operator::kNotRegexi:
      return op.regex != nullptr && !RegexMatches(op, actual);
    case Operator::kType: return internal::TypeIs(actual, op.expected);
    case Operator::kUnknown: return false;
  }
  return false;
}

bool EvalMatcher(const Matcher& m, const Value& value, EvalContext* ctx, bool insensitive) {
  switch (m.kind) {
    case Matcher::Kind::kString:
      if (insensitive) {
        return internal::JsToLowerCase(internal::JsToString(value)) == m.lowered;
      }
      return value.is_string() ? value.as_string() == m.literal.as_string()
                               : internal::JsToString(value) == m.literal.as_string();
    case Matcher::Kind::kNumber: return internal::JsToNumber(value) == m.literal.as_number();
    case Matcher::Kind::kBool:
      return !value.is_null() && internal::JsTruthy(value) == m.literal.as_bool();
    case Matcher::Kind::kNull: return value.is_null();
    case Matcher::Kind::kDeepEqual: return value == m.literal;
    case Matcher::Kind::kOperators:
      for (const OpNode& op : m.ops) {
        if (!EvalOp(op, value, ctx)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

struct CompiledCondition::Node {
  campaign::Node root;
};

CompiledCondition::CompiledCondition()
    : root_(std::make_shared<const Node>()), source_(Value::Object({})) {}

absl::StatusOr<CompiledCondition> CompiledCondition::Compile(const Value& condition) {
  if (!condition.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("a condition must be a JSON object, not ",
                                                   marquee::internal::Sv(ValueTypeName(condition.type()))));
  }
  if (condition.depth() > kMaxConditionDepth) {
    return absl::InvalidArgumentError(absl::StrCat("condition nests ", condition.depth(),
                                                   " levels deep; the limit is ",
                                                   kMaxConditionDepth));
  }
  internal::RegexPool regexes(kMaxConditionRegexes, kMaxConditionRegexBytes, "condition",
                              internal::CurrentRegexPool());
  CompileState st{.regexes = &regexes};
  campaign::Node root = CompileNode(condition, &st);
  if (!st.status.ok()) return st.status;
  CompiledCondition compiled;
  compiled.root_ = std::make_shared<const Node>(Node{.root = std::move(root)});
  compiled.source_ = condition;
  return compiled;
}

bool CompiledCondition::Evaluate(const Value& attributes, const SavedGroups& groups) const {
  EvalContext ctx{.groups = groups,
                  .memo = internal::ClauseMemo::For(attributes),
                  .memo_root = &attributes};
  bool result = EvalNode(root_->root, attributes, &ctx);
  return result && !ctx.threw;
}

const Value& CompiledCondition::source() const { return source_; }

}  // namespace marquee::campaign
