// marquee/http/message.h — HTTP messages as plain values: Headers, Request,
// Response, and the parsed view of a request-target.
//
// These are what marquee::http::Api takes and returns (api.h). They hold no
// socket and know no transport: a transport (Boost.Beast, a cpp-httplib
// Mount, a test) fills a Request from the wire and writes the Response back.
// A transport is expected to have enforced the framing limits (header bytes
// and count, body bytes) before building a Request; the Api checks the body
// size again.
//
// Headers keep every field in the order received; names compare
// case-insensitively (RFC 9110 §5.1), values are kept as given (the
// transport removes surrounding whitespace).
//
// ParseTarget reads an origin-form request-target ("/v1/campaigns?limit=5"):
//   - the path is split on '/', then each segment is percent-decoded on its
//     own, so "/v1/campaigns/a%2Fb" is refused (an encoded '/' inside a
//     segment would let an id smuggle a path) rather than read as "a/b";
//   - a malformed escape ("%4", "%zz"), a NUL (raw or %00), other control
//     characters, invalid UTF-8 after decoding, a dot segment ("." or "..",
//     also encoded) and a target that is not origin-form are refused;
//   - the query is application/x-www-form-urlencoded ('+' is a space,
//     percent escapes as above), parameters in order, repeated names kept,
//     at most TargetLimits::max_query_params of them;
//   - the fragment is not part of a request-target: '#' is refused.
// Errors are InvalidArgument with a message for the client ("path segment 3:
// encoded '/' is not allowed"); the Api turns them into 400 problems.
// Thread-safety: values.
//
//   marquee::http::Request request{.method = "GET", .target = "/v1/campaigns?status=live"};
//   request.headers.Add("If-None-Match", "\"42\"");
//   absl::StatusOr<marquee::http::Target> target = marquee::http::ParseTarget(request.target);
//   // target->segments == {"v1", "campaigns"}; target->query == {{"status", "live"}}
#ifndef MARQUEE_HTTP_MESSAGE_H_
#define MARQUEE_HTTP_MESSAGE_H_

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/export.h"

namespace marquee::http {

// An ordered list of header fields with case-insensitive names.
class MARQUEE_EXPORT Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  Headers() = default;
  Headers(std::initializer_list<Field> fields) : fields_(fields) {}

  // The value of the first field named `name`; none when absent. The view is
  // valid until the next change of these headers.
  std::optional<std::string_view> Get(std::string_view name) const;
  // The values of every field named `name`, in order. Views as for Get.
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Replaces every field named `name` by one field with `value`, where the
  // first of them was (at the end when there was none).
  void Set(std::string_view name, std::string_view value);
  // Appends a field, keeping those of the same name.
  void Add(std::string_view name, std::string_view value);
  // Removes every field named `name`; returns how many were removed.
  size_t Remove(std::string_view name);

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  std::vector<Field> fields_;
};

struct Request {
  // The method token, case-sensitive ("GET", "POST", ...).
  std::string method{};
  // The raw request-target, as received ("/v1/campaigns?limit=5").
  std::string target{};
  Headers headers{};
  // The body, after the transport removed any transfer coding.
  std::string body{};
  // The peer's address ("203.0.113.7:51234", "[2001:db8::1]:443"), for logs
  // and per-client limits. Default: "" (unknown).
  std::string remote_address{};
};

// Where a ResponseStream writes: given by the transport to Start.
// Thread-safety: every method may be called from any thread at once.
// Write never blocks: it queues the bytes for the connection's io thread,
// which writes them in the order of the Write calls. When the bytes queued
// and not yet written would pass the transport's bound (a slow reader), the
// connection is closed instead and Write returns false; so does every Write
// after the client went away or the server shut down.
class MARQUEE_EXPORT StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `bytes` (body bytes, no framing); false when the connection is
  // closed or was closed by this call (see above).
  virtual bool Write(std::string bytes) = 0;
  // False once the connection is closed; a source may then stop early.
  virtual bool open() const = 0;
};

// The body of a Response that is written over time (Server-Sent Events).
// Lifetime: the transport keeps the stream while the connection lives.
// After writing the status and headers it calls Start(sink) once, on its io
// thread; when the client goes away or the server shuts down it calls Stop
// once (also when Start was never called), then drops the stream. Start and
// Stop must return quickly (no blocking I/O); after Stop returns the stream
// must not write to the sink any more (writes are harmless: they return
// false). A transport that cannot stream answers otherwise (see
// httplib_mount.h).
class MARQUEE_EXPORT ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Start(std::shared_ptr<StreamSink> sink) = 0;
  virtual void Stop() = 0;
};

struct Response {
  // Default: 200.
  int status = 200;
  Headers headers{};
  // The whole body; empty when `stream` is set.
  std::string body{};
  // Set: the body is streamed (see ResponseStream); the transport sends the
  // headers without Content-Length and closes the connection when the
  // stream ends. Default: none.
  std::shared_ptr<ResponseStream> stream{};
};

// Bounds applied by ParseTarget to input from outside.
struct TargetLimits {
  // Longest accepted request-target, in bytes. Default: 8 KiB.
  size_t max_target_bytes = 8192;
  // Most query parameters. Default: 64.
  size_t max_query_params = 64;
};

// The parsed view of an origin-form request-target.
struct Target {
  // Percent-decoded path segments: "/v1/campaigns/a%20b" gives
  // {"v1", "campaigns", "a b"}; "/" gives {}; "/a/" gives {"a", ""}.
  std::vector<std::string> segments{};
  // The path as received (still encoded), without the query.
  std::string raw_path{};
  // Decoded query parameters, in order, repeated names kept.
  std::vector<std::pair<std::string, std::string>> query{};
};

// Parses `target` (see the top of this file).
// Errors: InvalidArgument (not origin-form, malformed or forbidden escape,
// NUL or control character, invalid UTF-8, dot segment, fragment, too many
// query parameters), OutOfRange (longer than limits.max_target_bytes; the
// Api answers 414).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Target> ParseTarget(std::string_view target,
                                                                const TargetLimits& limits = {});

// `text` percent-encoded for one path segment: every byte outside RFC
// 3986's unreserved set (A-Z a-z 0-9 - . _ ~) becomes %XX, so the result
// reads back through ParseTarget as the same single segment, unless `text`
// holds a '/' (ParseTarget refuses %2F in a segment) or is "." or "..".
MARQUEE_EXPORT std::string EncodePathSegment(std::string_view text);

// `text` percent-encoded for a query name or value (as EncodePathSegment;
// spaces become %20, never '+').
MARQUEE_EXPORT std::string EncodeQueryComponent(std::string_view text);

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_MESSAGE_H_
