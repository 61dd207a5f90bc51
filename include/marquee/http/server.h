// marquee/http/server.h — the HTTP/1.1 server of Marquee (Boost.Beast on Asio).
//
// Server moves bytes between sockets and an Api (api.h): it parses requests
// under limits, calls Api::Handle, and writes the Response back. It holds no
// business rule. What it gives:
//   - one io_context per worker thread; accepted connections are spread
//     across them round-robin, and a connection stays on its thread;
//   - HTTP/1.1 keep-alive and pipelining (requests already received on a
//     connection are answered one after another, in order); TCP_NODELAY;
//   - limits, each refused with an application/problem+json body and the
//     connection closed afterwards (the rest of its bytes are never read as
//     a new request): header bytes or header count over the limit → 431; a
//     body over max_body_bytes → 413 (announced by Content-Length or found
//     while reading a chunked body); a malformed request, Content-Length
//     together with Transfer-Encoding, or differing Content-Length values
//     → 400; a connection past max_connections → 503;
//   - timeouts: a client has header_read_timeout to send a request's
//     header once its first byte arrived (and a new connection as much for
//     its first byte), body_read_timeout for the body, and an idle
//     keep-alive connection is closed after idle_timeout; a timed-out
//     connection is closed without an answer;
//   - optional TLS 1.2+ (ServerOptions::tls_certificate_file), over
//     Debian's OpenSSL;
//   - graceful shutdown: Shutdown stops accepting, closes idle connections,
//     lets requests in flight finish up to a drain time, then closes the
//     rest;
//   - optional host routes (ServerOptions::host_routes), asked before the
//     Api, for what is not the Api's business (a site's static files).
// HEAD answers carry the headers of their GET and no body.
//
// The Api is called synchronously on the connection's io thread: a slow
// Handle (a write to a MemoryStore with FsyncPolicy::kAlways waits for the
// disk) blocks every other connection of that thread meanwhile, so give
// such a store more worker threads.
//
// Thread-safety: Start, port and Shutdown may be called from any thread;
// Shutdown may be called several times and concurrently. The access log
// callback runs on the io threads, possibly several at once.
//
//   auto api = marquee::http::Api::Create({.store = store, .campaigns = repo});
//   auto server = marquee::http::Server::Start(**api, {.listen = "127.0.0.1:0"});
//   if (!server.ok()) return server.status();
//   std::cout << "listening on port " << (*server)->port() << "\n";
//   ...
//   (*server)->Shutdown(absl::Seconds(10));  // also done by the destructor
#ifndef MARQUEE_HTTP_SERVER_H_
#define MARQUEE_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/export.h"
#include "marquee/http/api.h"

