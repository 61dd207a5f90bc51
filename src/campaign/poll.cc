// The poll model: validation and the JSON record body (poll.h).
#include "marquee/campaign/poll.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "campaign/poll_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/condition.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::StdSv;
using ::marquee::internal::Sv;

absl::Status Field(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": ", Sv(what)));
}

absl::Status CheckKey(std::string_view field, std::string_view key, size_t max_bytes) {
  if (key.size() > max_bytes) {
    return Field(field, absl::StrCat("longer than ", max_bytes, " bytes"));
  }
  absl::Status s = ValidateRecordId(key);
  if (!s.ok()) return Field(field, StdSv(s.message()));
  return absl::OkStatus();
}

absl::Status ValidateRule(const Poll& poll, const PollRule& rule, std::string_view path,
                          absl::flat_hash_set<std::string_view>& rule_ids) {
  MARQUEE_RETURN_IF_ERROR(CheckKey(absl::StrCat(Sv(path), ".id"), rule.id, kMaxIdBytes));
  if (!rule_ids.insert(rule.id).second) {
    return Field(absl::StrCat(Sv(path), ".id"), absl::StrCat("duplicate rule id '", rule.id, "'"));
  }
  bool known = false;
  for (const PollOption& o : poll.options) known = known || o.key == rule.option;
  if (!known) {
    return Field(absl::StrCat(Sv(path), ".option"),
                 absl::StrCat("'", rule.option, "' is not an option of the poll"));
  }
  if (!(rule.lead_points >= 0 && rule.lead_points <= 100)) {
    return Field(absl::StrCat(Sv(path), ".leadPoints"),
                 absl::StrCat("must be within [0, 100], got ", rule.lead_points));
  }
  if (rule.min_votes < 1) {
    return Field(absl::StrCat(Sv(path), ".minVotes"),
                 absl::StrCat("must be >= 1, got ", rule.min_votes));
  }
  MARQUEE_RETURN_IF_ERROR(CheckKey(absl::StrCat(Sv(path), ".campaign"), rule.campaign, kMaxIdBytes));
  if (rule.weights.empty()) return Field(absl::StrCat(Sv(path), ".weights"), "must not be empty");
  double sum = 0;
  for (size_t i = 0; i < rule.weights.size(); ++i) {
    const double w = rule.weights[i];
    if (!std::isfinite(w) || w < 0) {
      return Field(absl::StrCat(Sv(path), ".weights[", i, "]"),
                   absl::StrCat("must be a finite number >= 0, got ", w));
    }
    sum += w;
  }
  if (std::fabs(sum - 1) > kPollRuleWeightTolerance) {
    return Field(absl::StrCat(Sv(path), ".weights"), absl::StrCat("sum to ", sum, ", not 1"));
  }
  return absl::OkStatus();
}

// ---- reading ----

absl::Status TypeError(std::string_view field, std::string_view expected, const Value& got) {
  return Field(field, absl::StrCat("expected ", Sv(expected), ", got ",
                                   Sv(ValueTypeName(got.type()))));
}

std::string Join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(Sv(path), ".", Sv(key));
}

