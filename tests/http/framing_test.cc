// SerializeResponse and SerializeStreamHead (src/http/server/framing.h):
// the exact bytes the Beast transport writes for an Api Response — the
// status line, the Api's fields in order, Content-Length by the transport
// (the Api's kept only for a HEAD answer), none and no body for 1xx, 204
// and 304, Connection: close when the connection ends, and the fields that
// would frame or split the message dropped.
#include "http/server/framing.h"

#include <doctest/doctest.h>

#include <string>

#include "marquee/http/message.h"

namespace marquee::http::internal {
namespace {

Response Json200(std::string body) {
  Response r{.status = 200, .body = std::move(body)};
  r.headers.Add("Content-Type", "application/json");
  r.headers.Add("ETag", "\"7\"");
  return r;
}

TEST_SUITE("http.framing") {
  TEST_CASE("a keep-alive answer: status line and fields in order then the length and body") {
    CHECK(SerializeResponse(Json200(R"({"a":1})"), /*keep_alive=*/true) ==
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"7\"\r\n"
          "Content-Length: 7\r\n\r\n{\"a\":1}");
  }

  TEST_CASE("a closing answer says Connection: close") {
    Response r{.status = 404, .body = "x"};
    CHECK(SerializeResponse(r, /*keep_alive=*/false) ==
          "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");
  }

  TEST_CASE("framing fields of the Api are replaced by the transport's") {
    Response r = Json200("abc");
    r.headers.Add("Content-Length", "99");
    r.headers.Add("Transfer-Encoding", "chunked");
    r.headers.Add("connection", "keep-alive");
    CHECK(SerializeResponse(r, true) ==
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"7\"\r\n"
          "Content-Length: 3\r\n\r\nabc");
  }

  TEST_CASE("a HEAD answer keeps the Api's length and has no body") {
    Response r{.status = 200};
    r.headers.Add("Content-Length", "1070");
    CHECK(SerializeResponse(r, true) == "HTTP/1.1 200 OK\r\nContent-Length: 1070\r\n\r\n");
    // A length that is not a number is not written as given.
    r.headers.Set("Content-Length", "12, 13");
    CHECK(SerializeResponse(r, true) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  }

  TEST_CASE("1xx 204 and 304 carry neither a length nor a body") {
    for (int status : {100, 204, 304}) {
      CAPTURE(status);
      Response r{.status = status, .body = "dropped"};
      r.headers.Add("ETag", "\"1\"");
      const std::string bytes = SerializeResponse(r, true);
      CHECK(bytes.find("Content-Length") == std::string::npos);
      CHECK(bytes.ends_with("ETag: \"1\"\r\n\r\n"));
    }
    CHECK(SerializeResponse(Response{.status = 304}, true) == "HTTP/1.1 304 Not Modified\r\n\r\n");
  }

  TEST_CASE("a field that would split the answer is dropped") {
    Response r{.status = 200, .body = "ok"};
    r.headers.Add("Location", "/a\r\nSet-Cookie: evil=1");
    r.headers.Add("X-Bad\nName", "v");
    r.headers.Add(std::string("X-Nul"), std::string("a\0b", 3));
    r.headers.Add("X-Good", "kept");
    CHECK(SerializeResponse(r, true) ==
          "HTTP/1.1 200 OK\r\nX-Good: kept\r\nContent-Length: 2\r\n\r\nok");
  }

  TEST_CASE("an unknown status keeps its code") {
    CHECK(SerializeResponse(Response{.status = 299, .body = ""}, true).starts_with("HTTP/1.1 299 "));
  }

  TEST_CASE("a stream head closes the connection and has no length") {
    Response r{.status = 200};
    r.headers.Add("Content-Type", "text/event-stream");
    r.headers.Add("Content-Length", "5");
    CHECK(SerializeStreamHead(r) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
  }
}

}  // namespace
}  // namespace marquee::http::internal
