// FindRepeatedJsonKey (examples/server/repeated_json_key.h): a key given twice
// in one object is found with its path; the same key in different objects,
// keys inside strings and array elements are not repeats.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "marquee/json.h"
#include "repeated_json_key.h"

namespace marquee_server {
namespace {

std::optional<std::string> Repeated(std::string_view text) {
  absl::StatusOr<marquee::Json> json = marquee::Json::Parse(text);
  REQUIRE(json.ok());
  return FindRepeatedJsonKey(json->text());
}

TEST_CASE("repeated key: found with its path") {
  CHECK(Repeated(R"({"a": 1, "a": 2})") == "a");
  CHECK(Repeated(R"({"limits": {"maxBodyBytes": 1, "x": 0, "maxBodyBytes": 2}})") ==
        "limits.maxBodyBytes");
  CHECK(Repeated(R"({"limits": {}, "cors": {}, "limits": {}})") == "limits");
  CHECK(Repeated(R"({"list": [{"k": 1}, {"k": 1, "k": 2}]})") == "list[].k");
  CHECK(Repeated(R"({"a\"b": 1, "a\"b": 2})") == "a\\\"b");
}

TEST_CASE("repeated key: none in documents without one") {
  CHECK(Repeated(R"({})") == std::nullopt);
  CHECK(Repeated(R"([1, "a", {"a": 1}])") == std::nullopt);
  CHECK(Repeated(R"({"a": {"a": {"a": 1}}, "b": {"a": 2}})") == std::nullopt);
  CHECK(Repeated(R"({"a": "a", "b": "a"})") == std::nullopt);
  CHECK(Repeated(R"({"a": ["a", "a"], "b": [{"x": 1}, {"x": 2}]})") == std::nullopt);
  CHECK(Repeated(R"({"s": "\"}, {\"s\": 1", "t": 2})") == std::nullopt);
  CHECK(Repeated(R"("just a string")") == std::nullopt);
}

}  // namespace
}  // namespace marquee_server
