// LoadSettings (examples/server/server_settings.h), the one place where the
// sources meet: a flag given wins over the config file, the file wins over
// the defaults, settings without a flag come from the file; --help reads no
// file; a bad flag is reported before the file is read; the TLS pair is
// checked across both sources.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "argv_for_test.h"
#include "server_settings.h"
#include "support/temp_dir.h"

namespace marquee_server {
namespace {

using test::ArgvForTest;

// A private config file in a temp dir.
class ConfigFileForTest {
 public:
  explicit ConfigFileForTest(const std::string& text) : path_(dir_.Join("server.json")) {
    std::ofstream(path_) << text;
    chmod(path_.c_str(), 0600);
  }
  const std::string& path() const { return path_; }

 private:
  marquee::test::TempDir dir_{"server-settings"};
  std::string path_;
};

constexpr char kFile[] = R"({
  "dataDir": "/file/data", "listen": "10.0.0.1:80", "fsync": "never", "threads": 3,
  "portFile": "/file/port", "adminKey": "file-admin-key-0123456789",
  "deliveryKey": "file-delivery-key-0123456789", "tlsCert": "/file/cert.pem",
  "tlsKey": "/file/key.pem", "accessLog": false, "webhooks": false, "demo": true,
  "limits": {"maxBodyBytes": 4096}, "timeouts": {"shutdownDrain": "3s"}
})";

