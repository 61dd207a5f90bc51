// The Status of a server's answer: OK for 2xx and 3xx, else the code of
// client.h's table with the problem's detail in the message; and the
// version an answer's ETag carries.
#ifndef MARQUEE_SRC_CLIENT_REPLY_STATUS_H_
#define MARQUEE_SRC_CLIENT_REPLY_STATUS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/client/client.h"

namespace marquee::client::internal {

// `creating`: the call was a create, so 409 means the id exists
// (AlreadyExists) rather than a refused change (FailedPrecondition).
absl::Status StatusOfReply(const Reply& reply, bool creating = false);

// The version a strong ETag carries: "\"42\"", or "\"42-gzip\"" /
// "\"42-zstd\"" when the server compressed the answer (its tags name the
// coding, see api.h).
// Errors: DataLoss (no strong ETag, or not a version).
absl::StatusOr<uint64_t> VersionOfETag(const Reply& reply);

}  // namespace marquee::client::internal

#endif  // MARQUEE_SRC_CLIENT_REPLY_STATUS_H_