namespace marquee::http {

// What the server tells the access log about one request, once, after its
// answer was written (or failed to be).
struct AccessLogEntry {
  // The request's method and target; empty when the request could not be
  // parsed (a 400, 413 or 431 of the transport).
  std::string method{};
  std::string target{};
  // The status code sent.
  int status = 0;
  // From the end of the request's header to the end of the answer's write.
  absl::Duration latency = absl::ZeroDuration();
  // Bytes of the request read (header and body as on the wire) and of the
  // answer written.
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  // The peer ("127.0.0.1:51234", "[::1]:51234").
  std::string remote_address{};
};

struct ServerOptions {
  // Where to listen, "host:port": an IPv4 address, a bracketed IPv6 address
  // ("[::1]:8080") or a host name that resolves (the first address is used).
  // Port 0 picks a free port; port() tells which. Default: "127.0.0.1:8080".
  std::string listen = "127.0.0.1:8080";
  // Worker threads, each running its own io_context; 0 means the hardware
  // concurrency (at least 1). At most 1024. Default: 0.
  size_t threads = 0;
  // Largest request header (request line and fields), in bytes; a larger
  // one gets 431. 256..16 MiB. Default: 16 KiB.
  uint32_t max_header_bytes = 16 * 1024;
  // Most header fields in a request; more get 431. 1..100,000. Default: 100.
  size_t max_header_count = 100;
  // Largest request body, in bytes, after removing chunked coding; a larger
  // one gets 413. 0..1 GiB. Keep it at most the Api's max_body_bytes.
  // Default: 1 MiB.
  uint64_t max_body_bytes = uint64_t{1} << 20;
  // How long a client may take to send a request's header, counted from its
  // first byte (from the accept for a connection's first request). Positive.
  // Default: 10 seconds.
  absl::Duration header_read_timeout = absl::Seconds(10);
  // How long a client may take to send a request's body. Positive.
  // Default: 60 seconds.
  absl::Duration body_read_timeout = absl::Seconds(60);
  // How long a keep-alive connection may wait for its next request; also the
  // limit on writing an answer to a client that does not read. Positive.
  // Default: 60 seconds.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Requests served on one connection before the server closes it
  // ("Connection: close" on the last answer); 0: no limit. Default: 0.
  size_t max_requests_per_connection = 0;
  // Open connections at most; a connection accepted beyond gets a 503
  // problem and is closed. 1..1,000,000. Default: 10,000.
  size_t max_connections = 10000;
  // A streamed answer (Response::stream, e.g. SSE): bytes queued for a
  // client and not yet written at most; a client that falls further behind
  // is disconnected rather than buffered without bound. Streaming
  // connections count in max_connections, are exempt from idle_timeout
  // while streaming and are closed by Shutdown at once. Positive.
  // Default: 1 MiB.
  size_t max_stream_queue_bytes = size_t{1} << 20;
  // The kernel send buffer (SO_SNDBUF) of a streaming connection. Linux
  // grows a socket's buffer up to net.ipv4.tcp_wmem's maximum (4 MiB by
  // default), which for 2,000 subscribers that stop reading would be 8 GiB
  // of kernel memory and would hide a stalled reader from
  // max_stream_queue_bytes for megabytes. 0: the kernel's choice, else
  // 4 KiB..16 MiB. Default: 64 KiB.
  size_t stream_send_buffer_bytes = size_t{64} << 10;
  // TLS: PEM files of the certificate chain (the server's certificate
  // first) and of its private key (unencrypted). Both or neither; with
  // them every connection speaks TLS 1.2 or 1.3 (older versions and
  // renegotiation are refused), the handshake counting against
  // header_read_timeout. Read once by Start. Default: none (plain HTTP).
  std::string tls_certificate_file{};
  std::string tls_private_key_file{};
  // Called once per answered request (AccessLogEntry); must not throw, and
  // should be quick: it runs on the io thread. Default: none.
  std::function<void(const AccessLogEntry& entry)> access_log{};
  // The host's own routes, asked first for every request that passed the
  // transport's limits: an answer it returns is sent as it is (HEAD is the
  // host's to handle: a body-less answer with Content-Length set is sent as
  // such); none hands the request to the Api. The Api's auth, limits and
  // metrics do not apply to these answers. marquee-server serves its
  // --web-dir this way. Runs on the io threads, possibly several at once;
  // must not throw and should be quick. Default: none (every request goes
  // to the Api).
  std::function<std::optional<Response>(const Request& request)> host_routes{};
};

class MARQUEE_EXPORT Server {
 public:
  // Binds options.listen, starts the worker threads and accepts connections
  // for `api`, which must outlive the Server.
  // Errors: InvalidArgument (an option out of range, a listen address that
  // is not "host:port" or does not resolve), Unavailable (the address is in
  // use or cannot be bound, with the system's reason), Internal (threads
  // could not start).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Server>> Start(const Api& api,
                                                                     ServerOptions options);

  // Shutdown(absl::Seconds(10)).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when options.listen asked for port 0).
  uint16_t port() const;

  // Stops accepting, closes idle connections, waits up to `drain` for the
  // requests in flight to be answered, then closes every connection and
  // joins the worker threads. Idempotent; a later call returns at once.
  // Thread-safe, but must not be called from the access log callback.
  void Shutdown(absl::Duration drain);

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_SERVER_H_
