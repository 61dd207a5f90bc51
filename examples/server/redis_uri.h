// Where marquee-server's Redis is: the --redis URI (config key "redis"),
// redis://[:password@]host[:port][/db], parsed into the parts RedisOptions
// takes. Kept apart from marquee::redis so the settings library (and its
// tests) need no Redis client.
// Thread-safety: values and a function of its argument.
//
//   absl::StatusOr<RedisAddress> a = ParseRedisUri("redis://:s3cret@10.0.0.7:6380/2");
//   // a->host == "10.0.0.7", a->port == 6380, a->password == "s3cret", a->database == 2
#ifndef MARQUEE_EXAMPLES_SERVER_REDIS_URI_H_
#define MARQUEE_EXAMPLES_SERVER_REDIS_URI_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace marquee_server {

struct RedisAddress {
  // A host name or an IP literal (IPv6 without its brackets).
  std::string host;
  // 1..65535. Default: 6379, Redis' own.
  int port = 6379;
  // Sent with AUTH; empty: none.
  std::string password;
  // The logical database of the cache (SELECT), 0..1023. Default: 0.
  int database = 0;
};

// The address `uri` names. Percent-escapes (%40 for '@') are decoded in the
// password. Messages never quote the password.
// Errors: InvalidArgument naming what is wrong: another scheme than
// redis:// (rediss:// is refused: the client speaks no TLS), a user name
// (only the password form ":password@" is taken), no host, a port outside
// 1..65535, a database that is not a number within 0..1023, a query or
// fragment.
absl::StatusOr<RedisAddress> ParseRedisUri(std::string_view uri);

// `uri` with its password, if any, replaced by "***", for logs and banners.
std::string RedactRedisUri(std::string_view uri);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_REDIS_URI_H_
