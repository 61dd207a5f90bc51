// The static files of marquee-server's --web-dir (examples/web by default in
// scripts/run): a site served read-only under one path prefix, beside the
// API, through ServerOptions::host_routes.
//
// What it serves, for GET and HEAD of "<prefix>/<path>":
//   - the regular file at <dir>/<path>; "<prefix>/" and any path ending in
//     '/' serve that directory's index.html; "<prefix>" redirects to
//     "<prefix>/" (301), and so does "/" when redirect_root is set;
//   - Content-Type from the file name's extension (text/html, text/javascript,
//     text/css, application/json, image/svg+xml, image/png, ...;
//     application/octet-stream for others), X-Content-Type-Options: nosniff,
//     a Content-Security-Policy that lets pages load and call only their own
//     origin, Cache-Control: no-cache, and a strong ETag from the file's size
//     and modification time (If-None-Match → 304).
// What it refuses, without touching the file system where it can:
//   - a target ParseTarget refuses (dot segments "." and "..", also
//     percent-encoded; an encoded '/'; NUL and control characters; invalid
//     UTF-8): 400 problem;
//   - a segment that starts with '.' (".git", ".env"), an empty segment
//     inside the path ("a//b"), a backslash, a path to a directory without
//     the trailing '/', anything that is not a regular file, and every
//     symbolic link, inside the directory or out of it (each component is
//     opened with O_NOFOLLOW relative to the one before, so a link swapped
//     in meanwhile is refused too): 404 problem;
//   - other methods: 405 with Allow: GET, HEAD (OPTIONS: 204 with Allow);
//   - a file over max_file_bytes: 500 problem.
// Paths outside the prefix are not its business: Handle returns none and
// the request goes to the Api.
// Thread-safety: Handle is const and may run on several threads at once.
//
//   auto site = marquee_server::StaticFiles::Open({.directory = "examples/web"});
//   server_options.host_routes = [&](const Request& r) { return site->Handle(r); };
#ifndef MARQUEE_EXAMPLES_SERVER_STATIC_FILES_H_
#define MARQUEE_EXAMPLES_SERVER_STATIC_FILES_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/http/message.h"

namespace marquee_server {

struct StaticFilesOptions {
  // The directory served. Required; must exist.
  std::string directory{};
  // The path the files appear under: "/" and one segment. Default: "/web".
  std::string prefix = "/web";
  // Whether GET / redirects to prefix + "/". Default: true.
  bool redirect_root = true;
  // Largest file served, in bytes. Default: 16 MiB.
  size_t max_file_bytes = size_t{16} << 20;
};

// The Content-Type of a file named `name`, from its extension.
std::string_view ContentTypeOf(std::string_view name);

class StaticFiles {
 public:
  // Errors: InvalidArgument (no directory, a prefix that is not "/" and one
  // plain segment), NotFound (the directory does not exist or is not a
  // directory), PermissionDenied (it cannot be opened).
  static absl::StatusOr<std::unique_ptr<StaticFiles>> Open(StaticFilesOptions options);

  ~StaticFiles();
  StaticFiles(const StaticFiles&) = delete;
  StaticFiles& operator=(const StaticFiles&) = delete;

  // The answer to `request` when its path is under the prefix (or is "/"
  // with redirect_root); none otherwise.
  std::optional<marquee::http::Response> Handle(const marquee::http::Request& request) const;

  // The directory as given.
  const std::string& directory() const { return options_.directory; }

 private:
  StaticFiles(StaticFilesOptions options, int directory_fd)
      : options_(std::move(options)), directory_fd_(directory_fd) {}

  const StaticFilesOptions options_;
  // The served directory, opened once: every file is opened relative to it.
  const int directory_fd_;
};

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_STATIC_FILES_H_
