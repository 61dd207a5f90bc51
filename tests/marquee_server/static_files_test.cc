// The static files of marquee-server's --web-dir (examples/server/
// static_files.h), on a real directory: what is served and with which
// headers, and every way out of the directory refused (dot segments raw and
// encoded, encoded '/', NUL, hidden files, symbolic links in and out).
#include "static_files.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace marquee_server {
namespace {

namespace fs = std::filesystem;
using marquee::http::Request;
using marquee::http::Response;

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A temporary tree: <root>/site is served; <root>/secret.txt is beside it.
struct SiteFixture {
  fs::path root;
  std::unique_ptr<StaticFiles> files;

  SiteFixture() {
    std::string pattern = (fs::temp_directory_path() / "marquee-static-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    root = pattern;
    WriteFile(root / "site/index.html", "<!doctype html><title>home</title>");
    WriteFile(root / "site/app.js", "console.log('hi');");
    WriteFile(root / "site/style.CSS", "body{}");
    WriteFile(root / "site/data.bin", "\x01\x02");
    WriteFile(root / "site/docs/index.html", "docs");
    WriteFile(root / "site/.env", "SECRET=1");
    WriteFile(root / "secret.txt", "outside");
    fs::create_symlink(root / "secret.txt", root / "site/out.txt");
    fs::create_symlink("app.js", root / "site/inside-link.js");
    fs::create_directory_symlink(root, root / "site/up");
    absl::StatusOr<std::unique_ptr<StaticFiles>> opened =
        StaticFiles::Open({.directory = (root / "site").string()});
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    files = *std::move(opened);
  }
  ~SiteFixture() { fs::remove_all(root); }

  std::optional<Response> Get(std::string target, std::string method = "GET") const {
    return files->Handle(Request{.method = std::move(method), .target = std::move(target)});
  }
  int Status(std::string target) const {
    std::optional<Response> r = Get(std::move(target));
    REQUIRE(r.has_value());
    return r->status;
  }
};

TEST_CASE("static files: files are served with their type and caching headers") {
  SiteFixture f;
  std::optional<Response> index = f.Get("/web/");
  REQUIRE(index.has_value());
  CHECK(index->status == 200);
  CHECK(index->body == "<!doctype html><title>home</title>");
  CHECK(index->headers.Get("Content-Type") == "text/html; charset=utf-8");
  CHECK(index->headers.Get("X-Content-Type-Options") == "nosniff");
  CHECK(index->headers.Get("Cache-Control") == "no-cache");
  CHECK(index->headers.Get("Content-Security-Policy").has_value());

  std::optional<Response> js = f.Get("/web/app.js?v=3");  // a query is ignored
  REQUIRE(js.has_value());
  CHECK(js->status == 200);
  CHECK(js->body == "console.log('hi');");
  CHECK(js->headers.Get("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(f.Get("/web/style.CSS")->headers.Get("Content-Type") == "text/css; charset=utf-8");
  CHECK(f.Get("/web/data.bin")->headers.Get("Content-Type") == "application/octet-stream");
  CHECK(f.Get("/web/docs/")->body == "docs");
  CHECK(ContentTypeOf("logo.svg") == "image/svg+xml");
  CHECK(ContentTypeOf("noextension") == "application/octet-stream");
}

TEST_CASE("static files: ETag revalidation and HEAD") {
  SiteFixture f;
  std::optional<Response> first = f.Get("/web/app.js");
  REQUIRE(first.has_value());
  const std::string etag(first->headers.Get("ETag").value_or(""));
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');

  Request again{.method = "GET", .target = "/web/app.js"};
  again.headers.Add("If-None-Match", "\"other\", " + etag);
  std::optional<Response> not_modified = f.files->Handle(again);
  REQUIRE(not_modified.has_value());
  CHECK(not_modified->status == 304);
  CHECK(not_modified->body.empty());

  std::optional<Response> head = f.Get("/web/app.js", "HEAD");
  REQUIRE(head.has_value());
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->headers.Get("Content-Length") == std::to_string(first->body.size()));
  CHECK(head->headers.Get("ETag") == etag);
}

TEST_CASE("static files: redirects, methods, and paths that are not theirs") {
  SiteFixture f;
  std::optional<Response> bare = f.Get("/web");
  REQUIRE(bare.has_value());
  CHECK(bare->status == 301);
  CHECK(bare->headers.Get("Location") == "/web/");
  CHECK(f.Get("/")->headers.Get("Location") == "/web/");

  CHECK(f.Get("/web/app.js", "POST")->status == 405);
  CHECK(f.Get("/web/app.js", "PUT")->headers.Get("Allow") == "GET, HEAD, OPTIONS");
  CHECK(f.Get("/web/app.js", "OPTIONS")->status == 204);

  // The API's paths, and look-alikes of the prefix, are the Api's business.
  CHECK_FALSE(f.Get("/healthz").has_value());
  CHECK_FALSE(f.Get("/v1/polls/p/stream").has_value());
  CHECK_FALSE(f.Get("/website/app.js").has_value());
  CHECK_FALSE(f.Get("/webapp.js").has_value());
}

TEST_CASE("static files: nothing outside the directory, hidden or linked is served") {
  SiteFixture f;
  // Traversal: refused by ParseTarget before any file is looked at.
  CHECK(f.Status("/web/../secret.txt") == 400);
  CHECK(f.Status("/web/docs/../../secret.txt") == 400);
  CHECK(f.Status("/web/%2e%2e/secret.txt") == 400);
  CHECK(f.Status("/web/%2E%2E/secret.txt") == 400);
  CHECK(f.Status("/web/.%2e/secret.txt") == 400);
  CHECK(f.Status("/web/..%2Fsecret.txt") == 400);
  CHECK(f.Status("/web/docs%2F..%2F..%2Fsecret.txt") == 400);
  CHECK(f.Status("/web/app.js%00.html") == 400);
  CHECK(f.Status("/web/./app.js") == 400);
  // Hidden files, backslashes, empty segments, directories without '/'.
  CHECK(f.Status("/web/.env") == 404);
  CHECK(f.Status("/web/%2eenv") == 404);
  CHECK(f.Status("/web/..%5Csecret.txt") == 404);
  CHECK(f.Status("/web//app.js") == 404);
  CHECK(f.Status("/web/docs") == 404);
  CHECK(f.Status("/web/missing.html") == 404);
  // Symbolic links are never followed: out of the directory or within it.
  CHECK(f.Status("/web/out.txt") == 404);
  CHECK(f.Status("/web/inside-link.js") == 404);
  CHECK(f.Status("/web/up/secret.txt") == 404);
  CHECK(f.Status("/web/up/site/app.js") == 404);
  // None of the refusals leaked the file beside the directory.
  for (const char* target : {"/web/out.txt", "/web/up/secret.txt", "/web/../secret.txt"}) {
    std::optional<Response> r = f.Get(target);
    REQUIRE(r.has_value());
    CHECK(r->body.find("outside") == std::string::npos);
  }
}

TEST_CASE("static files: Open checks its options") {
  CHECK(StaticFiles::Open({.directory = ""}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(StaticFiles::Open({.directory = "/nonexistent/marquee-web"}).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(StaticFiles::Open({.directory = "/tmp", .prefix = "web"}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(StaticFiles::Open({.directory = "/tmp", .prefix = "/a/b"}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(StaticFiles::Open({.directory = "/tmp", .prefix = "/.."}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(StaticFiles::Open({.directory = "/dev/null"}).status().code() ==
        absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace marquee_server
