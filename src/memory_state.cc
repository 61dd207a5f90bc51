#include "internal/memory_state.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/index_key.h"
#include "internal/json_values.h"
#include "internal/scan_range.h"
#include "marquee/status.h"

namespace marquee::internal {

MemoryState::MemoryState() = default;

std::string MemoryState::ShardKey(std::string_view collection, std::string_view id) {
  // Collection names cannot contain '\0', so the key is unambiguous.
  std::string key;
  key.reserve(collection.size() + 1 + id.size());
  key.append(collection).push_back('\0');
  key.append(id);
  return key;
}

size_t MemoryState::RecordKeyHash::operator()(const RecordKey& key) const {
  return absl::HashOf(Sv(key.collection), Sv(key.id));
}

MemoryState::RecordKey MemoryState::SplitShardKey(std::string_view shard_key) {
  const size_t nul = shard_key.find('\0');
  return {shard_key.substr(0, nul), shard_key.substr(nul + 1)};
}

size_t MemoryState::ShardOf(const RecordKey& key) const {
  // High bits: the low ones also pick slots and tag bytes inside each
  // shard's table, which would lose entropy if every entry shared them.
  return (RecordKeyHash()(key) >> 40) % kShards;
}

RecordPtr MemoryState::Find(std::string_view collection, std::string_view id) const {
  const RecordKey key{collection, id};
  const Shard& shard = shards_[ShardOf(key)];
  std::shared_lock lock(shard.mu);
  auto it = shard.records.find(key);
  return it == shard.records.end() ? nullptr : *it;
}

MemoryState::CollectionShard& MemoryState::CollectionShardOf(std::string_view name) const {
  return collection_shards_[absl::HashOf(Sv(name)) % kCollectionShards];
}

const MemoryState::CollectionData* MemoryState::FindCollection(std::string_view name) const {
  const CollectionShard& shard = CollectionShardOf(name);
  std::shared_lock lock(shard.mu);
  auto it = shard.collections.find(Sv(name));
  return it == shard.collections.end() ? nullptr : it->second.get();
}

MemoryState::CollectionData* MemoryState::GetOrCreateCollection(std::string_view name) {
  CollectionShard& shard = CollectionShardOf(name);
  {
    std::shared_lock lock(shard.mu);
    auto it = shard.collections.find(Sv(name));
    if (it != shard.collections.end()) return it->second.get();
  }
  auto data = std::make_unique<CollectionData>();
  data->indexes.emplace("", IndexData{});
  std::unique_lock lock(shard.mu);
  auto [it, inserted] = shard.collections.try_emplace(std::string(name), std::move(data));
  return it->second.get();
}

std::string MemoryState::KeyFor(const IndexData& index, const Record& record) const {
  if (index.spec.fields.empty()) {
    std::string key;
    AppendIdKey(record.id, &key);
    return key;
  }
  std::vector<IndexValue> values;
  // The body was validated when written; a pointer that cannot be resolved
  // is simply a missing value.
  if (!ValuesAt(record.body, index.pointers, &values).ok()) {
    values.assign(index.pointers.size(), IndexValue::Missing());
  }
  return EncodeIndexKey(values, index.spec.fields, record.id);
}

absl::Status MemoryState::DefineIndex(const IndexSpec& spec) {
  MARQUEE_RETURN_IF_ERROR(ValidateIndexSpec(spec));
  CollectionData* collection = GetOrCreateCollection(spec.collection);
  std::unique_lock lock(collection->mu);
  if (auto it = collection->indexes.find(spec.name); it != collection->indexes.end()) {
    if (it->second.spec == spec) return absl::OkStatus();
    return absl::AlreadyExistsError(absl::StrCat("index '", spec.name, "' of collection '",
                                                 spec.collection,
                                                 "' is already declared with other fields"));
  }
  IndexData index;
  index.spec = spec;
  for (const IndexField& field : spec.fields) index.pointers.push_back(field.pointer);
  for (const auto& [key, record] : collection->indexes.at("").rows) {
    index.rows.emplace(KeyFor(index, *record), record);
  }
  collection->indexes.emplace(spec.name, std::move(index));
  return absl::OkStatus();
}

std::vector<IndexSpec> MemoryState::Indexes(std::string_view collection) const {
  std::vector<IndexSpec> specs;
  const CollectionData* data = FindCollection(collection);
  if (data == nullptr) return specs;
  std::shared_lock lock(data->mu);
  for (const auto& [name, index] : data->indexes) {
    if (!name.empty()) specs.push_back(index.spec);
  }
  return specs;
}

void MemoryState::Prepare(const Change& change, const RecordPtr& previous,
                          PreparedApply* prepared) const {
  std::string shard_key = ShardKey(change.collection, change.id);
  RecordPtr next;
  if (change.kind == Change::Kind::kPut) {
    next = std::make_shared<const Record>(change.record);
  }
  prepared->records.emplace_back(std::move(shard_key), next);
  const CollectionData* collection = FindCollection(change.collection);
  if (collection == nullptr) {
    // First record of a new collection: only the id order exists.
    std::string key;
    AppendIdKey(change.id, &key);
    prepared->index_updates.push_back(IndexUpdate{
        change.collection, "", previous ? key : std::string(), next ? key : std::string(), next});
    return;
  }
  for (const auto& [name, index] : collection->indexes) {
    IndexUpdate update{change.collection, name, {}, {}, next};
    if (previous) update.old_key = KeyFor(index, *previous);
    if (next) update.new_key = KeyFor(index, *next);
    prepared->index_updates.push_back(std::move(update));
  }
}

void MemoryState::Apply(PreparedApply prepared) {
  // Lock everything the group touches, in a fixed order (collections by
  // name, then shards by number), so the group becomes visible at once.
  // Groups are usually one record: sorted small vectors, not sets.
  std::vector<std::string_view> names;
  for (const IndexUpdate& update : prepared.index_updates) names.push_back(update.collection);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<CollectionData*> collections;
  collections.reserve(names.size());
  for (std::string_view name : names) collections.push_back(GetOrCreateCollection(name));
  std::vector<size_t> shard_numbers;
  for (const auto& [key, record] : prepared.records) shard_numbers.push_back(ShardOf(SplitShardKey(key)));
  std::sort(shard_numbers.begin(), shard_numbers.end());
  shard_numbers.erase(std::unique(shard_numbers.begin(), shard_numbers.end()), shard_numbers.end());

  std::vector<std::unique_lock<std::shared_mutex>> locks;
  locks.reserve(collections.size() + shard_numbers.size());
  for (CollectionData* c : collections) locks.emplace_back(c->mu);
  for (size_t s : shard_numbers) locks.emplace_back(shards_[s].mu);

  for (IndexUpdate& update : prepared.index_updates) {
    const auto name = std::lower_bound(names.begin(), names.end(), update.collection);
    CollectionData* collection = collections[static_cast<size_t>(name - names.begin())];
    auto& rows = collection->indexes.find(update.index)->second.rows;
    if (!update.old_key.empty()) rows.erase(update.old_key);
    if (!update.new_key.empty()) rows.insert_or_assign(std::move(update.new_key), update.record);
  }
  // In commit order, so a later change to a key wins.
  for (auto& [key, record] : prepared.records) {
    const RecordKey record_key = SplitShardKey(key);
    auto& records = shards_[ShardOf(record_key)].records;
    // Erase first: the set's element is the record, so a replacement must
    // take the place of the old one, not be dropped as a duplicate.
    records.erase(record_key);
    if (record) records.insert(std::move(record));
  }
}

std::vector<RecordPtr> MemoryState::AllRecords() const {
  std::vector<RecordPtr> all;
  for (const Shard& shard : shards_) {
    std::shared_lock lock(shard.mu);
    for (const RecordPtr& record : shard.records) all.push_back(record);
  }
  return all;
}

uint64_t MemoryState::record_count() const {
  uint64_t n = 0;
  for (const Shard& shard : shards_) {
    std::shared_lock lock(shard.mu);
    n += shard.records.size();
  }
  return n;
}

}  // namespace marquee::internal

