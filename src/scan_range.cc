#include "internal/scan_range.h"

#include "absl/strings/str_cat.h"
#include "internal/index_key.h"

namespace marquee::internal {
namespace {

// Keeps the tighter of two lower bounds.
void TightenLower(std::optional<KeyBound>& bound, KeyBound candidate) {
  if (!bound || candidate.key > bound->key ||
      (candidate.key == bound->key && !candidate.inclusive)) {
    bound = std::move(candidate);
  }
}

// Keeps the tighter of two upper bounds.
void TightenUpper(std::optional<KeyBound>& bound, KeyBound candidate) {
  if (!bound || candidate.key < bound->key ||
      (candidate.key == bound->key && !candidate.inclusive)) {
    bound = std::move(candidate);
  }
}

// Keys with `encoded` as a prefix are "equal" to the value; keys before it
// are smaller and keys from PrefixSuccessor(encoded) on are greater.
void AddValueBound(std::string encoded, bool is_lower_in_key_order, bool inclusive,
                   KeyRange* range) {
  if (is_lower_in_key_order) {
    if (inclusive) {
      TightenLower(range->lower, {std::move(encoded), true});
    } else if (auto next = PrefixSuccessor(encoded)) {
      TightenLower(range->lower, {std::move(*next), true});
    } else {
      // Nothing sorts after: an empty range.
      TightenUpper(range->upper, {std::string(), false});
    }
  } else {
    if (!inclusive) {
      TightenUpper(range->upper, {std::move(encoded), false});
    } else if (auto next = PrefixSuccessor(encoded)) {
      TightenUpper(range->upper, {std::move(*next), false});
    }
  }
}

absl::Status CheckPosition(const ScanPosition& position, const std::vector<IndexField>& fields,
                           const char* which) {
  if (position.values.size() != fields.size()) {
    return absl::InvalidArgumentError(absl::StrCat("'", which, "' position has ",
                                                   position.values.size(),
                                                   " values but the index has ", fields.size(),
                                                   " fields"));
  }
  return absl::OkStatus();
}

std::string EncodePosition(const ScanPosition& position, const std::vector<IndexField>& fields) {
  return EncodeIndexKey(position.values, fields, position.id);
}

}  // namespace

absl::StatusOr<KeyRange> ComputeKeyRange(const ScanRequest& request,
                                         const std::vector<IndexField>& fields) {
  if (request.prefix.size() > fields.size()) {
    return absl::InvalidArgumentError(absl::StrCat("prefix has ", request.prefix.size(),
                                                   " values but the index has only ",
                                                   fields.size(), " fields"));
  }
  if (request.after && request.before) {
    return absl::InvalidArgumentError("a scan takes 'after' or 'before', not both");
  }
  KeyRange range;
  std::string prefix;
  for (size_t i = 0; i < request.prefix.size(); ++i) {
    AppendIndexValue(request.prefix[i], fields[i].order, &prefix);
  }
  if (!prefix.empty()) {
    TightenLower(range.lower, {prefix, true});
    if (auto next = PrefixSuccessor(prefix)) TightenUpper(range.upper, {std::move(*next), false});
  }

  // Bounds apply to the field after the prefix; on the id order (no
  // fields) they bound the id.
  const size_t bounded = request.prefix.size();
  const bool on_id = fields.empty();
  if ((request.lower || request.upper) && !on_id && bounded == fields.size()) {
    return absl::InvalidArgumentError(
        "lower/upper need a field after the prefix, but the prefix covers every field");
  }
  const bool descending =
      bounded < fields.size() && fields[bounded].order == SortOrder::kDescending;
  auto encode = [&](const IndexValue& value) -> absl::StatusOr<std::string> {
    std::string key = prefix;
    if (on_id) {
      if (value.type() != IndexValue::Type::kString) {
        return absl::InvalidArgumentError("a bound on the id must be a string");
      }
      AppendIdKey(value.text(), &key);
    } else {
      AppendIndexValue(value, fields[bounded].order, &key);
    }
    return key;
  };
  if (request.lower) {
    auto key = encode(request.lower->value);
    if (!key.ok()) return key.status();
    // value >= L is a lower bound in key order, or an upper one if descending.
    AddValueBound(std::move(*key), !descending, request.lower->inclusive, &range);
  }
  if (request.upper) {
    auto key = encode(request.upper->value);
    if (!key.ok()) return key.status();
    AddValueBound(std::move(*key), descending, request.upper->inclusive, &range);
  }
  if (request.after) {
    if (auto s = CheckPosition(*request.after, fields, "after"); !s.ok()) return s;
    TightenLower(range.lower, {EncodePosition(*request.after, fields), false});
  }
  if (request.before) {
    if (auto s = CheckPosition(*request.before, fields, "before"); !s.ok()) return s;
    TightenUpper(range.upper, {EncodePosition(*request.before, fields), false});
  }
  return range;
}

}  // namespace marquee::internal
