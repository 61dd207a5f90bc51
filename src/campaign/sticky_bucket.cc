// Sticky-bucket documents, the in-memory service, and the lookups the
// evaluator makes (marquee/campaign/sticky_bucket.h, sticky_internal.h).
#include "marquee/campaign/sticky_bucket.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/attributes_internal.h"
#include "campaign/json_fields_internal.h"
#include "campaign/sticky_internal.h"
#include "internal/absl_strings.h"

namespace marquee::campaign {

using ::marquee::internal::Sv;

std::string StickyBucketKey(std::string_view attribute_name, std::string_view attribute_value) {
  return absl::StrCat(Sv(attribute_name), "||", Sv(attribute_value));
}

Value StickyAssignmentsDocToValue(const StickyAssignmentsDoc& doc) {
  std::vector<Value::Member> assignments;
  assignments.reserve(doc.assignments.size());
  for (const auto& [key, variation] : doc.assignments) {
    assignments.emplace_back(key, Value::String(variation));
  }
  return Value::Object({{"attributeName", Value::String(doc.attribute_name)},
                        {"attributeValue", Value::String(doc.attribute_value)},
                        {"assignments", Value::Object(std::move(assignments))}});
}

absl::StatusOr<StickyAssignmentsDoc> StickyAssignmentsDocFromValue(const Value& value) {
  internal::FieldReader r(value, "stickyAssignmentsDoc");
  StickyAssignmentsDoc doc;
  std::optional<std::string> name = r.String("attributeName");
  std::optional<std::string> attribute_value = r.String("attributeValue");
  const Value* assignments = r.Any("assignments");
  if (!r.status().ok()) return r.status();
  if (!name) return absl::InvalidArgumentError("stickyAssignmentsDoc.attributeName: missing");
  if (!attribute_value) {
    return absl::InvalidArgumentError("stickyAssignmentsDoc.attributeValue: missing");
  }
  doc.attribute_name = *std::move(name);
  doc.attribute_value = *std::move(attribute_value);
  if (assignments != nullptr) {
    if (!assignments->is_object()) {
      return internal::TypeError("stickyAssignmentsDoc.assignments", "an object", *assignments);
    }
    for (const Value::Member& m : assignments->members()) {
      if (!m.second.is_string()) {
        return internal::TypeError(absl::StrCat("stickyAssignmentsDoc.assignments.", m.first),
                                   "a string", m.second);
      }
      doc.assignments[m.first] = std::string(m.second.as_string());
    }
  }
  return doc;
}

absl::StatusOr<StickyAssignmentDocs> StickyBucketService::GetAllAssignments(
    const std::map<std::string, std::string, std::less<>>& attributes) {
  StickyAssignmentDocs docs;
  for (const auto& [name, value] : attributes) {
    absl::StatusOr<std::optional<StickyAssignmentsDoc>> doc = GetAssignments(name, value);
    if (!doc.ok()) return doc.status();
    if (doc->has_value()) docs[StickyBucketKey(name, value)] = **std::move(doc);
  }
  return docs;
}

absl::StatusOr<std::optional<StickyAssignmentsDoc>> InMemoryStickyBucketService::GetAssignments(
    std::string_view attribute_name, std::string_view attribute_value) {
  const std::string key = StickyBucketKey(attribute_name, attribute_value);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = docs_.find(key);
  if (it == docs_.end()) return std::optional<StickyAssignmentsDoc>();
  return std::optional<StickyAssignmentsDoc>(it->second);
}

absl::Status InMemoryStickyBucketService::SaveAssignments(const StickyAssignmentsDoc& doc) {
  const std::string key = StickyBucketKey(doc.attribute_name, doc.attribute_value);
  std::lock_guard<std::mutex> lock(mu_);
  StickyAssignmentsDoc& stored = docs_[key];
  stored.attribute_name = doc.attribute_name;
  stored.attribute_value = doc.attribute_value;
  for (const auto& [exp_key, variation] : doc.assignments) stored.assignments[exp_key] = variation;
  return absl::OkStatus();
}

namespace internal {
namespace {

// The bucket version a key suffix names, when written as StickyExperimentKey
// writes it (decimal, no sign, no leading zero).
std::optional<int64_t> CanonicalVersion(std::string_view text) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string StickyExperimentKey(std::string_view experiment_key, int bucket_version) {
  return absl::StrCat(Sv(experiment_key), "__", bucket_version);
}

StickyVariation GetStickyBucketVariation(const Context& context, const Experiment& e) {
  const StickyAssignmentDocs& docs = context.sticky_bucket_assignment_docs;
  if (docs.empty()) return {};
  std::string scratch;
  // The document of the hash attribute (no fallback), then the one of the
  // fallback attribute ("id" when the experiment names none) if its value
  // is truthy; the first wins for a key both hold.
  const HashAttribute hash = GetHashAttribute(
      context.attributes, e.hash_attribute ? std::string_view(*e.hash_attribute) : "",
      std::nullopt);
  const StickyAssignmentsDoc* hash_doc = nullptr;
  {
    const std::string key = StickyBucketKey(
        hash.attribute, StickyText(hash.value != nullptr ? *hash.value : EmptyString(), scratch));
    if (auto it = docs.find(key); it != docs.end()) hash_doc = &it->second;
  }
  const HashAttribute fallback = GetHashAttribute(
      context.attributes, e.fallback_attribute ? std::string_view(*e.fallback_attribute) : "",
      std::nullopt);
  const StickyAssignmentsDoc* fallback_doc = nullptr;
  if (fallback.value != nullptr && IsTruthy(*fallback.value)) {
    const std::string key =
        StickyBucketKey(fallback.attribute, StickyText(*fallback.value, scratch));
    if (auto it = docs.find(key); it != docs.end()) fallback_doc = &it->second;
  }
  const auto lookup = [&](const std::string& key) -> const std::string* {
    for (const StickyAssignmentsDoc* doc : {hash_doc, fallback_doc}) {
      if (doc == nullptr) continue;
      if (auto it = doc->assignments.find(key); it != doc->assignments.end()) return &it->second;
    }
    return nullptr;
  };
  // Versions 0 .. min_bucket_version - 1 are blocked. The stored keys are
  // scanned (rather than every blocked version looked up) so a huge
  // minBucketVersion costs nothing.
  const int min_version = e.min_bucket_version.value_or(0);
  if (min_version > 0) {
    const std::string prefix = absl::StrCat(e.key, "__");
    for (const StickyAssignmentsDoc* doc : {hash_doc, fallback_doc}) {
      if (doc == nullptr) continue;
      for (auto it = doc->assignments.lower_bound(prefix);
           it != doc->assignments.end() && it->first.starts_with(prefix); ++it) {
        const std::optional<int64_t> version =
            CanonicalVersion(std::string_view(it->first).substr(prefix.size()));
        if (version && *version < min_version) return {.variation = -1, .version_blocked = true};
      }
    }
  }
  const std::string* variation_key =
      lookup(StickyExperimentKey(e.key, e.bucket_version.value_or(0)));
  if (variation_key == nullptr || !e.meta) return {};
  for (size_t i = 0; i < e.meta->size(); ++i) {
    const std::optional<std::string>& k = (*e.meta)[i].key;
    if (k && *k == *variation_key) return {.variation = static_cast<int>(i)};
  }
  return {};
}

}  // namespace internal
}  // namespace marquee::campaign
