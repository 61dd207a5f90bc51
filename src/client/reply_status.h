// The Status of a server's answer: OK for 2xx and 3xx, else the code of
// client.h's table with the problem's detail in the message.
#ifndef MARQUEE_SRC_CLIENT_REPLY_STATUS_H_
#define MARQUEE_SRC_CLIENT_REPLY_STATUS_H_

#include "absl/status/status.h"
#include "marquee/client/client.h"

namespace marquee::client::internal {

// `creating`: the call was a create, so 409 means the id exists
// (AlreadyExists) rather than a refused change (FailedPrecondition).
absl::Status StatusOfReply(const Reply& reply, bool creating = false);

}  // namespace marquee::client::internal

#endif  // MARQUEE_SRC_CLIENT_REPLY_STATUS_H_
