// GET /v1/polls/{id}/stream: Server-Sent Events of a poll's tally, and the
// StreamHub that counts the live streams and sends their heartbeats from
// one thread per Api (2,000 subscribers must not cost 2,000 threads).
#ifndef MARQUEE_SRC_HTTP_POLL_STREAM_H_
#define MARQUEE_SRC_HTTP_POLL_STREAM_H_

#include <cstddef>

#include "absl/status/status.h"
#include "http/api_internal.h"
#include "http/router.h"

namespace marquee::http::internal {

// Adds the stream route and sets context->streams.
[[nodiscard]] absl::Status AddPollStreamRoute(ApiContext* context, Router* router);

// Streams started and not yet stopped.
size_t LiveStreams(const StreamHub& hub);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_POLL_STREAM_H_
