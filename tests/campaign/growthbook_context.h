// Test helpers: a Context from the JSON context of GrowthBook's test cases
// (the options of the JavaScript SDK's constructor), and JSON equality as
// Jest's toEqual decides it (object member order does not matter).
#ifndef MARQUEE_TESTS_CAMPAIGN_GROWTHBOOK_CONTEXT_H_
#define MARQUEE_TESTS_CAMPAIGN_GROWTHBOOK_CONTEXT_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/campaign/value.h"

namespace marquee::campaign::testing {

// Reads attributes, features, savedGroups, contextualBandits,
// forcedVariations, url, enabled, qaMode and stickyBucketAssignmentDocs.
inline absl::StatusOr<Context> ContextFromCaseJson(const Value& json) {
  Context context;
  if (!json.is_object()) return absl::InvalidArgumentError("context: not an object");
  if (const Value* v = json.Find("attributes")) context.attributes = *v;
  if (const Value* v = json.Find("features")) {
    absl::StatusOr<FeatureSet> set = FeatureSet::FromValue(*v);
    if (!set.ok()) return set.status();
    context.features = std::make_shared<const FeatureSet>(*std::move(set));
  }
  if (const Value* v = json.Find("savedGroups")) {
    absl::StatusOr<SavedGroups> groups = SavedGroupsFromValue(*v);
    if (!groups.ok()) return groups.status();
    context.saved_groups = std::make_shared<const SavedGroups>(*std::move(groups));
  }
  if (const Value* v = json.Find("contextualBandits")) {
    absl::StatusOr<ContextualBandits> bandits = ContextualBanditsFromValue(*v);
    if (!bandits.ok()) return bandits.status();
    context.contextual_bandits = std::make_shared<const ContextualBandits>(*std::move(bandits));
  }
  if (const Value* v = json.Find("forcedVariations")) {
    for (const Value::Member& m : v->members()) {
      context.forced_variations[m.first] = static_cast<int>(m.second.as_number());
    }
  }
  if (const Value* v = json.Find("url")) context.url = std::string(v->as_string());
  if (const Value* v = json.Find("enabled")) context.enabled = v->as_bool();
  if (const Value* v = json.Find("qaMode")) context.qa_mode = v->as_bool();
  if (const Value* v = json.Find("stickyBucketAssignmentDocs")) {
    for (const Value::Member& m : v->members()) {
      absl::StatusOr<StickyAssignmentsDoc> doc = StickyAssignmentsDocFromValue(m.second);
      if (!doc.ok()) return doc.status();
      context.sticky_bucket_assignment_docs[m.first] = *std::move(doc);
    }
  }
  return context;
}

// Deep equality where object members may come in any order; numbers equal
// within 1e-12 (results are computed, expectations are written by hand).
inline bool JsonEquivalent(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kNull:
      return true;
    case ValueType::kBool:
      return a.as_bool() == b.as_bool();
    case ValueType::kNumber: {
      const double x = a.as_number(), y = b.as_number();
      return x == y || (x - y < 1e-12 && y - x < 1e-12);
    }
    case ValueType::kString:
      return a.as_string() == b.as_string();
    case ValueType::kArray:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!JsonEquivalent(a.At(i), b.At(i))) return false;
      }
      return true;
    case ValueType::kObject:
      if (a.size() != b.size()) return false;
      for (const Value::Member& m : a.members()) {
        const Value* other = b.Find(m.first);
        if (other == nullptr || !JsonEquivalent(m.second, *other)) return false;
      }
      return true;
  }
  return false;
}

// The documents of a context as GrowthBook's getStickyBucketAssignmentDocs
// returns them.
inline Value StickyDocsToValue(const StickyAssignmentDocs& docs) {
  std::vector<Value::Member> members;
  for (const auto& [key, doc] : docs) members.emplace_back(key, StickyAssignmentsDocToValue(doc));
  return Value::Object(std::move(members));
}

}  // namespace marquee::campaign::testing

#endif  // MARQUEE_TESTS_CAMPAIGN_GROWTHBOOK_CONTEXT_H_