// The members of `object` must all be in `known`.
absl::Status CheckMembers(const Value& object, std::string_view path,
                          std::initializer_list<std::string_view> known) {
  for (const Value::Member& m : object.members()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || m.first == k;
    if (!ok) {
      return Field(Join(path, m.first), "unknown member");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> ReadString(const Value& o, std::string_view path,
                                                      std::string_view key) {
  const Value* v = o.Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return TypeError(Join(path, key), "a string", *v);
  return std::optional<std::string>(std::string(v->as_string()));
}

absl::StatusOr<std::optional<double>> ReadNumber(const Value& o, std::string_view path,
                                                 std::string_view key) {
  const Value* v = o.Find(key);
  if (v == nullptr) return std::optional<double>();
  if (!v->is_number()) return TypeError(Join(path, key), "a number", *v);
  return std::optional<double>(v->as_number());
}

absl::StatusOr<std::optional<absl::Time>> ReadInstant(const Value& o, std::string_view path,
                                                      std::string_view key) {
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> text, ReadString(o, path, key));
  if (!text) return std::optional<absl::Time>();
  absl::StatusOr<absl::Time> t = internal::ParseInstant(*text);
  if (!t.ok()) return Field(Join(path, key), StdSv(t.status().message()));
  return std::optional<absl::Time>(*t);
}

absl::StatusOr<PollRule> ReadRule(const Value& v, std::string_view path) {
  if (!v.is_object()) return TypeError(path, "an object", v);
  MARQUEE_RETURN_IF_ERROR(CheckMembers(
      v, path, {"id", "option", "leadPoints", "minVotes", "campaign", "weights", "firedAt"}));
  PollRule rule;
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> id, ReadString(v, path, "id"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> option, ReadString(v, path, "option"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> campaign, ReadString(v, path, "campaign"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<double> lead, ReadNumber(v, path, "leadPoints"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<double> min_votes, ReadNumber(v, path, "minVotes"));
  if (!id) return Field(Join(path, "id"), "missing");
  if (!option) return Field(Join(path, "option"), "missing");
  if (!campaign) return Field(Join(path, "campaign"), "missing");
  rule.id = *id;
  rule.option = *option;
  rule.campaign = *campaign;
  rule.lead_points = lead.value_or(0);
  if (min_votes) {
    if (*min_votes != std::floor(*min_votes) || std::fabs(*min_votes) > 9e15) {
      return Field(Join(path, "minVotes"), absl::StrCat("must be an integer, got ", *min_votes));
    }
    rule.min_votes = static_cast<int64_t>(*min_votes);
  }
  const Value* weights = v.Find("weights");
  if (weights == nullptr) return Field(Join(path, "weights"), "missing");
  if (!weights->is_array()) return TypeError(Join(path, "weights"), "an array", *weights);
  for (size_t i = 0; i < weights->size(); ++i) {
    const Value& w = weights->At(i);
    if (!w.is_number()) return TypeError(absl::StrCat(Join(path, "weights"), "[", i, "]"), "a number", w);
    rule.weights.push_back(w.as_number());
  }
  MARQUEE_ASSIGN_OR_RETURN(rule.fired_at, ReadInstant(v, path, "firedAt"));
  return rule;
}

absl::Status ReadOptions(const Value& body, Poll& poll) {
  const Value* options = body.Find("options");
  if (options == nullptr) return Field("options", "missing");
  if (!options->is_array()) return TypeError("options", "an array", *options);
  if (options->size() > kMaxPollOptions) {
    return Field("options", absl::StrCat("more than ", kMaxPollOptions, " options"));
  }
  for (size_t i = 0; i < options->size(); ++i) {
    const Value& o = options->At(i);
    const std::string path = absl::StrCat("options[", i, "]");
    if (!o.is_object()) return TypeError(path, "an object", o);
    MARQUEE_RETURN_IF_ERROR(CheckMembers(o, path, {"key", "label"}));
    MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> key, ReadString(o, path, "key"));
    MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> label, ReadString(o, path, "label"));
    if (!key) return Field(Join(path, "key"), "missing");
    poll.options.push_back({.key = *key, .label = label.value_or("")});
  }
  return absl::OkStatus();
}

absl::Status ReadTargeting(const Value& body, Poll& poll) {
  const Value* t = body.Find("targeting");
  if (t == nullptr) return absl::OkStatus();
  if (!t->is_object()) return TypeError("targeting", "an object", *t);
  MARQUEE_RETURN_IF_ERROR(CheckMembers(*t, "targeting", {"condition"}));
  const Value* c = t->Find("condition");
  if (c != nullptr) poll.targeting = *c;
  return absl::OkStatus();
}

// ---- writing ----

Value NumberArray(const std::vector<double>& numbers) {
  std::vector<Value> out;
  out.reserve(numbers.size());
  for (double d : numbers) out.push_back(Value::Number(d));
  return Value::Array(std::move(out));
}

}  // namespace

absl::Status ValidatePollId(std::string_view id) {
  MARQUEE_RETURN_IF_ERROR(CheckKey("id", id, kMaxPollIdBytes));
  if (id.find('/') != std::string_view::npos) return Field("id", "must not contain '/'");
  if (id.find('#') != std::string_view::npos) return Field("id", "must not contain '#'");
  return absl::OkStatus();
}

absl::Status ValidatePoll(const Poll& poll) {
  MARQUEE_RETURN_IF_ERROR(ValidatePollId(poll.id));
  if (poll.question.empty()) return Field("question", "must not be empty");
  if (poll.question.size() > kMaxPollTextBytes) {
    return Field("question", absl::StrCat("longer than ", kMaxPollTextBytes, " bytes"));
  }
  if (poll.options.size() < 2) {
    return Field("options", absl::StrCat("needs at least 2 options, got ", poll.options.size()));
  }
  if (poll.options.size() > kMaxPollOptions) {
    return Field("options", absl::StrCat("more than ", kMaxPollOptions, " options"));
  }
  absl::flat_hash_set<std::string_view> keys;
  for (size_t i = 0; i < poll.options.size(); ++i) {
    const PollOption& o = poll.options[i];
    const std::string path = absl::StrCat("options[", i, "]");
    MARQUEE_RETURN_IF_ERROR(CheckKey(absl::StrCat(path, ".key"), o.key, kMaxPollOptionKeyBytes));
    if (!keys.insert(o.key).second) {
      return Field(absl::StrCat(path, ".key"), absl::StrCat("duplicate key '", o.key, "'"));
    }
    if (o.label.size() > kMaxPollTextBytes) {
      return Field(absl::StrCat(path, ".label"),
                   absl::StrCat("longer than ", kMaxPollTextBytes, " bytes"));
    }
  }
  if (poll.opens_at && poll.closes_at && *poll.closes_at <= *poll.opens_at) {
    return Field("closesAt", "must be after opensAt");
  }
  if (poll.targeting) {
    if (!poll.targeting->is_object()) {
      return TypeError("targeting.condition", "an object", *poll.targeting);
    }
    absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(*poll.targeting);
    if (!c.ok()) return Field("targeting.condition", StdSv(c.status().message()));
  }
  if (poll.rules.size() > kMaxPollRules) {
    return Field("rules", absl::StrCat("more than ", kMaxPollRules, " rules"));
  }
  absl::flat_hash_set<std::string_view> rule_ids;
  for (size_t i = 0; i < poll.rules.size(); ++i) {
    MARQUEE_RETURN_IF_ERROR(
        ValidateRule(poll, poll.rules[i], absl::StrCat("rules[", i, "]"), rule_ids));
  }
  return absl::OkStatus();
}

absl::StatusOr<Poll> PollFromJson(std::string_view id, const Json& body) {
  MARQUEE_ASSIGN_OR_RETURN(Value v, Value::FromJson(body));
  if (!v.is_object()) return TypeError("poll", "an object", v);
  MARQUEE_RETURN_IF_ERROR(CheckMembers(v, "", {"question", "options", "opensAt", "closesAt",
                                               "targeting", "allowVoteChange", "rules"}));
  Poll poll;
  poll.id = std::string(id);
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> question, ReadString(v, "", "question"));
  if (!question) return Field("question", "missing");
  poll.question = *question;
  MARQUEE_RETURN_IF_ERROR(ReadOptions(v, poll));
  MARQUEE_ASSIGN_OR_RETURN(poll.opens_at, ReadInstant(v, "", "opensAt"));
  MARQUEE_ASSIGN_OR_RETURN(poll.closes_at, ReadInstant(v, "", "closesAt"));
  MARQUEE_RETURN_IF_ERROR(ReadTargeting(v, poll));
  if (const Value* change = v.Find("allowVoteChange"); change != nullptr) {
    if (!change->is_bool()) return TypeError("allowVoteChange", "a boolean", *change);
    poll.allow_vote_change = change->as_bool();
  }
  if (const Value* rules = v.Find("rules"); rules != nullptr) {
    if (!rules->is_array()) return TypeError("rules", "an array", *rules);
    if (rules->size() > kMaxPollRules) {
      return Field("rules", absl::StrCat("more than ", kMaxPollRules, " rules"));
    }
    for (size_t i = 0; i < rules->size(); ++i) {
      MARQUEE_ASSIGN_OR_RETURN(PollRule rule,
                               ReadRule(rules->At(i), absl::StrCat("rules[", i, "]")));
      poll.rules.push_back(std::move(rule));
    }
  }
  MARQUEE_RETURN_IF_ERROR(ValidatePoll(poll));
  return poll;
}

absl::StatusOr<Json> PollToJson(const Poll& poll) {
  std::vector<Value::Member> m;
  m.emplace_back("question", Value::String(poll.question));
  std::vector<Value> options;
  for (const PollOption& o : poll.options) {
    options.push_back(Value::Object(
        {{"key", Value::String(o.key)}, {"label", Value::String(o.label)}}));
  }
  m.emplace_back("options", Value::Array(std::move(options)));
  if (poll.opens_at) m.emplace_back("opensAt", Value::String(internal::FormatInstant(*poll.opens_at)));
  if (poll.closes_at) {
    m.emplace_back("closesAt", Value::String(internal::FormatInstant(*poll.closes_at)));
  }
  if (poll.targeting) m.emplace_back("targeting", Value::Object({{"condition", *poll.targeting}}));
  m.emplace_back("allowVoteChange", Value::Bool(poll.allow_vote_change));
  std::vector<Value> rules;
  for (const PollRule& r : poll.rules) {
    if (!std::isfinite(r.lead_points)) return Field("leadPoints", "not finite");
    for (double w : r.weights) {
      if (!std::isfinite(w)) return Field("weights", "not finite");
    }
    std::vector<Value::Member> rm = {
        {"id", Value::String(r.id)},
        {"option", Value::String(r.option)},
        {"leadPoints", Value::Number(r.lead_points)},
        {"minVotes", Value::Number(static_cast<double>(r.min_votes))},
        {"campaign", Value::String(r.campaign)},
        {"weights", NumberArray(r.weights)}};
    if (r.fired_at) rm.emplace_back("firedAt", Value::String(internal::FormatInstant(*r.fired_at)));
    rules.push_back(Value::Object(std::move(rm)));
  }
  m.emplace_back("rules", Value::Array(std::move(rules)));
  return Value::Object(std::move(m)).ToJson();
}

bool IsPollOpen(const Poll& poll, absl::Time now) {
  if (poll.opens_at && now < *poll.opens_at) return false;
  if (poll.closes_at && now >= *poll.closes_at) return false;
  return true;
}

}  // namespace marquee::campaign
