// marquee/http/httplib_mount.h — the Marquee HTTP API on a host's existing
// cpp-httplib server (target marquee::http_httplib).
//
// For host applications that already serve with cpp-httplib (Debian 12:
// 0.11.4): Mount registers one handler per method on `server` that hands
// every request to `api` (api.h) and writes its Response back, and applies
// the hardening that cpp-httplib 0.11.4 allows:
//   - TCP_NODELAY, a keep-alive request count and timeout, read and write
//     timeouts;
//   - a worker pool of MountOptions::max_connections threads: cpp-httplib
//     holds one thread per open connection, so this is also the number of
//     clients served at once (others wait in its queue);
//   - the body limit enforced while the body is read, on the inflated bytes
//     (a chunked body or a gzip bomb stops at max_body_bytes with a 413, and
//     the connection is closed rather than its rest parsed as a request);
//   - before the body is read: Content-Length together with
//     Transfer-Encoding, conflicting or malformed Content-Length values
//     (400), more than max_header_count fields (431), a declared
//     Content-Length above max_body_bytes (413), each closing the
//     connection.
// What stays weaker than marquee-server's Beast transport (see
// docs/operations.md): header bytes are bounded only by cpp-httplib's own
// 8 KiB line limit, a slow client holds a worker thread until the read
// timeout, and the pool size caps concurrent connections. Streamed answers
// (GET /v1/polls/{id}/stream, Server-Sent Events) are not served: each
// would hold a worker thread for its whole life, so the Mount answers them
// 501 (a problem naming marquee-server, whose Beast transport streams).
//
// The host keeps ownership of `server`; routes it registered itself before
// Mount for the same method still win (cpp-httplib tries handlers in order).
// Mount replaces the server's pre-routing handler.
// Thread-safety: call Mount before server.listen(); afterwards requests run
// on cpp-httplib's worker threads, which is safe because Api::Handle is.
//
//   httplib::Server server;
//   auto status = marquee::http::Mount(server, *api, {.max_connections = 256});
//   if (!status.ok()) return status;
//   server.listen("127.0.0.1", 8080);
#ifndef MARQUEE_HTTP_HTTPLIB_MOUNT_H_
#define MARQUEE_HTTP_HTTPLIB_MOUNT_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/export.h"
#include "marquee/http/api.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace marquee::http {

struct MountOptions {
  // Largest request body after any Content-Encoding is removed, in bytes
  // (413 above); 1..1 GiB. Give the Api's ApiOptions::max_body_bytes or
  // less. Default: 1 MiB.
  size_t max_body_bytes = size_t{1} << 20;
  // Most header fields in a request (431 above); 1..10,000. Default: 100.
  size_t max_header_count = 100;
  // Worker threads, which is the number of connections served at once;
  // 1..10,000. Default: 64.
  size_t max_connections = 64;
  // Requests served on one connection before it is closed; 1..1,000,000.
  // Default: 1000.
  size_t keep_alive_max_requests = 1000;
  // How long an idle keep-alive connection is kept; 1 s..1 h, whole
  // seconds. Default: 5 s.
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  // How long a read or a write of a request may stall; 1 s..1 h, whole
  // seconds. Default: 5 s.
  absl::Duration io_timeout = absl::Seconds(5);
};

// Mounts `api` on `server` (see the top of this file). `api` must outlive
// every request `server` serves.
// Errors: InvalidArgument (an option out of range).
[[nodiscard]] MARQUEE_EXPORT absl::Status Mount(httplib::Server& server, const Api& api,
                                                MountOptions options = {});

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_HTTPLIB_MOUNT_H_
