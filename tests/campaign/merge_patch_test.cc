// RFC 7396 merge patch: every example of the RFC's appendix A, the
// decisions merge_patch.h documents (byte-exact values, member order,
// escaped and repeated keys) and the limits on the result.
#include <doctest/doctest.h>

#include <string>

#include "marquee/campaign/merge_patch.h"
#include "marquee/json.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

// Shorthand: most cases here build many small documents.
constexpr auto& J = test::MustParseJson;

std::string Patched(std::string_view target, std::string_view patch) {
  absl::StatusOr<Json> result = ApplyMergePatch(J(target), J(patch));
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  return std::string(result->text());
}

TEST_SUITE("campaign.merge_patch") {
  TEST_CASE("every example of RFC 7396 appendix A") {
    struct Example {
      const char* target;
      const char* patch;
      const char* result;
    };
    const Example examples[] = {
        {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
        {R"({"a":"b"})", R"({"a":null})", R"({})"},
        {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
        {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
        {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
        {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
        {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
        {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
        {R"({"a":"foo"})", R"(null)", R"(null)"},
        {R"({"a":"foo"})", R"("bar")", R"("bar")"},
        {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
        {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
        {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
    };
    for (const Example& e : examples) {
      CAPTURE(e.target);
      CAPTURE(e.patch);
      CHECK(Patched(e.target, e.patch) == e.result);
    }
  }

  TEST_CASE("the RFC's section 3 example") {
    CHECK(Patched(R"({"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},)"
                  R"("tags":["example","sample"],"content":"This will be unchanged"})",
                  R"({"title":"Hello!","phoneNumber":"+01-123-456-7890",)"
                  R"("author":{"familyName":null},"tags":["example"]})") ==
          R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],)"
          R"("content":"This will be unchanged","phoneNumber":"+01-123-456-7890"})");
  }

  TEST_CASE("values are kept byte for byte and nulls inside arrays survive") {
    CHECK(Patched(R"({"big":1})", R"({"big":123456789012345678901234567890,"x":1e400})") ==
          R"({"big":123456789012345678901234567890,"x":1e400})");
    CHECK(Patched(R"({})", R"({"a":[null,{"b":null}]})") == R"({"a":[null,{"b":null}]})");
    CHECK(Patched(R"({"s":"a\"b\\c"})", R"({"t":"\u00e9"})") == R"({"s":"a\"b\\c","t":"\u00e9"})");
  }

  TEST_CASE("keys compare unescaped and repeated keys count once") {
    // "\u0061" is "a": the patch replaces it, keeping the target's spelling.
    CHECK(Patched(R"({"\u0061":1,"b":2})", R"({"a":3})") == R"({"\u0061":3,"b":2})");
    CHECK(Patched(R"({"a":1})", R"({"\u0061":null})") == R"({})");
    // Surrogate pairs unescape to one character.
    CHECK(Patched(R"({"\ud83d\ude00":1})", "{\"\xF0\x9F\x98\x80\":2}") ==
          R"({"\ud83d\ude00":2})");
    // The target's last "a" counts; the result has one "a".
    CHECK(Patched(R"({"a":1,"b":2,"a":3})", R"({"c":4})") == R"({"a":3,"b":2,"c":4})");
    // The patch's last "a" counts.
    CHECK(Patched(R"({"a":1})", R"({"a":{"x":1},"a":null})") == R"({})");
  }

  TEST_CASE("an empty patch object changes nothing") {
    CHECK(Patched(R"({"a":{"b":[1,2]}})", "{}") == R"({"a":{"b":[1,2]}})");
    CHECK(Patched("[1]", "{}") == "{}");
    CHECK(Patched("3", R"({"a":{}})") == R"({"a":{}})");
  }

  TEST_CASE("a result over the size limit is InvalidArgument and the target is unchanged") {
    const Json target = J(R"({"a":"xxxxxxxxxx"})");
    const Json patch = J(R"({"b":"yyyyyyyyyy"})");
    absl::StatusOr<Json> result = ApplyMergePatch(target, patch, {.max_bytes = 34});
    REQUIRE_FALSE(result.ok());
    CHECK(absl::IsInvalidArgument(result.status()));
    CHECK(std::string(result.status().message()).find("limit of 34") != std::string::npos);
    CHECK(target.text() == R"({"a":"xxxxxxxxxx"})");
    CHECK(ApplyMergePatch(target, patch, {.max_bytes = 35}).ok());
  }

  TEST_CASE("a result over the depth limit is InvalidArgument") {
    const Json target = J(R"({"a":{"b":{}}})");
    absl::StatusOr<Json> deep = ApplyMergePatch(target, J(R"({"a":{"b":{"c":[[1]]}}})"),
                                                {.max_depth = 4});
    REQUIRE_FALSE(deep.ok());
    CHECK(absl::IsInvalidArgument(deep.status()));
    // A patch whose objects alone nest past the limit is refused before any merge.
    absl::StatusOr<Json> deep_patch =
        ApplyMergePatch(target, J(R"({"a":{"b":{"c":{"d":{}}}}})"), {.max_depth = 3});
    REQUIRE_FALSE(deep_patch.ok());
    CHECK(absl::IsInvalidArgument(deep_patch.status()));
    CHECK(ApplyMergePatch(target, J(R"({"a":{"b":{"c":[1]}}})"), {.max_depth = 4}).ok());
  }

  TEST_CASE("a deep patch parsed with a large limit is refused without deep recursion") {
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "{\"a\":";
    text += "1";
    for (int i = 0; i < 5000; ++i) text += "}";
    absl::StatusOr<Json> patch = Json::Parse(text, {.max_depth = 6000});
    REQUIRE(patch.ok());
    absl::StatusOr<Json> result = ApplyMergePatch(J("{}"), *patch);
    REQUIRE_FALSE(result.ok());
    CHECK(absl::IsInvalidArgument(result.status()));
    // kMaxMergePatchDepth caps the recursion whatever the limits say.
    absl::StatusOr<Json> capped = ApplyMergePatch(J("{}"), *patch, {.max_depth = 6000});
    REQUIRE_FALSE(capped.ok());
    CHECK(absl::IsInvalidArgument(capped.status()));
    std::string within;
    for (int i = 0; i < 200; ++i) within += "{\"a\":";
    within += "1";
    for (int i = 0; i < 200; ++i) within += "}";
    CHECK(ApplyMergePatch(J("{}"), *Json::Parse(within, {.max_depth = 300}),
                          {.max_depth = 300}).ok());
  }
}

}  // namespace
}  // namespace marquee::campaign