namespace marquee::internal {
namespace {

bool BeyondUpper(const std::string& key, const std::optional<KeyBound>& upper) {
  return upper && (upper->inclusive ? key > upper->key : key >= upper->key);
}

bool BelowLower(const std::string& key, const std::optional<KeyBound>& lower) {
  return lower && (lower->inclusive ? key < lower->key : key <= lower->key);
}

}  // namespace

absl::StatusOr<ScanResult> MemoryState::Scan(const ScanRequest& request) const {
  if (request.limit == 0) return absl::InvalidArgumentError("limit must be at least 1");
  if (request.max_scanned == 0) return absl::InvalidArgumentError("max_scanned must be at least 1");
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(request.collection));
  MARQUEE_RETURN_IF_ERROR(ValidateFilter(request.filter));

  const CollectionData* collection = FindCollection(request.collection);
  std::shared_lock<std::shared_mutex> lock;
  const IndexData* index = nullptr;
  if (collection != nullptr) {
    lock = std::shared_lock(collection->mu);
    auto it = collection->indexes.find(request.index);
    if (it != collection->indexes.end()) index = &it->second;
  }
  if (index == nullptr && !request.index.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("collection '", request.collection,
                                                   "' has no index '", request.index, "'"));
  }
  static const std::vector<IndexField> kNoFields;
  const std::vector<IndexField>& fields = index ? index->spec.fields : kNoFields;
  MARQUEE_ASSIGN_OR_RETURN(KeyRange range, ComputeKeyRange(request, fields));

  ScanResult result;
  if (index == nullptr) return result;  // a collection nothing was written to
  const auto& rows = index->rows;
  const RecordPtr* last_examined = nullptr;
  const bool backward = request.before.has_value();
  auto take = [&](const RecordPtr& record) {
    ++result.scanned;
    last_examined = &record;
    if (Matches(request.filter, record->body)) result.records.push_back(*record);
  };
  auto done = [&] { return result.records.size() >= request.limit || result.scanned >= request.max_scanned; };

  if (!backward) {
    auto it = !range.lower ? rows.begin()
              : range.lower->inclusive ? rows.lower_bound(range.lower->key)
                                       : rows.upper_bound(range.lower->key);
    for (; it != rows.end() && !BeyondUpper(it->first, range.upper) && !done(); ++it) take(it->second);
    result.more = it != rows.end() && !BeyondUpper(it->first, range.upper);
  } else {
    auto it = !range.upper ? rows.end()
              : range.upper->inclusive ? rows.upper_bound(range.upper->key)
                                       : rows.lower_bound(range.upper->key);
    while (it != rows.begin() && !done()) {
      auto prev = std::prev(it);
      if (BelowLower(prev->first, range.lower)) break;
      take(prev->second);
      it = prev;
    }
    result.more = it != rows.begin() && !BelowLower(std::prev(it)->first, range.lower);
    std::reverse(result.records.begin(), result.records.end());
  }
  if (last_examined != nullptr) {
    ScanPosition end{.values = {}, .id = (*last_examined)->id};
    if (!index->pointers.empty() &&
        !ValuesAt((*last_examined)->body, index->pointers, &end.values).ok()) {
      end.values.assign(index->pointers.size(), IndexValue::Missing());
    }
    result.end = std::move(end);
  }
  return result;
}

}  // namespace marquee::internal
