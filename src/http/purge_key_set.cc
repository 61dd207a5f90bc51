#include "http/purge_key_set.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "marquee/http/surrogate_keys.h"

namespace marquee::http::internal {

void PurgeKeySet::AddChange(std::string_view collection, std::string_view id) {
  std::vector<std::string> keys = ChangePurgeKeys(collection, id);
  collections_.emplace(keys[0]);
  // A collection purged whole already covers its records.
  if (keys.size() < 2 || wide_.contains(collection)) return;
  AddRecordKey(collection, std::move(keys[1]));
}

void PurgeKeySet::AddCollection(std::string_view collection) {
  collections_.emplace(collection);
  wide_.emplace(collection);
  // Its record keys are covered now.
  const std::string prefix = std::string(collection) + "/";
  for (auto it = records_.lower_bound(prefix);
       it != records_.end() && it->compare(0, prefix.size(), prefix) == 0;) {
    it = records_.erase(it);
  }
}

void PurgeKeySet::AddRecordKey(std::string_view collection, std::string key) {
  if (records_.contains(key)) return;
  if (records_.size() < max_record_keys_) {
    records_.emplace(std::move(key));
    return;
  }
  // Full: every collection with record keys, and this one, is purged whole.
  ++overflows_;
  for (const std::string& record : records_) wide_.emplace(record.substr(0, record.find('/')));
  records_.clear();
  wide_.emplace(collection);
}

void PurgeKeySet::AddKey(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) {
    collections_.emplace(key);
    return;
  }
  const std::string_view collection = key.substr(0, slash);
  if (key.substr(slash) == "/*") {
    AddCollection(collection);
    return;
  }
  collections_.emplace(collection);
  if (!wide_.contains(collection)) AddRecordKey(collection, std::string(key));
}

size_t PurgeKeySet::size() const { return collections_.size() + wide_.size() + records_.size(); }

std::vector<std::string> PurgeKeySet::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(size());
  for (const std::string& c : collections_) keys.push_back(c);
  for (const std::string& c : wide_) keys.push_back(c + "/*");
  for (const std::string& record : records_) keys.push_back(record);
  return keys;
}

void PurgeKeySet::Clear() {
  collections_.clear();
  wide_.clear();
  records_.clear();
}

}  // namespace marquee::http::internal
