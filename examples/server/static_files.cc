#include "static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "marquee/http/problem.h"

namespace marquee_server {

using marquee::http::MakeProblem;
using marquee::http::ProblemResponse;
using marquee::http::Request;
using marquee::http::Response;

namespace {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Response NotFound() { return ProblemResponse(MakeProblem(404, "No file at this path.")); }

Response Redirect(std::string location) {
  Response r{.status = 301};
  r.headers.Set("Location", location);
  r.headers.Set("Content-Length", "0");
  return r;
}

// Whether a decoded path segment may name a file: not hidden (".git",
// ".env", and so never "." or ".."), no backslash, not empty.
bool IsServableSegment(std::string_view segment) {
  return !segment.empty() && segment.front() != '.' &&
         segment.find('\\') == std::string_view::npos;
}

// "\"<size>-<mtime in ns, hex>\"": changes whenever the file is rewritten.
std::string ETagOf(const struct stat& st) {
  const unsigned long long mtime_ns =
      static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1'000'000'000ULL +
      static_cast<unsigned long long>(st.st_mtim.tv_nsec);
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%lld-%llx\"", static_cast<long long>(st.st_size), mtime_ns);
  return buf;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Whether If-None-Match lists `etag` (or is "*"); weak tags compare by
// their opaque part (RFC 9110 §13.1.2 uses weak comparison here).
bool NoneMatchHits(const Request& request, std::string_view etag) {
  for (std::string_view value : request.headers.GetAll("If-None-Match")) {
    while (!value.empty()) {
      const size_t comma = value.find(',');
      std::string_view tag = TrimSpaces(value.substr(0, comma));
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
      if (tag == "*") return true;
      if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
      if (tag == etag) return true;
    }
  }
  return false;
}

// Reads the whole of `fd` (a regular file of `size` bytes).
bool ReadAll(int fd, size_t size, std::string* out) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out->data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return true;
}

}  // namespace

std::string_view ContentTypeOf(std::string_view name) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
  };
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string extension(name.substr(dot));
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const Type& type : kTypes) {
      if (type.extension == extension) return type.content_type;
    }
  }
  return "application/octet-stream";
}

absl::StatusOr<std::unique_ptr<StaticFiles>> StaticFiles::Open(StaticFilesOptions options) {
  if (options.directory.empty()) {
    return absl::InvalidArgumentError("the web directory must not be empty");
  }
  const std::string_view prefix = options.prefix;
  if (prefix.size() < 2 || prefix.front() != '/' ||
      prefix.find('/', 1) != std::string_view::npos || !IsServableSegment(prefix.substr(1))) {
    return absl::InvalidArgumentError("the web prefix must be '/' and one segment, got '" +
                                      std::string(prefix) + "'");
  }
  const int fd = ::open(options.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    const std::string message =
        "web directory '" + options.directory + "': " + std::strerror(error);
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::NotFoundError(message);
  }
  return std::unique_ptr<StaticFiles>(new StaticFiles(std::move(options), fd));
}

StaticFiles::~StaticFiles() { ::close(directory_fd_); }

std::optional<Response> StaticFiles::Handle(const Request& request) const {
  // Cheap first look at the raw path: most requests are the Api's.
  const std::string_view raw = request.target;
  const std::string_view path = raw.substr(0, raw.find('?'));
  const std::string_view prefix = options_.prefix;
  const bool root = path == "/";
  const bool under_prefix =
      path.substr(0, prefix.size()) == prefix &&
      (path.size() == prefix.size() || path[prefix.size()] == '/');
  if (!(under_prefix || (root && options_.redirect_root))) return std::nullopt;

  if (request.method == "OPTIONS") {
    Response r{.status = 204};
    r.headers.Set("Allow", "GET, HEAD, OPTIONS");
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = ProblemResponse(MakeProblem(405, "Static files are read-only: GET or HEAD."));
    r.headers.Set("Allow", "GET, HEAD, OPTIONS");
    return r;
  }
  const std::string folder = std::string(prefix) + "/";
  if (root || path == prefix) return Redirect(folder);

  // The decoded segments; dot segments, encoded '/', NUL and the like are
  // refused here, before any file is looked at.
  absl::StatusOr<marquee::http::Target> target = marquee::http::ParseTarget(raw);
  if (!target.ok()) return ProblemResponse(target.status());
  std::vector<std::string> segments(target->segments.begin() + 1, target->segments.end());
  if (segments.empty() || segments.back().empty()) {
    if (!segments.empty()) segments.pop_back();
    segments.push_back("index.html");
  }
  for (const std::string& segment : segments) {
    if (!IsServableSegment(segment)) return NotFound();
  }

  // Walk down from the served directory one component at a time, never
  // following a symbolic link (O_NOFOLLOW fails with ELOOP on one).
  std::optional<Fd> parent;
  int at = directory_fd_;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const int fd = ::openat(at, segments[i].c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return NotFound();
    parent.emplace(fd);
    at = fd;
  }
  Fd file(::openat(at, segments.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) return NotFound();
  struct stat st {};
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) return NotFound();
  if (static_cast<size_t>(st.st_size) > options_.max_file_bytes) {
    return ProblemResponse(MakeProblem(500, "The file is too large to serve."));
  }

  const std::string etag = ETagOf(st);
  Response r{.status = 200};
  r.headers.Set("ETag", etag);
  r.headers.Set("Cache-Control", "no-cache");
  if (NoneMatchHits(request, etag)) {
    r.status = 304;
    return r;
  }
  r.headers.Set("Content-Type", ContentTypeOf(segments.back()));
  r.headers.Set("X-Content-Type-Options", "nosniff");
  r.headers.Set("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  if (request.method == "HEAD") {
    r.headers.Set("Content-Length", std::to_string(st.st_size));
    return r;
  }
  if (!ReadAll(file.get(), static_cast<size_t>(st.st_size), &r.body)) {
    return ProblemResponse(MakeProblem(500, "The file could not be read."));
  }
  return r;
}

}  // namespace marquee_server
