// A committed batch: what the log stores, recovery replays and Watch delivers.
#ifndef MARQUEE_SRC_INTERNAL_COMMIT_H_
#define MARQUEE_SRC_INTERNAL_COMMIT_H_

#include <cstdint>
#include <vector>

#include "marquee/store.h"

namespace marquee::internal {

// Every change of one committed WriteBatch, in batch order. Each Change
// carries the commit version; a put carries its full resulting Record (with
// created/updated times), an erase only collection, id and version.
struct Commit {
  uint64_t version = 0;
  std::vector<Change> changes;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_COMMIT_H_
