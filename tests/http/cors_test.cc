// CORS headers of delivery routes: allowed and refused origins, "*",
// preflights, and Vary: Origin.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "http/cors.h"

namespace marquee::http::internal {
namespace {

using Sv = std::optional<std::string_view>;

Request FromOrigin(std::string method, std::string origin) {
  Request r{.method = std::move(method)};
  if (!origin.empty()) r.headers.Add("Origin", origin);
  return r;
}

TEST_CASE("cors: a listed origin is echoed, others get nothing but Vary") {
  const std::vector<std::string> origins = {"https://shop.example"};
  Response ok{.status = 200};
  ApplyCors(origins, absl::Minutes(10), FromOrigin("POST", "https://shop.example"), ok);
  CHECK(ok.headers.Get("Access-Control-Allow-Origin") == Sv("https://shop.example"));
  CHECK(ok.headers.Get("Vary") == Sv("Origin"));
  CHECK(ok.headers.Get("Access-Control-Expose-Headers").has_value());
  CHECK_FALSE(ok.headers.Has("Access-Control-Max-Age"));

  Response other{.status = 200};
  ApplyCors(origins, absl::Minutes(10), FromOrigin("POST", "https://evil.example"), other);
  CHECK_FALSE(other.headers.Has("Access-Control-Allow-Origin"));
  CHECK(other.headers.Get("Vary") == Sv("Origin"));

  Response none{.status = 200};
  ApplyCors({}, absl::Minutes(10), FromOrigin("POST", "https://shop.example"), none);
  CHECK(none.headers.empty());
}

TEST_CASE("cors: star allows any origin, a preflight gets methods, headers and max age") {
  Response preflight{.status = 204};
  preflight.headers.Set("Allow", "GET, HEAD, POST, OPTIONS");
  Request request = FromOrigin("OPTIONS", "https://any.example");
  request.headers.Add("Access-Control-Request-Method", "POST");
  ApplyCors({"*"}, absl::Minutes(10), request, preflight);
  CHECK(preflight.headers.Get("Access-Control-Allow-Origin") == Sv("*"));
  CHECK(preflight.headers.Get("Access-Control-Allow-Methods") == Sv("GET, HEAD, POST, OPTIONS"));
  CHECK(preflight.headers.Get("Access-Control-Max-Age") == Sv("600"));
  CHECK(preflight.headers.Get("Access-Control-Allow-Headers")->find("X-User-Token") !=
        std::string_view::npos);
  Response vary{.status = 200};
  vary.headers.Set("Vary", "Accept-Encoding");
  ApplyCors({"*"}, absl::Minutes(10), FromOrigin("GET", ""), vary);
  CHECK(vary.headers.Get("Vary") == Sv("Accept-Encoding, Origin"));
}

}  // namespace
}  // namespace marquee::http::internal
