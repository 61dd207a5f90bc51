// RFC 7396 merge patch over minified JSON text (merge_patch.h).
#include "marquee/campaign/merge_patch.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "campaign/merge_patch_internal.h"

namespace marquee::campaign {
namespace {

using internal::JsonMember;
using internal::JsonObjectMembers;

bool IsObject(std::string_view text) { return !text.empty() && text[0] == '{'; }

// One member of the object being built.
struct Slot {
  std::string_view raw_key;
  std::string_view value;  // points into an input, or into `merged`
  std::string merged;      // a recursively merged value owns its text here
  bool removed = false;
};

// The members of `text` with each repeated key reduced to one member: at
// its first position, with its last value (what JSON.parse gives).
std::vector<JsonMember> UniqueMembers(std::string_view text) {
  std::vector<JsonMember> members = JsonObjectMembers(text);
  if (members.size() < 2) return members;
  // The map views keys inside `members`, which does not change while it lives.
  absl::flat_hash_map<std::string_view, size_t> first;
  std::vector<size_t> order;
  for (size_t i = 0; i < members.size(); ++i) {
    auto [it, inserted] = first.try_emplace(members[i].key, i);
    if (inserted) {
      order.push_back(i);
    } else {
      members[it->second].value = members[i].value;
    }
  }
  if (order.size() == members.size()) return members;
  std::vector<JsonMember> unique;
  unique.reserve(order.size());
  for (size_t i : order) unique.push_back(std::move(members[i]));
  return unique;
}

// MergePatch(Target, Patch) of RFC 7396 section 2, appended to `out`.
// `target` is empty when the member is absent. `depth` counts the patch
// objects entered, bounded so a patch parsed with a huge max_depth cannot
// exhaust the stack.
absl::Status Merge(std::string_view target, std::string_view patch, uint32_t depth,
                   uint32_t max_depth, std::string* out) {
  if (!IsObject(patch)) {
    out->append(patch);
    return absl::OkStatus();
  }
  if (depth >= max_depth) {
    return absl::InvalidArgumentError(
        absl::StrCat("merge patch nests deeper than the limit of ", max_depth));
  }
  std::vector<JsonMember> target_members =
      IsObject(target) ? UniqueMembers(target) : std::vector<JsonMember>{};
  std::vector<Slot> slots;
  slots.reserve(target_members.size());
  absl::flat_hash_map<std::string_view, size_t> by_key;
  for (const JsonMember& m : target_members) {
    by_key.emplace(m.key, slots.size());
    slots.push_back({.raw_key = m.raw_key, .value = m.value, .merged = {}});
  }
  const std::vector<JsonMember> patch_members = UniqueMembers(patch);
  for (const JsonMember& m : patch_members) {
    auto it = by_key.find(m.key);
    if (m.value == "null") {
      if (it != by_key.end()) slots[it->second].removed = true;
      continue;
    }
    std::string_view current;
    if (it != by_key.end() && !slots[it->second].removed) current = slots[it->second].value;
    Slot* slot;
    if (it == by_key.end()) {
      by_key.emplace(m.key, slots.size());
      slots.push_back({.raw_key = m.raw_key, .value = {}, .merged = {}});
      slot = &slots.back();
    } else {
      slot = &slots[it->second];
      slot->removed = false;
    }
    if (IsObject(m.value)) {
      std::string merged;
      if (absl::Status s = Merge(current, m.value, depth + 1, max_depth, &merged); !s.ok()) {
        return s;
      }
      slot->merged = std::move(merged);
      slot->value = slot->merged;
    } else {
      slot->value = m.value;
    }
  }
  // A Slot's view of its own `merged` string dangles once the vector has
  // grown (the string moved), so a merged value is written from the string.
  out->push_back('{');
  bool first = true;
  for (const Slot& slot : slots) {
    if (slot.removed) continue;
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(slot.raw_key);
    out->append("\":");
    out->append(slot.merged.empty() ? slot.value : std::string_view(slot.merged));
  }
  out->push_back('}');
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> ApplyMergePatch(const Json& target, const Json& patch,
                                     const JsonLimits& limits) {
  std::string out;
  try {
    out.reserve(target.size() + patch.size());
    // Merge recurses once per patch object level: cap it whatever the limits.
    const uint32_t max_depth = std::min(limits.max_depth, kMaxMergePatchDepth);
    if (absl::Status s = Merge(target.text(), patch.text(), 0, max_depth, &out); !s.ok()) {
      return s;
    }
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory applying a merge patch");
  }
  if (out.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("merge patch result is ", out.size(),
                                                   " bytes, over the limit of ",
                                                   limits.max_bytes));
  }
  absl::StatusOr<Json> result = Json::Parse(out, limits);
  if (!result.ok() && !absl::IsResourceExhausted(result.status())) {
    // The text is valid by construction, so only a limit can refuse it.
    return absl::InvalidArgumentError(
        absl::StrCat("merge patch result: ", result.status().message()));
  }
  return result;
}

}  // namespace marquee::campaign
