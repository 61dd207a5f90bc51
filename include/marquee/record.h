// marquee/record.h — the unit every store holds.
//
// A Record is one JSON document in a collection, identified by its id, and
// stamped with the store-wide commit `version` that last wrote it. The
// version is the optimistic-concurrency token (expected versions in a
// WriteBatch, HTTP If-Match), the ETag, the change-feed position and the
// guard that keeps caches from going back in time. `schema` is the version of
// the body's shape, used by upgrade-on-read.
// Thread-safety: values.
//
//   marquee::Record r = *store->Get("campaigns", "spring");
//   std::cout << r.collection << "/" << r.id << " v" << r.version << " " << r.body.text();
#ifndef MARQUEE_RECORD_H_
#define MARQUEE_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee {

// Longest accepted collection name and id, in bytes.
inline constexpr size_t kMaxCollectionNameBytes = 128;
inline constexpr size_t kMaxIdBytes = 512;

struct Record {
  std::string collection{};
  std::string id{};
  // Commit version of the write that produced this record; > 0 once stored.
  uint64_t version = 0;
  // Version of the body's shape. Default: 1.
  uint32_t schema = 1;
  // When the record was first created, and last written (store clock).
  absl::Time created = absl::UnixEpoch();
  absl::Time updated = absl::UnixEpoch();
  Json body{};

  friend bool operator==(const Record&, const Record&) = default;
};

// Checks a collection name: 1..kMaxCollectionNameBytes of [A-Za-z0-9_.-].
// Errors: InvalidArgument naming what is wrong.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateCollectionName(std::string_view name);

// Checks a record id: 1..kMaxIdBytes of valid UTF-8 with no control characters.
// Errors: InvalidArgument naming what is wrong.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateRecordId(std::string_view id);

}  // namespace marquee

#endif  // MARQUEE_RECORD_H_
