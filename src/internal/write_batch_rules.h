// The rules every Store backend applies to a WriteBatch before it touches
// anything (MemoryStore and PostgresStore share them, so a batch one
// refuses the other refuses with the same message), and the names they use
// for records in messages.
#ifndef MARQUEE_SRC_INTERNAL_WRITE_BATCH_RULES_H_
#define MARQUEE_SRC_INTERNAL_WRITE_BATCH_RULES_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "marquee/store.h"

namespace marquee::internal {

// "'campaigns/spring'": a record as messages name it.
std::string KeyName(std::string_view collection, std::string_view id);

// What a batch weighs against a backend's max_batch_bytes: its names and
// bodies plus a fixed overhead per operation.
size_t BatchBytes(const WriteBatch& batch);

// Errors: InvalidArgument (an empty batch, a bad collection name or record
// id, a put with schema 0), ResourceExhausted (heavier than
// `max_batch_bytes`).
[[nodiscard]] absl::Status ValidateWriteBatch(const WriteBatch& batch, size_t max_batch_bytes);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_WRITE_BATCH_RULES_H_
