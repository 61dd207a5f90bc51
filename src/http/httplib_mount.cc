// Mount: the Marquee Api on a host's cpp-httplib server, with the hardening
// cpp-httplib 0.11.4 allows (see httplib_mount.h for what it cannot do).
#include "marquee/http/httplib_mount.h"

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "http/text_internal.h"
#include "marquee/http/message.h"
#include "marquee/http/problem.h"

namespace marquee::http {
namespace {

constexpr size_t kMaxBodyLimit = size_t{1} << 30;

absl::Status CheckRange(std::string_view name, size_t value, size_t low, size_t high) {
  if (value >= low && value <= high) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("MountOptions.", absl::string_view(name.data(), name.size()), " must be in ", low, "..", high, ", got ", value));
}

absl::Status CheckSeconds(std::string_view name, absl::Duration value) {
  if (value >= absl::Seconds(1) && value <= absl::Hours(1) &&
      value == absl::Seconds(absl::ToInt64Seconds(value))) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "MountOptions.", absl::string_view(name.data(), name.size()), " must be whole seconds in 1s..1h, got ", absl::FormatDuration(value)));
}

absl::Status Validate(const MountOptions& options) {
  if (auto s = CheckRange("max_body_bytes", options.max_body_bytes, 1, kMaxBodyLimit); !s.ok()) {
    return s;
  }
  if (auto s = CheckRange("max_header_count", options.max_header_count, 1, 10'000); !s.ok()) {
    return s;
  }
  if (auto s = CheckRange("max_connections", options.max_connections, 1, 10'000); !s.ok()) {
    return s;
  }
  if (auto s = CheckRange("keep_alive_max_requests", options.keep_alive_max_requests, 1,
                          1'000'000);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckSeconds("keep_alive_timeout", options.keep_alive_timeout); !s.ok()) return s;
  return CheckSeconds("io_timeout", options.io_timeout);
}

// Writes a Marquee Response into cpp-httplib's. A streamed answer (SSE)
// would hold one of cpp-httplib's worker threads per subscriber for as long
// as it lives: it becomes a 501 naming the transport that streams.
void WriteResponse(Response from, httplib::Response& to) {
  if (from.stream) {
    from.stream->Stop();
    from = ProblemResponse(MakeProblem(
        501, "Streams (Server-Sent Events) are not served by the cpp-httplib Mount; "
             "use marquee-server (marquee::http::Server)."));
  }
  to.status = from.status;
  std::string content_type = "text/plain";
  for (const auto& [name, value] : from.headers.fields()) {
    // cpp-httplib writes Content-Type from set_content and Content-Length
    // from the body itself; two copies would be a malformed response.
    if (internal::EqualsIgnoreCase(name, "Content-Type")) {
      content_type = value;
    } else if (!internal::EqualsIgnoreCase(name, "Content-Length")) {
      to.headers.emplace(name, value);
    }
  }
  if (!from.body.empty()) {
    to.set_content(from.body, content_type);
  } else if (from.headers.Has("Content-Type")) {
    to.set_header("Content-Type", content_type);
  }
}

// Answers with a transport-level problem and asks cpp-httplib to close the
// connection, so a body left unread is never parsed as the next request.
void Refuse(httplib::Response& res, int status, std::string_view detail) {
  res.headers.clear();
  WriteResponse(ProblemResponse(MakeProblem(status, detail)), res);
  res.set_header("Connection", "close");
}

// The framing checks cpp-httplib 0.11.4 does not make, run before the body
// is read. True when the request was refused.
bool RefuseBadFraming(const httplib::Request& req, httplib::Response& res,
                      const MountOptions& options) {
  if (req.headers.size() > options.max_header_count) {
    Refuse(res, 431, absl::StrCat("more than ", options.max_header_count, " header fields"));
    return true;
  }
  const size_t lengths = req.get_header_value_count("Content-Length");
  if (lengths > 0 && req.has_header("Transfer-Encoding")) {
    Refuse(res, 400, "Content-Length together with Transfer-Encoding");
    return true;
  }
  if (lengths == 0) return false;
  // RFC 9112 §6.3: repeated Content-Length values must all be the same
  // number, else the message framing is ambiguous.
  uint64_t declared = 0;
  for (size_t i = 0; i < lengths; ++i) {
    const std::string value = req.get_header_value("Content-Length", i);
    uint64_t parsed = 0;
    const bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || !absl::SimpleAtoi(value, &parsed) || (i > 0 && parsed != declared)) {
      Refuse(res, 400, "malformed or conflicting Content-Length");
      return true;
    }
    declared = parsed;
  }
  if (declared > options.max_body_bytes) {
    Refuse(res, 413, absl::StrCat("the body is larger than ", options.max_body_bytes, " bytes"));
    return true;
  }
  return false;
}

// The Marquee Request of a cpp-httplib request whose body is `body`.
Request ToRequest(const httplib::Request& req, std::string body) {
  Request out{.method = req.method, .target = req.target, .body = std::move(body)};
  for (const auto& [name, value] : req.headers) {
    // cpp-httplib removed the content coding while reading the body, and
    // adds these two pseudo fields of its own.
    if (internal::EqualsIgnoreCase(name, "Content-Encoding") ||
        internal::EqualsIgnoreCase(name, "REMOTE_ADDR") ||
        internal::EqualsIgnoreCase(name, "REMOTE_PORT") ||
        internal::EqualsIgnoreCase(name, "LOCAL_ADDR") || internal::EqualsIgnoreCase(name, "LOCAL_PORT")) {
      continue;
    }
    out.headers.Add(name, value);
  }
  out.remote_address = req.remote_addr.find(':') == std::string::npos
                           ? absl::StrCat(req.remote_addr, ":", req.remote_port)
                           : absl::StrCat("[", req.remote_addr, "]:", req.remote_port);
  return out;
}

}  // namespace

