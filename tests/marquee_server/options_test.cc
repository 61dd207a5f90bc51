// ParseFlags (examples/server/options.h): every flag sets its setting, over a
// base that keeps what no flag names; bad flags are refused with a message
// that names them and never echoes a key.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "argv_for_test.h"
#include "options.h"

namespace marquee_server {
namespace {

using test::ArgvForTest;

TEST_CASE("flags: each flag sets its setting") {
  ArgvForTest args({"--data-dir", "/data", "--listen=0.0.0.0:9000", "--fsync", "never",
                    "--threads", "12", "--demo", "--port-file", "/run/port", "--admin-key",
                    "admin-key-0123456789", "--delivery-key", "delivery-key-0123456789",
                    "--tls-cert", "c.pem", "--tls-key", "k.pem", "--access-log", "off",
                    "--webhooks", "off", "--config", "/etc/m.json", "--web-dir", "examples/web"});
  absl::StatusOr<ServerFlags> flags = ParseFlags(args.argc(), args.argv());
  REQUIRE(flags.ok());
  CHECK(flags->data_dir == "/data");
  CHECK(flags->listen == "0.0.0.0:9000");
  CHECK(flags->fsync == marquee::FsyncPolicy::kNever);
  CHECK(flags->threads == 12);
  CHECK(flags->demo);
  CHECK(flags->port_file == "/run/port");
  CHECK(flags->admin_key == "admin-key-0123456789");
  CHECK(flags->delivery_key == "delivery-key-0123456789");
  CHECK(flags->tls_cert == "c.pem");
  CHECK(flags->tls_key == "k.pem");
  CHECK_FALSE(flags->access_log);
  CHECK_FALSE(flags->webhooks);
  CHECK(flags->config_file == "/etc/m.json");
  CHECK(flags->web_dir == "examples/web");
  CHECK_FALSE(flags->help);
}

TEST_CASE("flags: no flags give the defaults") {
  ArgvForTest args({});
  absl::StatusOr<ServerFlags> flags = ParseFlags(args.argc(), args.argv());
  REQUIRE(flags.ok());
  CHECK(flags->data_dir.empty());
  CHECK(flags->listen == "127.0.0.1:8080");
  CHECK(flags->fsync == marquee::FsyncPolicy::kEverySecond);
  CHECK(flags->threads == 0);
  CHECK_FALSE(flags->demo);
  CHECK(flags->access_log);
  CHECK(flags->webhooks);
  CHECK(flags->config_file.empty());
}

TEST_CASE("flags: applied over a base they replace only what they name") {
  ServerFlags base;
  base.data_dir = "/from-file";
  base.listen = "10.0.0.1:80";
  base.threads = 3;
  base.admin_key = "file-admin-key-0123456789";
  base.access_log = false;
  ArgvForTest args({"--listen", "127.0.0.1:0", "--access-log", "on"});
  absl::StatusOr<ServerFlags> flags = ParseFlags(args.argc(), args.argv(), base);
  REQUIRE(flags.ok());
  CHECK(flags->listen == "127.0.0.1:0");
  CHECK(flags->access_log);
  CHECK(flags->data_dir == "/from-file");
  CHECK(flags->threads == 3);
  CHECK(flags->admin_key == "file-admin-key-0123456789");
}

TEST_CASE("flags: a TLS certificate alone is left to the merge") {
  ArgvForTest args({"--tls-cert", "c.pem"});
  CHECK(ParseFlags(args.argc(), args.argv()).ok());
}

TEST_CASE("flags: bad command lines say what was wrong") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"--threads"}, "--threads needs a value"},
      {{"--data-dir="}, "--data-dir needs a non-empty value"},
      {{"--threads", "0"}, "--threads: '0' is not a number within 1..1024"},
      {{"--threads", "1025"}, "--threads: '1025' is not a number within 1..1024"},
      {{"--fsync", "sometimes"}, "--fsync: 'sometimes' is not always, every_second or never"},
      {{"--access-log", "maybe"}, "--access-log: 'maybe' is not on or off"},
      {{"--webhooks", "yes"}, "--webhooks: 'yes' is not on or off"},
      {{"--demo=1"}, "--demo takes no value"},
      {{"--admin-key", "short-key"}, "--admin-key needs 16..256 characters"},
      {{"--delivery-key", std::string(257, 'k')}, "--delivery-key needs 16..256 characters"},
      {{"--config"}, "--config needs a value"},
  };
  for (const Case& c : cases) {
    ArgvForTest args(c.args);
    absl::StatusOr<ServerFlags> flags = ParseFlags(args.argc(), args.argv());
    CAPTURE(c.message);
    REQUIRE_FALSE(flags.ok());
    CHECK(absl::IsInvalidArgument(flags.status()));
    CHECK(flags.status().message() == c.message);
  }
}

TEST_CASE("flags: the fsync names of flags and config file") {
  CHECK(ParseFsyncPolicy("always") == marquee::FsyncPolicy::kAlways);
  CHECK(ParseFsyncPolicy("every_second") == marquee::FsyncPolicy::kEverySecond);
  CHECK(ParseFsyncPolicy("never") == marquee::FsyncPolicy::kNever);
  CHECK_FALSE(ParseFsyncPolicy("Always").has_value());
  CHECK_FALSE(ParseFsyncPolicy("").has_value());
}

TEST_CASE("flags: edge targets repeat and replace the base list") {
  ServerFlags base;
  base.edge_varnish = {"10.0.0.9:6081"};
  ArgvForTest args({"--edge-varnish", "127.0.0.1:6081,127.0.0.1:6082", "--edge-varnish=[::1]:6083",
                    "--edge-purge-url", "https://cdn.example/purge/{key}"});
  absl::StatusOr<ServerFlags> flags = ParseFlags(args.argc(), args.argv(), base);
  REQUIRE(flags.ok());
  CHECK(flags->edge_varnish ==
        std::vector<std::string>{"127.0.0.1:6081", "127.0.0.1:6082", "[::1]:6083"});
  CHECK(flags->edge_purge_url == "https://cdn.example/purge/{key}");
  ArgvForTest none({});
  CHECK(ParseFlags(none.argc(), none.argv(), base)->edge_varnish == base.edge_varnish);
  ArgvForTest empty_item({"--edge-varnish", "127.0.0.1:6081,"});
  absl::StatusOr<ServerFlags> bad = ParseFlags(empty_item.argc(), empty_item.argv());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "--edge-varnish: an empty HOST:PORT in the list");
}

}  // namespace
}  // namespace marquee_server
