// Dictionaries held by a Codec. Loading (building the CDict's tables) runs
// outside the lock, so encoders and decoders wait only for two map inserts.
#include "internal/dictionary_set.h"

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/status.h"

namespace marquee::internal {

absl::StatusOr<std::unique_ptr<LoadedDictionary>> LoadedDictionary::Load(Dictionary dictionary,
                                                                         int level) {
  ZSTD_CDict* cdict = ZSTD_createCDict(dictionary.bytes.data(), dictionary.bytes.size(), level);
  ZSTD_DDict* ddict = ZSTD_createDDict(dictionary.bytes.data(), dictionary.bytes.size());
  if (cdict == nullptr || ddict == nullptr) {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
    return absl::InvalidArgumentError(
        absl::StrCat("dictionary ", dictionary.id,
                     " is not a zstd dictionary zstd can load (its header or entropy tables are "
                     "malformed)"));
  }
  return std::unique_ptr<LoadedDictionary>(
      new LoadedDictionary(dictionary.id, std::move(dictionary.bytes), cdict, ddict));
}

LoadedDictionary::~LoadedDictionary() {
  ZSTD_freeCDict(cdict_);
  ZSTD_freeDDict(ddict_);
}

absl::Status DictionarySet::Add(std::string_view collection, Dictionary dictionary) {
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(collection));
  if (dictionary.bytes.size() < kMinDictionaryBytes ||
      dictionary.bytes.size() > kMaxDictionaryBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dictionary ", dictionary.id, " is ", dictionary.bytes.size(),
        " bytes; the accepted range is ", kMinDictionaryBytes, "..", kMaxDictionaryBytes));
  }
  const uint32_t id = dictionary.id;
  {
    std::shared_lock lock(mu_);
    auto it = by_id_.find(id);
    if (it != by_id_.end() && it->second->bytes() != dictionary.bytes) {
      return absl::AlreadyExistsError(
          absl::StrCat("dictionary ", id, " is already held with other bytes"));
    }
  }
  MARQUEE_ASSIGN_OR_RETURN(std::unique_ptr<LoadedDictionary> loaded,
                           LoadedDictionary::Load(std::move(dictionary), level_));
  std::unique_lock lock(mu_);
  // Looked up again: another Add of the same id may have won the race.
  auto [it, inserted] = by_id_.try_emplace(id, nullptr);
  if (inserted) {
    it->second = std::move(loaded);
  } else if (it->second->bytes() != loaded->bytes()) {
    return absl::AlreadyExistsError(
        absl::StrCat("dictionary ", id, " is already held with other bytes"));
  }
  by_collection_[std::string(collection)] = it->second.get();
  return absl::OkStatus();
}

const LoadedDictionary* DictionarySet::ForCollection(std::string_view collection) const {
  std::shared_lock lock(mu_);
  auto it = by_collection_.find(Sv(collection));
  return it == by_collection_.end() ? nullptr : it->second;
}

const LoadedDictionary* DictionarySet::ById(uint32_t id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

}  // namespace marquee::internal