absl::Status Mount(httplib::Server& server, const Api& api, MountOptions options) {
  if (auto status = Validate(options); !status.ok()) return status;
  const size_t workers = options.max_connections;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(options.keep_alive_max_requests);
  server.set_keep_alive_timeout(absl::ToInt64Seconds(options.keep_alive_timeout));
  server.set_read_timeout(absl::ToInt64Seconds(options.io_timeout));
  server.set_write_timeout(absl::ToInt64Seconds(options.io_timeout));
  // cpp-httplib's own cap, a second line behind the content reader's.
  server.set_payload_max_length(options.max_body_bytes);

  server.set_pre_routing_handler([options](const httplib::Request& req, httplib::Response& res) {
    return RefuseBadFraming(req, res, options) ? httplib::Server::HandlerResponse::Handled
                                               : httplib::Server::HandlerResponse::Unhandled;
  });

  const Api* served = &api;
  auto without_body = [served](const httplib::Request& req, httplib::Response& res) {
    WriteResponse(served->Handle(ToRequest(req, req.body)), res);
  };
  // Bodies are read through a content reader so the limit applies to the
  // bytes as they arrive, chunked or not, after gzip or brotli inflation.
  auto with_body = [served, limit = options.max_body_bytes](
                       const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& content_reader) {
    std::string body;
    bool too_large = false;
    const bool read = content_reader([&](const char* data, size_t length) {
      if (length > limit - body.size()) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (too_large) {
      Refuse(res, 413, absl::StrCat("the body is larger than ", limit, " bytes"));
      return;
    }
    if (!read) {
      Refuse(res, 400, "the body could not be read (truncated, or a bad chunk or coding)");
      return;
    }
    WriteResponse(served->Handle(ToRequest(req, std::move(body))), res);
  };
  // One pattern for every path: the Api routes, and answers 404 and 405.
  const std::string any_path = "/.*";
  server.Get(any_path, without_body);
  server.Options(any_path, without_body);
  // cpp-httplib sends a request with a body to the content-reader handler
  // of its method and one without (no Content-Length, no chunks) to the
  // plain one, so each method with a body needs both.
  server.Post(any_path, with_body);
  server.Put(any_path, with_body);
  server.Patch(any_path, with_body);
  server.Delete(any_path, with_body);
  server.Post(any_path, without_body);
  server.Put(any_path, without_body);
  server.Patch(any_path, without_body);
  server.Delete(any_path, without_body);
  return absl::OkStatus();
}

}  // namespace marquee::http
