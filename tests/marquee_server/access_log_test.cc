// The access log line of marquee-server (examples/server/access_log.h):
// valid JSON whatever bytes the client sent, the time in UTC with
// microseconds (the seconds part cached per second must not go stale).
#include "access_log.h"

#include <doctest/doctest.h>

#include <string>

#include "absl/time/time.h"
#include "marquee/json.h"

namespace marquee_server {
namespace {

marquee::http::AccessLogEntry Entry(std::string target) {
  return {.method = "GET",
          .target = std::move(target),
          .status = 200,
          .latency = absl::Microseconds(42),
          .bytes_in = 80,
          .bytes_out = 1100,
          .remote_address = "127.0.0.1:5555"};
}

TEST_CASE("an access log line has every member in order") {
  const absl::Time t = absl::FromUnixMicros(1'764'583'267'123'456);  // 2025-12-01T10:01:07.123456Z
  CHECK(AccessLogLine(Entry("/v1/campaigns/spring"), t) ==
        "{\"time\":\"2025-12-01T10:01:07.123456Z\",\"method\":\"GET\",\"target\":"
        "\"/v1/campaigns/spring\",\"status\":200,\"latency_us\":42,\"bytes_in\":80,"
        "\"bytes_out\":1100,\"remote\":\"127.0.0.1:5555\"}\n");
}

TEST_CASE("the cached seconds follow the clock forward and back") {
  const absl::Time t = absl::FromUnixMicros(1'764'583'267'999'999);
  CHECK(AccessLogLine(Entry("/"), t).find("2025-12-01T10:01:07.999999Z") != std::string::npos);
  CHECK(AccessLogLine(Entry("/"), t + absl::Microseconds(1)).find("2025-12-01T10:01:08.000000Z") !=
        std::string::npos);
  CHECK(AccessLogLine(Entry("/"), t - absl::Hours(25)).find("2025-11-30T09:01:07.999999Z") !=
        std::string::npos);
  CHECK(AccessLogLine(Entry("/"), absl::FromUnixMicros(-1)).find("1969-12-31T23:59:59.999999Z") !=
        std::string::npos);
}

TEST_CASE("an API key in access_token never reaches the log") {
  CHECK(RedactedTarget("/v1/polls/p/stream?access_token=mq_secret") ==
        "/v1/polls/p/stream?access_token=REDACTED");
  CHECK(RedactedTarget("/x?a=1&access_token=mq_secret&b=2&access_token=again") ==
        "/x?a=1&access_token=REDACTED&b=2&access_token=REDACTED");
  CHECK(RedactedTarget("/x?xaccess_token=kept&access_token=") ==
        "/x?xaccess_token=kept&access_token=REDACTED");
  CHECK(RedactedTarget("/v1/campaigns/access_token=not-a-query") ==
        "/v1/campaigns/access_token=not-a-query");
  const std::string line =
      AccessLogLine(Entry("/v1/polls/p/stream?access_token=mq_secret"), absl::UnixEpoch());
  CHECK(line.find("mq_secret") == std::string::npos);
  CHECK(line.find("access_token=REDACTED") != std::string::npos);
}

TEST_CASE("client bytes are escaped so the line stays JSON") {
  const std::string hostile = std::string("/a\"b\\c\x01\x7f\xff\n", 10) + "\"}{";
  const std::string line = AccessLogLine(Entry(hostile), absl::UnixEpoch());
  CHECK(line.back() == '\n');
  CHECK(marquee::Json::Parse(line.substr(0, line.size() - 1)).ok());
  CHECK(line.find(R"(/a\"b\\c\u0001\u007f\u00ff\u000a\"}{)") != std::string::npos);
}

}  // namespace
}  // namespace marquee_server
