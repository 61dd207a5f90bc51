// The keys an edge purger still has to send to one target: the keys of the
// changes seen, merged (a key once), bounded. Past max_record_keys record
// keys ("c/id"), every record key is replaced by its collection's wide keys
// "c" and "c/*" (marquee/http/surrogate_keys.h), which purge every answer
// built from the collection: coarser, never missed. Collection keys are not
// bounded; there are as many as collections.
// Thread-safety: a value; not synchronised.
#ifndef MARQUEE_SRC_HTTP_PURGE_KEY_SET_H_
#define MARQUEE_SRC_HTTP_PURGE_KEY_SET_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace marquee::http::internal {

class PurgeKeySet {
 public:
  explicit PurgeKeySet(size_t max_record_keys) : max_record_keys_(max_record_keys) {}

  // Adds the keys of a change of record `id` in `collection`.
  void AddChange(std::string_view collection, std::string_view id);
  // Adds the wide keys of `collection` ("c", "c/*").
  void AddCollection(std::string_view collection);
  // Adds a key as Keys() returns it ("c", "c/*" or "c/id"), e.g. one whose
  // purge failed and is tried again.
  void AddKey(std::string_view key);

  bool empty() const { return collections_.empty(); }
  // How many keys Keys() returns.
  size_t size() const;
  // The keys, collection keys first, then record keys, each sorted.
  std::vector<std::string> Keys() const;
  // How many times the record keys overflowed into collection keys since
  // the last call.
  uint64_t TakeOverflows() {
    const uint64_t n = overflows_;
    overflows_ = 0;
    return n;
  }
  void Clear();

 private:
  void AddRecordKey(std::string_view collection, std::string key);

  size_t max_record_keys_;
  std::set<std::string, std::less<>> collections_;  // "c": every change adds it
  std::set<std::string, std::less<>> wide_;         // collections purged whole ("c/*")
  std::set<std::string, std::less<>> records_;      // "c/id"
  uint64_t overflows_ = 0;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_PURGE_KEY_SET_H_
