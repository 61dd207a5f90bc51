// Headers (order, case-insensitive names, Set/Add/Remove) and ParseTarget
// (segments decoded one by one, forbidden escapes, query parameters) and the
// encoders that produce targets ParseTarget reads back.
#include "marquee/http/message.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace marquee::http {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST_SUITE("http.message") {
  TEST_CASE("Headers look names up case-insensitively and keep order") {
    Headers h;
    h.Add("Content-Type", "application/json");
    h.Add("Accept", "a");
    h.Add("accept", "b");
    CHECK(h.Get("content-type") == std::optional<std::string_view>("application/json"));
    CHECK(h.Get("ACCEPT") == std::optional<std::string_view>("a"));
    CHECK(h.GetAll("Accept") == std::vector<std::string_view>{"a", "b"});
    CHECK_FALSE(h.Get("X-Missing").has_value());
    CHECK(h.GetAll("X-Missing").empty());
    CHECK(h.Has("aCCept"));
  }

  TEST_CASE("Set replaces every field of the name in place of the first") {
    Headers h{{"A", "1"}, {"B", "2"}, {"a", "3"}};
    h.Set("a", "9");
    REQUIRE(h.size() == 2);
    CHECK(h.fields()[0] == Headers::Field{"A", "9"});
    CHECK(h.fields()[1] == Headers::Field{"B", "2"});
    h.Set("C", "4");
    CHECK(h.fields().back() == Headers::Field{"C", "4"});
  }

  TEST_CASE("Remove removes every field of the name and counts them") {
    Headers h{{"A", "1"}, {"B", "2"}, {"a", "3"}};
    CHECK(h.Remove("A") == 2);
    CHECK(h.Remove("A") == 0);
    CHECK(h.size() == 1);
  }

  TEST_CASE("ParseTarget splits and decodes path segments") {
    absl::StatusOr<Target> t = ParseTarget("/v1/campaigns/spring%20sale");
    REQUIRE(t.ok());
    CHECK(t->segments == std::vector<std::string>{"v1", "campaigns", "spring sale"});
    CHECK(t->raw_path == "/v1/campaigns/spring%20sale");
    CHECK(t->query.empty());

    CHECK(ParseTarget("/")->segments.empty());
    CHECK(ParseTarget("/a/")->segments == std::vector<std::string>{"a", ""});
    CHECK(ParseTarget("/a//b")->segments == std::vector<std::string>{"a", "", "b"});
    CHECK(ParseTarget("/caf%C3%A9")->segments == std::vector<std::string>{"caf\xC3\xA9"});
    // '+' is a plain character in a path.
    CHECK(ParseTarget("/a+b")->segments == std::vector<std::string>{"a+b"});
  }

  TEST_CASE("ParseTarget reads form-encoded query parameters, repeated names kept") {
    absl::StatusOr<Target> t = ParseTarget("/x?a=1&b=two+words&a=%26&empty=&flag&&");
    REQUIRE(t.ok());
    CHECK(t->segments == std::vector<std::string>{"x"});
    CHECK(t->query ==
          Query{{"a", "1"}, {"b", "two words"}, {"a", "&"}, {"empty", ""}, {"flag", ""}});
    // An encoded '/' is fine in a query value.
    CHECK(ParseTarget("/x?p=a%2Fb")->query == Query{{"p", "a/b"}});
  }

  TEST_CASE("ParseTarget refuses what could smuggle or corrupt a path") {
    const char* bad[] = {
        "",                  // empty
        "v1/campaigns",      // not origin-form
        "http://a/v1",       // absolute-form
        "*",                 // asterisk-form
        "//evil.example/x",  // scheme-relative
        "/a%2Fb",            // encoded '/' inside a segment
        "/a%2fb",            // lower-case hex too
        "/a%00b",            // encoded NUL
        "/a%0Ab",            // encoded control character
        "/a%",               // truncated escape
        "/a%4",              // truncated escape
        "/a%zz",             // not hex
        "/a%C3",             // invalid UTF-8 after decoding
        "/a%FF",             // invalid UTF-8
        "/a%ED%A0%80",       // a UTF-16 surrogate
        "/a%C0%AF",          // overlong '/'
        "/./a",              // dot segments
        "/a/..",
        "/a/%2E%2E",  // encoded dot segment
        "/a#frag",    // fragment
        "/a b",       // raw space
        "/a\tb",      // raw control
        "/a<b>",      // raw characters outside URIs
        "/x?a=%00",   // NUL in the query
        "/x?a=%ZZ",   // malformed escape in the query
        "/x?%FF=1",   // invalid UTF-8 in a name
    };
    for (std::string_view target : bad) {
      CAPTURE(target);
      absl::StatusOr<Target> t = ParseTarget(target);
      CHECK(absl::IsInvalidArgument(t.status()));
    }
    std::string with_nul = "/a";
    with_nul.push_back('\0');
    CHECK(absl::IsInvalidArgument(ParseTarget(with_nul).status()));
  }

  TEST_CASE("ParseTarget bounds the target's length and the number of parameters") {
    const std::string long_target = "/" + std::string(100, 'a');
    CHECK(absl::IsOutOfRange(ParseTarget(long_target, {.max_target_bytes = 50}).status()));
    CHECK(ParseTarget(long_target, {.max_target_bytes = 101}).ok());
    std::string query = "/x?";
    for (int i = 0; i < 4; ++i) query += "p=1&";
    CHECK(ParseTarget(query, {.max_query_params = 4}).ok());
    query += "p=1";
    absl::StatusOr<Target> t = ParseTarget(query, {.max_query_params = 4});
    CHECK(absl::IsInvalidArgument(t.status()));
  }

  TEST_CASE("Encoded segments and query components read back unchanged") {
    const std::string texts[] = {"plain", "a b+c", "50%", "caf\xC3\xA9", "?&=#", "~._-"};
    for (const std::string& text : texts) {
      CAPTURE(text);
      absl::StatusOr<Target> t =
          ParseTarget("/" + EncodePathSegment(text) + "?q=" + EncodeQueryComponent(text));
      REQUIRE(t.ok());
      CHECK(t->segments == std::vector<std::string>{text});
      CHECK(t->query == Query{{"q", text}});
    }
    CHECK(EncodePathSegment("a b/c") == "a%20b%2Fc");
    // A '/' survives in a query value, never in a path segment.
    CHECK(ParseTarget("/x?q=" + EncodeQueryComponent("a/b"))->query == Query{{"q", "a/b"}});
    CHECK(absl::IsInvalidArgument(ParseTarget("/" + EncodePathSegment("a/b")).status()));
  }
}

}  // namespace
}  // namespace marquee::http
