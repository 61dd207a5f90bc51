// The access log of marquee-server: one JSON line per answered request on
// stdout ({"time","method","target","status","latency_us","bytes_in",
// "bytes_out","remote"}), written whole under one lock so lines from the io
// threads never interleave.
#ifndef MARQUEE_EXAMPLES_SERVER_ACCESS_LOG_H_
#define MARQUEE_EXAMPLES_SERVER_ACCESS_LOG_H_

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "marquee/http/server.h"

namespace marquee_server {

// `target` with the value of every access_token query parameter (an API key
// a browser's EventSource sends in the URL) replaced by "REDACTED", so
// logs never hold a usable key.
std::string RedactedTarget(std::string_view target);

// The line for `entry` answered at `now`, newline included. The target is
// RedactedTarget's. The request line's bytes are the client's: anything
// outside printable ASCII, '"' and '\\' are escaped, so the line stays valid
// JSON.
std::string AccessLogLine(const marquee::http::AccessLogEntry& entry, absl::Time now);

// Writes AccessLogLine(entry, now) to stdout and flushes it.
void LogRequest(const marquee::http::AccessLogEntry& entry);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_ACCESS_LOG_H_
