// Sends one purge request (purge_target.h) with cpp-httplib's client: a
// fresh connection per request (purges are rare and a kept connection to a
// restarted Varnish would fail the next one), every phase under a timeout,
// redirects not followed, the answer's status all that is read.
// Thread-safety: a function of its arguments.
#ifndef MARQUEE_SRC_HTTP_PURGE_SENDER_H_
#define MARQUEE_SRC_HTTP_PURGE_SENDER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "http/purge_target.h"

namespace marquee::http::internal {

struct PurgeSendOptions {
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration request_timeout = absl::Seconds(5);
  std::string ca_file;
};

// OK for a 2xx answer.
// Errors (messages name the target by its label, never a header value):
// Unavailable (no connection, a timeout, 408, 429 or 5xx: worth retrying),
// FailedPrecondition (another status: the purge was refused).
absl::Status SendPurgeRequest(const PurgeTarget& target, const PurgeRequest& request,
                              const PurgeSendOptions& options);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_PURGE_SENDER_H_
