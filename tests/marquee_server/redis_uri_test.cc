// ParseRedisUri and RedactRedisUri (examples/server/redis_uri.h): the forms
// --redis takes, the ones it refuses with a reason, and that a password is
// never echoed.
#include <doctest/doctest.h>

#include <string>

#include "redis_uri.h"

namespace marquee_server {
namespace {

TEST_CASE("redis URI: host alone takes Redis' port and no password and database 0") {
  absl::StatusOr<RedisAddress> a = ParseRedisUri("redis://cache.internal");
  REQUIRE(a.ok());
  CHECK(a->host == "cache.internal");
  CHECK(a->port == 6379);
  CHECK(a->password.empty());
  CHECK(a->database == 0);
}

TEST_CASE("redis URI: password and port and database") {
  absl::StatusOr<RedisAddress> a = ParseRedisUri("redis://:s3cret@10.0.0.7:6380/2");
  REQUIRE(a.ok());
  CHECK(a->host == "10.0.0.7");
  CHECK(a->port == 6380);
  CHECK(a->password == "s3cret");
  CHECK(a->database == 2);
}

TEST_CASE("redis URI: a percent-escaped password and an IPv6 host") {
  absl::StatusOr<RedisAddress> a = ParseRedisUri("redis://:p%40ss%2Fw@[::1]:7000/");
  REQUIRE(a.ok());
  CHECK(a->host == "::1");
  CHECK(a->port == 7000);
  CHECK(a->password == "p@ss/w");
  CHECK(a->database == 0);
}

TEST_CASE("redis URI: bad ones are refused saying why and never quoting the password") {
  const struct {
    const char* uri;
    const char* reason;
  } cases[] = {
      {"http://h:1", "it must start with redis://"},
      {"rediss://h:1", "rediss:// (TLS) is not supported"},
      {"h:6379", "it must start with redis://"},
      {"redis://", "no host"},
      {"redis://:pw@", "no host"},
      {"redis://h:", "an empty port"},
      {"redis://h:0", "the port must be a number within 1..65535"},
      {"redis://h:65536", "the port must be a number within 1..65535"},
      {"redis://h:x1", "the port must be a number within 1..65535"},
      {"redis://h/1024", "the database after '/' must be a number within 0..1023"},
      {"redis://h/a", "the database after '/' must be a number within 0..1023"},
      {"redis://admin:topsecret@h", "a user name is not supported"},
      {"redis://:bad%zzsecret@h", "broken %-escape"},
      {"redis://h?timeout=1", "a query or fragment is not taken"},
      {"redis://[::1", "closing ']'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.uri);
    absl::StatusOr<RedisAddress> a = ParseRedisUri(c.uri);
    REQUIRE_FALSE(a.ok());
    CHECK(absl::IsInvalidArgument(a.status()));
    CHECK(std::string(a.status().message()).find(c.reason) != std::string::npos);
    CHECK(std::string(a.status().message()).find("secret") == std::string::npos);
  }
}

TEST_CASE("redis URI: redacted for the banner") {
  CHECK(RedactRedisUri("redis://:s3cret@10.0.0.7:6380/2") == "redis://:***@10.0.0.7:6380/2");
  CHECK(RedactRedisUri("redis://10.0.0.7:6380") == "redis://10.0.0.7:6380");
}

}  // namespace
}  // namespace marquee_server
