// GET /healthz and /readyz through the Api, HEAD and OPTIONS on them, and
// Api::Create's option checks.
#include <doctest/doctest.h>

#include <optional>
#include <string_view>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;

TEST_SUITE("http.health") {
  TEST_CASE("/healthz answers 200 ok, never cached") {
    ApiFixture f;
    Response r = f.Get("/healthz");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"status":"ok"})");
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("no-store"));
  }

  TEST_CASE("/healthz stays 200 while the store fails, /readyz turns 503") {
    ApiFixture f;
    CHECK(f.Get("/readyz").status == 200);
    CHECK(f.Get("/readyz").body == R"({"status":"ready"})");
    f.store->FailReads(absl::UnavailableError(test::kSecret));
    CHECK(f.Get("/healthz").status == 200);
    Response r = f.Get("/readyz");
    CheckProblem(r, 503);
    CHECK(r.headers.Get("Retry-After") == std::optional<std::string_view>("1"));
    f.store->FailReads(absl::OkStatus());
    CHECK(f.Get("/readyz").status == 200);
  }

  TEST_CASE("/readyz is 503 on an Internal error too, without its text") {
    ApiFixture f;
    f.store->FailReads(absl::InternalError(test::kSecret));
    CheckProblem(f.Get("/readyz"), 503);
  }

  TEST_CASE("HEAD and OPTIONS on /healthz, other methods 405") {
    ApiFixture f;
    Response head = f.Send("HEAD", "/healthz");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.headers.Get("Content-Length") == std::optional<std::string_view>("15"));
    Response options = f.Send("OPTIONS", "/healthz");
    CHECK(options.status == 204);
    CHECK(options.headers.Get("Allow") == std::optional<std::string_view>("GET, HEAD, OPTIONS"));
    Response post = f.Send("POST", "/healthz");
    CheckProblem(post, 405);
    CHECK(post.headers.Get("Allow") == std::optional<std::string_view>("GET, HEAD, OPTIONS"));
  }

  TEST_CASE("Create refuses missing services and limits out of range") {
    ApiFixture f;
    CHECK(absl::IsInvalidArgument(Api::Create({.campaigns = f.repo.get()}).status()));
    CHECK(absl::IsInvalidArgument(Api::Create({.store = f.store.get()}).status()));
    ApiOptions base{.store = f.store.get(), .campaigns = f.repo.get()};
    ApiOptions o = base;
    o.max_body_bytes = 0;
    CHECK(absl::IsInvalidArgument(Api::Create(o).status()));
    o = base;
    o.max_json_depth = 0;
    CHECK(absl::IsInvalidArgument(Api::Create(o).status()));
    o = base;
    o.max_page_size = 1001;
    CHECK(absl::IsInvalidArgument(Api::Create(o).status()));
    o = base;
    o.default_page_size = 101;
    CHECK(absl::IsInvalidArgument(Api::Create(o).status()));
    o = base;
    o.campaign_cache_control = "private\r\nSet-Cookie: x=1";
    CHECK(absl::IsInvalidArgument(Api::Create(o).status()));
    o = base;
    o.cursor_ttl = absl::ZeroDuration();
    CHECK(absl::IsInvalidArgument(Api::Create(o).status()));
    o = base;
    o.cursor_key = CursorKey{.id = "k1", .secret = "too short"};
    CHECK(absl::IsInvalidArgument(Api::Create(o).status()));
    o = base;
    o.cursor_key = CursorKey{.id = "k1", .secret = std::string(32, 's')};
    CHECK(Api::Create(o).ok());
  }
}

}  // namespace
}  // namespace marquee::http
