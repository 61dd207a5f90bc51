// The dictionaries a Codec holds: each loaded once into a ZSTD_CDict (for
// encoding, at the codec's level) and a ZSTD_DDict (for decoding), found by
// id for decoding and by collection for encoding.
// Thread-safety: every method may be called concurrently. Dictionaries are
// never removed, so a returned pointer stays valid for the set's lifetime.
#ifndef MARQUEE_SRC_INTERNAL_DICTIONARY_SET_H_
#define MARQUEE_SRC_INTERNAL_DICTIONARY_SET_H_

#include <zstd.h>

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "marquee/codec.h"

namespace marquee::internal {

class LoadedDictionary {
 public:
  // Errors: InvalidArgument (zstd cannot load the bytes).
  static absl::StatusOr<std::unique_ptr<LoadedDictionary>> Load(Dictionary dictionary, int level);
  ~LoadedDictionary();
  LoadedDictionary(const LoadedDictionary&) = delete;
  LoadedDictionary& operator=(const LoadedDictionary&) = delete;

  uint32_t id() const { return id_; }
  const std::string& bytes() const { return bytes_; }
  const ZSTD_CDict* cdict() const { return cdict_; }
  const ZSTD_DDict* ddict() const { return ddict_; }

 private:
  LoadedDictionary(uint32_t id, std::string bytes, ZSTD_CDict* cdict, ZSTD_DDict* ddict)
      : id_(id), bytes_(std::move(bytes)), cdict_(cdict), ddict_(ddict) {}
  const uint32_t id_;
  const std::string bytes_;
  ZSTD_CDict* const cdict_;
  ZSTD_DDict* const ddict_;
};

class DictionarySet {
 public:
  explicit DictionarySet(int level) : level_(level) {}

  // See Codec::AddDictionary.
  [[nodiscard]] absl::Status Add(std::string_view collection, Dictionary dictionary);

  // The dictionary Encode uses for `collection`; null when it has none.
  const LoadedDictionary* ForCollection(std::string_view collection) const;

  // The dictionary with `id`; null when the set does not hold it.
  const LoadedDictionary* ById(uint32_t id) const;

 private:
  const int level_;
  mutable std::shared_mutex mu_;
  absl::flat_hash_map<uint32_t, std::unique_ptr<LoadedDictionary>> by_id_;
  absl::flat_hash_map<std::string, const LoadedDictionary*> by_collection_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_DICTIONARY_SET_H_