TEST_CASE("settings: flags given win over the file") {
  ConfigFileForTest file(kFile);
  ArgvForTest args({"--config", file.path(), "--data-dir", "/flag/data", "--listen",
                    "127.0.0.1:0", "--fsync", "always", "--threads", "5", "--port-file",
                    "/flag/port", "--admin-key", "flag-admin-key-0123456789", "--delivery-key",
                    "flag-delivery-key-0123456789", "--tls-cert", "/flag/cert.pem", "--tls-key",
                    "/flag/key.pem", "--access-log", "on", "--webhooks", "on"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE(loaded.ok());
  const ServerFlags& f = loaded->settings.flags;
  CHECK(f.data_dir == "/flag/data");
  CHECK(f.listen == "127.0.0.1:0");
  CHECK(f.fsync == marquee::FsyncPolicy::kAlways);
  CHECK(f.threads == 5);
  CHECK(f.port_file == "/flag/port");
  CHECK(f.admin_key == "flag-admin-key-0123456789");
  CHECK(f.delivery_key == "flag-delivery-key-0123456789");
  CHECK(f.tls_cert == "/flag/cert.pem");
  CHECK(f.tls_key == "/flag/key.pem");
  CHECK(f.access_log);
  CHECK(f.webhooks);
  CHECK(f.config_file == file.path());
  // Settings without a flag still come from the file.
  CHECK(loaded->settings.server.max_body_bytes == 4096);
  CHECK(loaded->settings.api.max_body_bytes == 4096);
  CHECK(loaded->settings.shutdown_drain == absl::Seconds(3));
  CHECK(loaded->warnings.empty());
}

TEST_CASE("settings: the file wins over the defaults where no flag is given") {
  ConfigFileForTest file(kFile);
  ArgvForTest args({"--listen", "127.0.0.1:0", "--config=" + file.path()});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE(loaded.ok());
  const ServerFlags& f = loaded->settings.flags;
  CHECK(f.listen == "127.0.0.1:0");  // the flag, though it came before --config
  CHECK(f.data_dir == "/file/data");
  CHECK(f.fsync == marquee::FsyncPolicy::kNever);
  CHECK(f.threads == 3);
  CHECK(f.port_file == "/file/port");
  CHECK(f.admin_key == "file-admin-key-0123456789");
  CHECK(f.delivery_key == "file-delivery-key-0123456789");
  CHECK(f.tls_cert == "/file/cert.pem");
  CHECK(f.tls_key == "/file/key.pem");
  CHECK_FALSE(f.access_log);
  CHECK_FALSE(f.webhooks);
  CHECK(f.demo);
}

TEST_CASE("settings: without --config the defaults and flags alone") {
  ArgvForTest args({"--threads", "2"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE(loaded.ok());
  CHECK(loaded->settings.flags.threads == 2);
  CHECK(loaded->settings.flags.listen == "127.0.0.1:8080");
  CHECK(loaded->settings.server.max_body_bytes == marquee::http::ServerOptions{}.max_body_bytes);
  CHECK(loaded->settings.shutdown_drain == absl::Seconds(10));
}

TEST_CASE("settings: --help reads no file") {
  ArgvForTest args({"--config", "/nonexistent/server.json", "--help"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE(loaded.ok());
  CHECK(loaded->settings.flags.help);
}

TEST_CASE("settings: a bad flag is reported before the file is read") {
  ArgvForTest args({"--config", "/nonexistent/server.json", "--threads", "0"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().message() == "--threads: '0' is not a number within 1..1024 (try --help)");
}

TEST_CASE("settings: errors of the file reach the caller as they are") {
  ArgvForTest missing({"--config", "/nonexistent/server.json"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(missing.argc(), missing.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(absl::IsInvalidArgument(loaded.status()));
  CHECK(loaded.status().message() ==
        "config: cannot read /nonexistent/server.json: No such file or directory");

  ConfigFileForTest typo(R"({"limits": {"maxHedaerBytes": 1}})");
  ArgvForTest args({"--config", typo.path()});
  loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().message() == "config: unknown key \"limits.maxHedaerBytes\"");
}

TEST_CASE("settings: the TLS pair may come half from each source but must be whole") {
  ConfigFileForTest cert_only(R"({"tlsCert": "/file/cert.pem"})");
  ArgvForTest whole({"--config", cert_only.path(), "--tls-key", "/flag/key.pem"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(whole.argc(), whole.argv());
  REQUIRE(loaded.ok());
  CHECK(loaded->settings.flags.tls_cert == "/file/cert.pem");
  CHECK(loaded->settings.flags.tls_key == "/flag/key.pem");

  ArgvForTest half({"--config", cert_only.path()});
  loaded = LoadSettings(half.argc(), half.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().message() ==
        "--tls-cert and --tls-key (config: \"tlsCert\" and \"tlsKey\") go together (try --help)");

  ArgvForTest flag_only({"--tls-key", "/flag/key.pem"});
  CHECK_FALSE(LoadSettings(flag_only.argc(), flag_only.argv()).ok());
}

TEST_CASE("settings: --postgres and --postgres-schema and --redis from flags or the file") {
  ConfigFileForTest file(
      R"({"postgres": "postgresql://db/marquee", "postgresSchema": "shop", "redis": "redis://cache:6380"})");
  ArgvForTest from_file({"--config", file.path()});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(from_file.argc(), from_file.argv());
  REQUIRE(loaded.ok());
  CHECK(loaded->settings.flags.postgres == "postgresql://db/marquee");
  CHECK(loaded->settings.flags.postgres_schema == "shop");
  CHECK(loaded->settings.flags.redis == "redis://cache:6380");

  ArgvForTest flags({"--config", file.path(), "--postgres-schema", "other", "--redis",
                     "redis://:pw@cache2"});
  loaded = LoadSettings(flags.argc(), flags.argv());
  REQUIRE(loaded.ok());
  CHECK(loaded->settings.flags.postgres_schema == "other");
  CHECK(loaded->settings.flags.redis == "redis://:pw@cache2");

  ArgvForTest defaults({});
  loaded = LoadSettings(defaults.argc(), defaults.argv());
  REQUIRE(loaded.ok());
  CHECK(loaded->settings.flags.postgres.empty());
  CHECK(loaded->settings.flags.postgres_schema == "marquee");
  CHECK(loaded->settings.flags.redis.empty());
}

TEST_CASE("settings: the data lives in one place and Redis fronts a shared store only") {
  ArgvForTest both({"--postgres", "postgresql://db/m", "--data-dir", "/data"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(both.argc(), both.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(std::string(loaded.status().message()).find("exclude each other") != std::string::npos);

  ConfigFileForTest data_dir_file(R"({"dataDir": "/file/data"})");
  ArgvForTest mixed({"--config", data_dir_file.path(), "--postgres", "postgresql://db/m"});
  CHECK_FALSE(LoadSettings(mixed.argc(), mixed.argv()).ok());

  ArgvForTest redis_alone({"--redis", "redis://cache"});
  loaded = LoadSettings(redis_alone.argc(), redis_alone.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(std::string(loaded.status().message()).find("--redis (config: \"redis\") needs --postgres") !=
        std::string::npos);

  ArgvForTest bad_redis({"--postgres", "postgresql://db/m", "--redis", "redis://:hunter2@h:0"});
  loaded = LoadSettings(bad_redis.argc(), bad_redis.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(std::string(loaded.status().message()).find("--redis: redis URI: the port") == 0);
  CHECK(std::string(loaded.status().message()).find("hunter2") == std::string::npos);

  ArgvForTest bad_schema({"--postgres-schema", "Shop"});
  loaded = LoadSettings(bad_schema.argc(), bad_schema.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(std::string(loaded.status().message()).find("--postgres-schema") == 0);

  ConfigFileForTest bad_schema_file(R"({"postgresSchema": "1shop"})");
  ArgvForTest from_file({"--config", bad_schema_file.path()});
  loaded = LoadSettings(from_file.argc(), from_file.argv());
  REQUIRE_FALSE(loaded.ok());
  CHECK(std::string(loaded.status().message()).find("postgresSchema") != std::string::npos);
}

TEST_CASE("settings: a file holding a database password is a file holding secrets") {
  ConfigFileForTest file(R"({"postgres": "postgresql://marquee:pw@db/marquee"})");
  chmod(file.path().c_str(), 0644);
  ArgvForTest args({"--config", file.path()});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE(loaded.ok());
  CHECK(loaded->warnings.size() == 1);
}

TEST_CASE("settings: the warnings of the file are passed on") {
  ConfigFileForTest file(R"({"adminKey": "file-admin-key-0123456789"})");
  chmod(file.path().c_str(), 0644);
  ArgvForTest args({"--config", file.path()});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE(loaded.ok());
  REQUIRE(loaded->warnings.size() == 1);
  CHECK(loaded->warnings[0].starts_with("warning: config file " + file.path()));
}

TEST_CASE("settings: edge purge targets are checked and named as flags") {
  const auto message = [](std::vector<std::string> argv) {
    ArgvForTest args(std::move(argv));
    absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
    REQUIRE_FALSE(loaded.ok());
    CHECK(absl::IsInvalidArgument(loaded.status()));
    return std::string(loaded.status().message());
  };
  CHECK(message({"--edge-varnish", "varnish.internal"}) ==
        "--edge-varnish (config: \"edgeVarnish\"): 'varnish.internal' is not host:port (a port "
        "within 1..65535; [v6]:port) (try --help)");
  CHECK(message({"--edge-purge-url", "ftp://cdn.example/{key}"}) ==
        "--edge-purge-url (config: \"edgePurgeUrl\"): must be an http:// or https:// URL (try "
        "--help)");
  ConfigFileForTest file(R"({"edgePurgeUrl": "https://cdn.example/purge",
                             "edgePurge": {"window": "5ms", "headers": {"Fastly-Key": "t0k3n"}}})");
  ArgvForTest args({"--config", file.path(), "--edge-varnish", "127.0.0.1:6081"});
  absl::StatusOr<LoadedSettings> loaded = LoadSettings(args.argc(), args.argv());
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const marquee::http::EdgePurgerOptions options = EdgePurgeOptionsOf(loaded->settings);
  CHECK(options.varnish == std::vector<std::string>{"127.0.0.1:6081"});
  REQUIRE(options.cdns.size() == 1);
  CHECK(options.cdns[0].url_template == "https://cdn.example/purge");
  CHECK(options.cdns[0].headers[0].second == "t0k3n");
  CHECK(options.coalesce_window == absl::Milliseconds(5));
  ArgvForTest plain({});
  absl::StatusOr<LoadedSettings> none = LoadSettings(plain.argc(), plain.argv());
  REQUIRE(none.ok());
  CHECK(EdgePurgeOptionsOf(none->settings).varnish.empty());
  CHECK(EdgePurgeOptionsOf(none->settings).cdns.empty());
}

}  // namespace
}  // namespace marquee_server
