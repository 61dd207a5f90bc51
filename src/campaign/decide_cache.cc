// The L1-cached reads of Decide: profile attributes and sticky-bucket
// documents. A value is stamped with the store version it was read at (for
// an absent record, the store version just before the read), so an
// invalidation from the feed for any later change drops it and a slow load
// never overwrites a newer invalidation (cache.h's version guard).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/decide_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/record.h"

namespace marquee::campaign::internal {
namespace {

// A rough charge for a parsed value: its JSON text, times the cost of
// holding it as shared nodes.
size_t ChargeFor(size_t json_bytes) { return json_bytes * 3 + 64; }

}  // namespace

CachedStickyBucketService::CachedStickyBucketService(Store* store,
                                                     Cache<StickyAssignmentsDoc>* cache)
    : store_(store), cache_(cache), base_(store) {}

absl::StatusOr<std::optional<StickyAssignmentsDoc>> CachedStickyBucketService::GetAssignments(
    std::string_view attribute_name, std::string_view attribute_value) {
  const std::string key = StickyBucketKey(attribute_name, attribute_value);
  // Nothing can be stored under an invalid id: no document, no cache entry.
  if (!ValidateRecordId(key).ok()) return std::optional<StickyAssignmentsDoc>();
  auto loaded = cache_->GetOrLoad(
      key, [this, name = std::string(attribute_name), value = std::string(attribute_value)]()
               -> absl::StatusOr<Cache<StickyAssignmentsDoc>::Loaded> {
        const uint64_t before = store_->CurrentVersion();
        absl::StatusOr<std::optional<StickyAssignmentsDoc>> doc = base_.GetAssignments(name, value);
        if (!doc.ok()) return doc.status();
        Cache<StickyAssignmentsDoc>::Loaded out{.version = before, .bytes = 64};
        if (doc->has_value()) {
          for (const auto& [k, v] : (*doc)->assignments) out.bytes += k.size() + v.size() + 64;
          out.value = std::make_shared<const StickyAssignmentsDoc>(**std::move(doc));
        }
        return out;
      });
  if (absl::IsNotFound(loaded.status())) return std::optional<StickyAssignmentsDoc>();
  if (!loaded.ok()) return loaded.status();
  return std::optional<StickyAssignmentsDoc>(**loaded);
}

absl::Status CachedStickyBucketService::SaveAssignments(const StickyAssignmentsDoc& doc) {
  absl::Status saved = base_.SaveAssignments(doc);
  // Drop the cached document now rather than when the feed catches up, so
  // the next read sees the save and does not assign (and save) again.
  cache_->Invalidate(StickyBucketKey(doc.attribute_name, doc.attribute_value),
                     store_->CurrentVersion());
  return saved;
}

absl::StatusOr<std::shared_ptr<const Value>> LoadProfileAttributes(Store& store, Cache<Value>& cache,
                                                                   const std::string& user) {
  auto loaded = cache.GetOrLoad(user, [&store, &user]() -> absl::StatusOr<Cache<Value>::Loaded> {
    const uint64_t before = store.CurrentVersion();
    absl::StatusOr<Record> record = store.Get(kProfilesCollection, user);
    if (absl::IsNotFound(record.status())) {
      return Cache<Value>::Loaded{.value = nullptr, .version = before, .bytes = 0};
    }
    if (!record.ok()) return record.status();
    absl::StatusOr<Value> body = Value::FromJson(record->body);
    const Value* attributes = body.ok() ? body->Find("attributes") : nullptr;
    if (attributes == nullptr || !attributes->is_object()) {
      return absl::DataLossError(absl::StrCat("profiles/", user,
                                              ": stored body has no \"attributes\" object"));
    }
    return Cache<Value>::Loaded{.value = std::make_shared<const Value>(*attributes),
                                .version = record->version,
                                .bytes = ChargeFor(record->body.size())};
  });
  if (absl::IsNotFound(loaded.status())) return std::shared_ptr<const Value>();
  return loaded;
}

Value MergeAttributes(const Value* profile, const Value& context, const std::string& user) {
  std::vector<Value::Member> members;
  const size_t n = (profile != nullptr ? profile->size() : 0) + context.size() + 1;
  members.reserve(n);
  if (profile != nullptr) {
    for (const Value::Member& m : profile->members()) members.push_back(m);
  }
  // Value::Object keeps a repeated key's first position and last value:
  // the context wins.
  for (const Value::Member& m : context.members()) members.push_back(m);
  bool has_id = false;
  for (const Value::Member& m : members) {
    if (m.first == "id") {
      has_id = true;
      break;
    }
  }
  if (!has_id) members.emplace_back("id", Value::String(user));
  return Value::Object(std::move(members));
}

}  // namespace marquee::campaign::internal
