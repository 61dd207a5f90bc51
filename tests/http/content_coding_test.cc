// Content codings: Accept-Encoding negotiation, compressed answers with
// their ETag suffix and Vary, bounded inflation of request bodies (bombs
// included), and conditional headers read without the suffixes.
#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include <optional>
#include <string>

#include "gzip_for_test.h"
#include "http/content_coding.h"

namespace marquee::http::internal {
namespace {

std::string ZstdOf(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 19);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string JsonBody(size_t bytes) {
  std::string body = "[";
  while (body.size() < bytes) body += R"({"id":"spring","weight":0.5},)";
  body.back() = ']';
  return body;
}

TEST_CASE("coding: Accept-Encoding negotiation") {
  using C = std::optional<Coding>;
  CHECK(NegotiateCoding(std::nullopt) == C());
  CHECK(NegotiateCoding("identity") == C());
  CHECK(NegotiateCoding("gzip") == C(Coding::kGzip));
  CHECK(NegotiateCoding("gzip, deflate, br") == C(Coding::kGzip));
  CHECK(NegotiateCoding("gzip, zstd") == C(Coding::kZstd));
  CHECK(NegotiateCoding("zstd;q=0.5, gzip") == C(Coding::kGzip));
  CHECK(NegotiateCoding("gzip;q=0, zstd;q=0") == C());
  CHECK(NegotiateCoding("*") == C(Coding::kZstd));
  CHECK(NegotiateCoding("*, zstd;q=0") == C(Coding::kGzip));
  CHECK(NegotiateCoding("GZIP;Q=0.8") == C(Coding::kGzip));
  CHECK(NegotiateCoding("gzip;q=garbage") == C());
  CHECK(NegotiateCoding("gzip;q=1.5") == C());
}

TEST_CASE("coding: a large 200 is compressed with a suffixed ETag and Vary") {
  for (Coding coding : {Coding::kGzip, Coding::kZstd}) {
    Response r{.status = 200, .body = JsonBody(4000)};
    r.headers.Set("ETag", "\"42\"");
    r.headers.Set("Content-Length", "4000");
    const std::string original = r.body;
    CompressResponse(coding, r);
    CHECK(r.body.size() < original.size() / 4);
    CHECK(r.headers.Get("Vary") == std::optional<std::string_view>("Accept-Encoding"));
    CHECK(r.headers.Get("Content-Length") ==
          std::optional<std::string_view>(std::to_string(r.body.size())));
    const std::string name = coding == Coding::kGzip ? "gzip" : "zstd";
    CHECK(r.headers.Get("Content-Encoding") == std::optional<std::string_view>(name));
    CHECK(r.headers.Get("ETag") == std::optional<std::string_view>("\"42-" + name + "\""));
    absl::StatusOr<std::string> back = InflateBody(r.body, name, 1 << 20);
    REQUIRE(back.ok());
    CHECK(*back == original);
  }
}

TEST_CASE("coding: small bodies and non-200 answers are sent as they are") {
  Response small{.status = 200, .body = "{}"};
  CompressResponse(Coding::kGzip, small);
  CHECK(small.body == "{}");
  CHECK_FALSE(small.headers.Has("Content-Encoding"));
  CHECK(small.headers.Has("Vary"));
  Response not_modified{.status = 304};
  CompressResponse(Coding::kGzip, not_modified);
  CHECK(not_modified.headers.empty());
  Response problem{.status = 404, .body = JsonBody(4000)};
  CompressResponse(Coding::kGzip, problem);
  CHECK_FALSE(problem.headers.Has("Content-Encoding"));
  Response stream{.status = 200, .body = JsonBody(4000)};
  stream.headers.Set("Content-Type", "text/event-stream");
  CompressResponse(Coding::kGzip, stream);
  CHECK_FALSE(stream.headers.Has("Content-Encoding"));
  Response vary{.status = 200, .body = JsonBody(10)};
  vary.headers.Set("Vary", "Origin");
  CompressResponse(std::nullopt, vary);
  CHECK(vary.headers.Get("Vary") == std::optional<std::string_view>("Origin, Accept-Encoding"));
}

TEST_CASE("coding: request bodies inflate within the bound") {
  const std::string body = JsonBody(3000);
  CHECK(InflateBody(test::Gzip(body), "gzip", 4096).value() == body);
  CHECK(InflateBody(ZstdOf(body), "zstd", 4096).value() == body);
  CHECK(InflateBody(body, "identity", 4096).value() == body);
  CHECK(InflateBody(body, "", 4096).value() == body);
  CHECK(InflateBody(body, "", 100).status().code() == absl::StatusCode::kOutOfRange);
}

TEST_CASE("coding: bombs stop at the bound") {
  const std::string zeros(64 << 20, '\0');  // 64 MiB
  const std::string gzip_bomb = test::Gzip(zeros);
  const std::string zstd_bomb = ZstdOf(zeros);
  CHECK(gzip_bomb.size() < 100'000);
  CHECK(zstd_bomb.size() < 10'000);
  CHECK(InflateBody(gzip_bomb, "gzip", 1 << 20).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(InflateBody(zstd_bomb, "zstd", 1 << 20).status().code() ==
        absl::StatusCode::kOutOfRange);
}

TEST_CASE("coding: corrupt and unknown codings are refused") {
  const std::string gz = test::Gzip(JsonBody(3000));
  CHECK(InflateBody(gz.substr(0, gz.size() / 2), "gzip", 1 << 20).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(InflateBody("not gzip at all", "gzip", 1 << 20).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(InflateBody(gz + "trailing", "gzip", 1 << 20).status().code() ==
        absl::StatusCode::kInvalidArgument);
  const std::string zs = ZstdOf(JsonBody(3000));
  CHECK(InflateBody(zs.substr(0, zs.size() / 2), "zstd", 1 << 20).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(InflateBody("", "gzip", 1 << 20).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(InflateBody("x", "br", 1 << 20).status().code() == absl::StatusCode::kUnimplemented);
  CHECK(InflateBody("x", "gzip, gzip", 1 << 20).status().code() ==
        absl::StatusCode::kUnimplemented);
}

TEST_CASE("coding: conditional headers lose the coding suffixes") {
  Headers h;
  h.Add("If-None-Match", "\"42-gzip\", W/\"7-zstd\"");
  h.Add("If-None-Match", "\"9\"");
  h.Add("If-Match", "\"42-zstd\"");
  h.Add("ETag", "\"1-gzip\"");  // other headers are left alone
  StripCodingSuffixes(h);
  CHECK(h.Get("If-None-Match") == std::optional<std::string_view>("\"42\", W/\"7\", \"9\""));
  CHECK(h.Get("If-Match") == std::optional<std::string_view>("\"42\""));
  CHECK(h.Get("ETag") == std::optional<std::string_view>("\"1-gzip\""));
  Headers star;
  star.Add("If-Match", "*");
  StripCodingSuffixes(star);
  CHECK(star.Get("If-Match") == std::optional<std::string_view>("*"));
}

}  // namespace
}  // namespace marquee::http::internal
