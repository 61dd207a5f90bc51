// The config file of marquee-server (examples/server/config_file.h): every
// key of the table is read into the setting it names; an empty object keeps
// the defaults; each kind of bad input is refused with a message naming the
// key's path and never quoting a secret; the file is read at most 1 MiB, and
// a file holding keys that others may read draws a warning.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config_file.h"
#include "config_keys.h"
#include "marquee/campaign/value.h"
#include "support/temp_dir.h"

namespace marquee_server {
namespace {

// Every key, none at its default.
constexpr char kEveryKey[] = R"({
  "dataDir": "/var/lib/marquee",
  "listen": "0.0.0.0:9090",
  "fsync": "always",
  "threads": 8,
  "demo": true,
  "portFile": "/run/marquee.port",
  "adminKey": "admin-key-0123456789",
  "deliveryKey": "delivery-key-0123456789",
  "tlsCert": "/etc/marquee/cert.pem",
  "tlsKey": "/etc/marquee/key.pem",
  "accessLog": false,
  "webhooks": false,
  "webDir": "/srv/marquee/web",
  "postgres": "postgresql://marquee@db.internal/marquee",
  "postgresSchema": "shop_eu",
  "redis": "redis://cache.internal:6380/1",
  "edgeVarnish": ["10.0.0.5:6081", "[::1]:6082"],
  "edgePurgeUrl": "https://api.fastly.com/service/s1/purge/{key}",
  "limits": {
    "maxHeaderBytes": 8192, "maxHeaderCount": 50, "maxBodyBytes": 65536, "maxJsonDepth": 16,
    "maxTargetBytes": 4096, "maxQueryParams": 32, "maxConnections": 500,
    "maxRequestsPerConnection": 1000
  },
  "timeouts": {"headerRead": "5s", "bodyRead": "30s", "idle": "2m", "shutdownDrain": "1m30s"},
  "streams": {"heartbeat": "25s", "maxQueueBytes": 262144, "sendBufferBytes": 0},
  "rateLimits": {
    "perKeyPerSecond": 100, "perKeyBurst": 300, "perAddressPerSecond": 2.5,
    "perAddressBurst": 10, "maxTrackedKeys": 5000
  },
  "cors": {"allowedOrigins": ["https://shop.example", "*"], "maxAge": "1h"},
  "auth": {
    "jwtSecret": "jwt-secret-0123456789-0123456789-0123456789",
    "userTokenHeader": "X-End-User",
    "jwtLeeway": "30s"
  },
  "pages": {
    "defaultSize": 10, "maxSize": 50, "cursorTtl": "1h", "cursorKeyId": "k-2024.1",
    "cursorSecret": "cursor-secret-0123456789-0123456789"
  },
  "responses": {
    "compress": false,
    "campaignCacheControl": "no-store",
    "decideCacheControl": "private, max-age=5",
    "featuresCacheControl": "public, max-age=60"
  },
  "edgePurge": {
    "method": "PURGE", "headers": {"Fastly-Key": "cdn-token-0123456789", "X-Team": "web"},
    "keysHeader": "Cache-Tag", "window": "50ms", "applyTimeout": "5s", "maxPendingKeys": 500,
    "maxAttempts": 3, "requestTimeout": "2s"
  }
})";

TEST_CASE("config: every key of the table is read into its setting") {
  absl::StatusOr<ServerSettings> parsed = ParseConfig(kEveryKey);
  REQUIRE(parsed.ok());
  const ServerSettings& s = *parsed;
  const ServerFlags& f = s.flags;
  CHECK(f.data_dir == "/var/lib/marquee");
  CHECK(f.listen == "0.0.0.0:9090");
  CHECK(f.fsync == marquee::FsyncPolicy::kAlways);
  CHECK(f.threads == 8);
  CHECK(f.demo);
  CHECK(f.port_file == "/run/marquee.port");
  CHECK(f.admin_key == "admin-key-0123456789");
  CHECK(f.delivery_key == "delivery-key-0123456789");
  CHECK(f.tls_cert == "/etc/marquee/cert.pem");
  CHECK(f.tls_key == "/etc/marquee/key.pem");
  CHECK(f.web_dir == "/srv/marquee/web");
  CHECK_FALSE(f.access_log);
  CHECK_FALSE(f.webhooks);
  CHECK(f.postgres == "postgresql://marquee@db.internal/marquee");
  CHECK(f.postgres_schema == "shop_eu");
  CHECK(f.redis == "redis://cache.internal:6380/1");

  CHECK(s.server.max_header_bytes == 8192);
  CHECK(s.server.max_header_count == 50);
  CHECK(s.server.max_body_bytes == 65536);
  CHECK(s.api.max_body_bytes == 65536);
  CHECK(s.api.max_json_depth == 16);
  CHECK(s.api.target_limits.max_target_bytes == 4096);
  CHECK(s.api.target_limits.max_query_params == 32);
  CHECK(s.server.max_connections == 500);
  CHECK(s.server.max_requests_per_connection == 1000);

  CHECK(s.server.header_read_timeout == absl::Seconds(5));
  CHECK(s.server.body_read_timeout == absl::Seconds(30));
  CHECK(s.server.idle_timeout == absl::Minutes(2));
  CHECK(s.shutdown_drain == absl::Seconds(90));

  CHECK(s.api.stream_heartbeat == absl::Seconds(25));
  CHECK(s.server.max_stream_queue_bytes == 262144);
  CHECK(s.server.stream_send_buffer_bytes == 0);

  CHECK(s.api.rate_limits.per_key_per_second == 100);
  CHECK(s.api.rate_limits.per_key_burst == 300);
  CHECK(s.api.rate_limits.per_address_per_second == 2.5);
  CHECK(s.api.rate_limits.per_address_burst == 10);
  CHECK(s.api.rate_limits.max_tracked_keys == 5000);

  CHECK(s.api.cors_origins == std::vector<std::string>{"https://shop.example", "*"});
  CHECK(s.api.cors_max_age == absl::Hours(1));

  CHECK(s.api.auth.jwt_secret == "jwt-secret-0123456789-0123456789-0123456789");
  CHECK(s.api.auth.user_token_header == "X-End-User");
  CHECK(s.api.auth.jwt_leeway == absl::Seconds(30));

  CHECK(s.api.default_page_size == 10);
  CHECK(s.api.max_page_size == 50);
  CHECK(s.api.cursor_ttl == absl::Hours(1));
  REQUIRE(s.api.cursor_key.has_value());
  CHECK(s.api.cursor_key->id == "k-2024.1");
  CHECK(s.api.cursor_key->secret == "cursor-secret-0123456789-0123456789");

  CHECK_FALSE(s.api.compress_responses);
  CHECK(s.api.campaign_cache_control == "no-store");
  CHECK(s.api.decide_cache_control == "private, max-age=5");
  CHECK(s.api.features_cache_control == "public, max-age=60");

  CHECK(f.edge_varnish == std::vector<std::string>{"10.0.0.5:6081", "[::1]:6082"});
  CHECK(f.edge_purge_url == "https://api.fastly.com/service/s1/purge/{key}");
  CHECK(s.edge_cdn.method == "PURGE");
  CHECK(s.edge_cdn.headers == std::vector<std::pair<std::string, std::string>>{
                                  {"Fastly-Key", "cdn-token-0123456789"}, {"X-Team", "web"}});
  CHECK(s.edge_cdn.keys_header == "Cache-Tag");
  CHECK(s.edge_purge.coalesce_window == absl::Milliseconds(50));
  CHECK(s.edge_purge.apply_timeout == absl::Seconds(5));
  CHECK(s.edge_purge.max_pending_keys == 500);
  CHECK(s.edge_purge.max_attempts == 3);
  CHECK(s.edge_purge.request_timeout == absl::Seconds(2));
  CHECK(HoldsSecrets(s));
}

// So that a key added to the table without a check above fails here.
TEST_CASE("config: the every-key document names every key of the table") {
  absl::StatusOr<marquee::campaign::Value> document = marquee::campaign::Value::Parse(kEveryKey);
  REQUIRE(document.ok());
  size_t members = 0;
  for (const auto& [name, value] : document->members()) {
    members += value.is_object() ? value.size() : 1;
  }
  CHECK(members == ConfigKeys().size());
  for (const ConfigKey& key : ConfigKeys()) {
    std::string path(key.name);
    if (!key.group.empty()) path = std::string(key.group) + "." + path;
    CAPTURE(path);
    CHECK(document->GetPath(path) != nullptr);
  }
}

TEST_CASE("config: an empty object keeps every default") {
  absl::StatusOr<ServerSettings> parsed = ParseConfig(" {\n} ");
  REQUIRE(parsed.ok());
  const ServerSettings defaults;
  CHECK(parsed->flags.listen == defaults.flags.listen);
  CHECK(parsed->flags.threads == 0);
  CHECK(parsed->flags.access_log);
  CHECK(parsed->server.max_body_bytes == defaults.server.max_body_bytes);
  CHECK(parsed->server.idle_timeout == defaults.server.idle_timeout);
  CHECK(parsed->api.max_body_bytes == defaults.api.max_body_bytes);
  CHECK(parsed->api.max_page_size == defaults.api.max_page_size);
  CHECK(parsed->api.compress_responses);
  CHECK_FALSE(parsed->api.cursor_key.has_value());
  CHECK(parsed->shutdown_drain == absl::Seconds(10));
  CHECK_FALSE(HoldsSecrets(*parsed));
}

TEST_CASE("config: edge values of the ranges are taken") {
  absl::StatusOr<ServerSettings> parsed = ParseConfig(R"({
    "threads": 1024, "limits": {"maxBodyBytes": 1e3, "maxRequestsPerConnection": 0},
    "streams": {"sendBufferBytes": 4096}, "cors": {"maxAge": "0"},
    "timeouts": {"shutdownDrain": "0s", "idle": "1ms"},
    "pages": {"defaultSize": 1000, "maxSize": 1000}
  })");
  REQUIRE(parsed.ok());
  CHECK(parsed->flags.threads == 1024);
  CHECK(parsed->api.max_body_bytes == 1000);
  CHECK(parsed->server.max_requests_per_connection == 0);
  CHECK(parsed->server.stream_send_buffer_bytes == 4096);
  CHECK(parsed->api.cors_max_age == absl::ZeroDuration());
  CHECK(parsed->shutdown_drain == absl::ZeroDuration());
  CHECK(parsed->server.idle_timeout == absl::Milliseconds(1));
  CHECK(parsed->api.default_page_size == 1000);
}

TEST_CASE("config: bad files are refused naming the key and what it takes") {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      // Not a JSON object.
      {"", "config: the file is empty; it must hold a JSON object"},
      {"{\"threads\": 2", "config: not valid JSON: invalid JSON at byte "},
      {"threads = 2", "config: not valid JSON: invalid JSON at byte "},
      {"[1, 2]", "config: the file must hold a JSON object, not array"},
      {"\"dataDir\"", "config: the file must hold a JSON object, not string"},
      // Unknown and repeated keys.
      {R"({"limits": {"maxHedaerBytes": 1}})", "config: unknown key \"limits.maxHedaerBytes\""},
      {R"({"data_dir": "/x"})", "config: unknown key \"data_dir\""},
      {R"({"config": "/etc/other.json"})", "config: unknown key \"config\""},
      {R"({"limit": {"maxBodyBytes": 1}})", "config: unknown key \"limit\""},
      {R"({"maxBodyBytes": 1})", "config: unknown key \"maxBodyBytes\""},
      {R"({"threads": 2, "threads": 3})", "config: key \"threads\" is given more than once"},
      {R"({"cors": {"maxAge": "1s", "maxAge": "2s"}})",
       "config: key \"cors.maxAge\" is given more than once"},
      // Wrong types.
      {R"({"limits": 3})", "config: \"limits\" must be an object"},
      {R"({"threads": "4"})", "config: \"threads\" must be an integer within 1..1024"},
      {R"({"demo": "yes"})", "config: \"demo\" must be true or false"},
      {R"({"accessLog": 1})", "config: \"accessLog\" must be true or false"},
      {R"({"dataDir": 7})", "config: \"dataDir\" must be a string of 1..4096 bytes"},
      {R"({"timeouts": {"idle": 30}})",
       "config: \"timeouts.idle\" must be a duration such as \"500ms\", \"10s\" or \"2m\" within "
       "1ms..24h"},
      {R"({"cors": {"allowedOrigins": "https://a.example"}})",
       "config: \"cors.allowedOrigins\" must be an array of at most 1000 strings of 1..1024 bytes "
       "without spaces or control characters"},
      {R"({"rateLimits": {"perKeyPerSecond": null}})",
       "config: \"rateLimits.perKeyPerSecond\" must be a number within 0..1000000000"},
      // Out of range, as the flags and the options structs say.
      {R"({"threads": 0})", "config: \"threads\" must be an integer within 1..1024"},
      {R"({"threads": 1025})", "config: \"threads\" must be an integer within 1..1024"},
      {R"({"threads": 2.5})", "config: \"threads\" must be an integer within 1..1024"},
      {R"({"limits": {"maxBodyBytes": 0}})",
       "config: \"limits.maxBodyBytes\" must be an integer within 1..1073741824"},
      {R"({"limits": {"maxHeaderBytes": 255}})",
       "config: \"limits.maxHeaderBytes\" must be an integer within 256..16777216"},
      {R"({"limits": {"maxConnections": 1e7}})",
       "config: \"limits.maxConnections\" must be an integer within 1..1000000"},
      {R"({"streams": {"sendBufferBytes": 100}})",
       "config: \"streams.sendBufferBytes\" must be 0 or an integer within 4096..16777216"},
      {R"({"rateLimits": {"perKeyBurst": 0.5}})",
       "config: \"rateLimits.perKeyBurst\" must be a number within 1..1000000000"},
      {R"({"rateLimits": {"maxTrackedKeys": 15}})",
       "config: \"rateLimits.maxTrackedKeys\" must be an integer within 16..10000000"},
      {R"({"pages": {"maxSize": 1001}})",
       "config: \"pages.maxSize\" must be an integer within 1..1000"},
      {R"({"pages": {"maxSize": 10}})",
       "config: \"pages.defaultSize\" (20) must not exceed \"pages.maxSize\" (10)"},
      {R"({"dataDir": ""})", "config: \"dataDir\" must be a string of 1..4096 bytes"},
      // Strings with rules.
      {R"({"fsync": "sometimes"})",
       "config: \"fsync\" must be \"always\", \"every_second\" or \"never\", not \"sometimes\""},
      {R"({"fsync": true})", "config: \"fsync\" must be \"always\", \"every_second\" or \"never\""},
      {R"({"timeouts": {"idle": "forever"}})",
       "config: \"timeouts.idle\" must be a duration such as \"500ms\", \"10s\" or \"2m\" within "
       "1ms..24h, not \"forever\""},
      {R"({"timeouts": {"headerRead": "10"}})",
       "config: \"timeouts.headerRead\" must be a duration such as \"500ms\", \"10s\" or \"2m\" "
       "within 1ms..24h, not \"10\""},
      {R"({"timeouts": {"bodyRead": "-5s"}})",
       "config: \"timeouts.bodyRead\" must be a duration such as \"500ms\", \"10s\" or \"2m\" "
       "within 1ms..24h, not \"-5s\""},
      {R"({"timeouts": {"idle": "inf"}})",
       "config: \"timeouts.idle\" must be a duration such as \"500ms\", \"10s\" or \"2m\" within "
       "1ms..24h, not \"inf\""},
      {R"({"auth": {"jwtLeeway": "11m"}})",
       "config: \"auth.jwtLeeway\" must be a duration such as \"500ms\", \"10s\" or \"2m\" within "
       "0..10m, not \"11m\""},
      {R"({"cors": {"allowedOrigins": ["https://a.example", "https://b.example c"]}})",
       "config: \"cors.allowedOrigins\" must be an array of at most 1000 strings of 1..1024 bytes "
       "without spaces or control characters"},
      {R"({"auth": {"userTokenHeader": "X User"}})",
       "config: \"auth.userTokenHeader\" must be a string of 1..256 bytes of letters, digits and "
       "!#$%&'*+-.^_`|~"},
      {R"({"responses": {"decideCacheControl": "private\nX-Evil: 1"}})",
       "config: \"responses.decideCacheControl\" must be a string of 1..1024 bytes without control "
       "characters"},
      {R"({"pages": {"cursorKeyId": "key/1",
                     "cursorSecret": "cursor-secret-0123456789-0123456789"}})",
       "config: \"pages.cursorKeyId\" must be a string of 1..64 bytes of letters, digits "
       "and _ . -"},
      {R"({"postgresSchema": "Shop"})",
       "config: \"postgresSchema\" must be a string of 1..48 bytes of lowercase letters, digits "
       "and _, not starting with a digit"},
      {R"({"edgePurge": {"headers": {"Fastly-Key": "TOKEN\nX-Evil: 1"}}})",
       "config: \"edgePurge.headers\" must be an object of at most 32 headers: names of letters, "
       "digits and !#$%&'*+-.^_`|~, values strings of at most 8192 bytes without control "
       "characters"},
      {R"({"edgePurge": {"window": "11s"}})",
       "config: \"edgePurge.window\" must be a duration such as \"500ms\", \"10s\" or \"2m\" "
       "within 0..10s, not \"11s\""},
      {R"({"edgeVarnish": "127.0.0.1:6081"})",
       "config: \"edgeVarnish\" must be an array of at most 100 strings of 1..300 bytes without "
       "spaces or control characters"},
      {R"({"pages": {"cursorKeyId": "k1"}})",
       "config: \"pages.cursorKeyId\" and \"pages.cursorSecret\" go together"},
      {R"({"pages": {"cursorSecret": "cursor-secret-0123456789-0123456789"}})",
       "config: \"pages.cursorKeyId\" and \"pages.cursorSecret\" go together"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    absl::StatusOr<ServerSettings> parsed = ParseConfig(c.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(absl::IsInvalidArgument(parsed.status()));
    // JSON syntax errors go on with the parser's reason; the rest is exact.
    const std::string message(parsed.status().message());
    if (c.message.starts_with("config: not valid JSON")) {
      CHECK(message.starts_with(c.message));
    } else {
      CHECK(message == c.message);
    }
  }
}

TEST_CASE("config: secrets are never quoted in a message") {
  const std::string marker = "TOP-SECRET-MARKER";
  const std::string too_short = marker;  // 17 bytes: too short for a JWT or cursor secret
  const std::string too_long = marker + std::string(300, 'x');  // too long for an API key
  const std::string texts[] = {
      R"({"adminKey": ")" + too_long + R"("})",
      R"({"deliveryKey": ")" + too_long + R"("})",
      R"({"auth": {"jwtSecret": ")" + too_short + R"("}})",
      R"({"pages": {"cursorKeyId": "k1", "cursorSecret": ")" + too_short + R"("}})",
      // A secret pasted under the wrong key (16 bytes: the shortest API key).
      R"({"timeouts": {"idle": ")" + marker.substr(0, 16) + R"("}})",
      R"({"fsync": ")" + marker.substr(0, 16) + R"("})",
      R"({"limits": {"maxBodyBytes": ")" + marker + R"("}})",
      R"({"adminKey": ")" + marker + "-0123456789" + R"(", "adminKey": "x"})",
      R"({"edgePurge": {"headers": {"Fastly-Key": ")" + marker + R"(\u0001"}}})",
  };
  for (const std::string& text : texts) {
    CAPTURE(text);
    absl::StatusOr<ServerSettings> parsed = ParseConfig(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(std::string(parsed.status().message()).find("TOP-SECRET") == std::string::npos);
  }
}

TEST_CASE("config: the text is parsed up to 1 MiB and refused beyond") {
  std::string at_limit = "{\"threads\": 2}";
  at_limit.resize(kMaxConfigFileBytes, ' ');
  absl::StatusOr<ServerSettings> parsed = ParseConfig(at_limit);
  REQUIRE(parsed.ok());
  CHECK(parsed->flags.threads == 2);
  absl::StatusOr<ServerSettings> too_large = ParseConfig(at_limit + " ");
  REQUIRE_FALSE(too_large.ok());
  CHECK(too_large.status().message() == "config: the file is larger than 1 MiB");
}

TEST_CASE("config: nesting deeper than a config file could need is refused") {
  absl::StatusOr<ServerSettings> parsed =
      ParseConfig(R"({"cors": {"allowedOrigins": [[[[[[[["x"]]]]]]]]}})");
  REQUIRE_FALSE(parsed.ok());
  CHECK(std::string(parsed.status().message()).starts_with("config: not valid JSON: "));
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  REQUIRE(chmod(path.c_str(), mode) == 0);
}

TEST_CASE("config file: read from disk into the settings") {
  marquee::test::TempDir dir("server-config");
  const std::string path = dir.Join("server.json");
  WriteFile(path, R"({"listen": "127.0.0.1:0", "limits": {"maxBodyBytes": 64}})", 0644);
  absl::StatusOr<ConfigFile> file = ReadConfigFile(path);
  REQUIRE(file.ok());
  CHECK(file->settings.flags.listen == "127.0.0.1:0");
  CHECK(file->settings.server.max_body_bytes == 64);
  CHECK(file->warnings.empty());  // readable by others, but no secret in it
}

TEST_CASE("config file: one that cannot be read is refused with the reason") {
  marquee::test::TempDir dir("server-config");
  absl::StatusOr<ConfigFile> missing = ReadConfigFile(dir.Join("missing.json"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() ==
        "config: cannot read " + dir.Join("missing.json") + ": No such file or directory");
  absl::StatusOr<ConfigFile> directory = ReadConfigFile(dir.path());
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.status().message() == "config: cannot read " + dir.path() + ": Is a directory");
}

TEST_CASE("config file: an endless or too large file is read no further than 1 MiB") {
  absl::StatusOr<ConfigFile> zero = ReadConfigFile("/dev/zero");
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.status().message() == "config: /dev/zero is larger than 1 MiB");

  marquee::test::TempDir dir("server-config");
  const std::string path = dir.Join("large.json");
  std::string text = "{}";
  text.resize(kMaxConfigFileBytes + 1, ' ');
  WriteFile(path, text, 0600);
  absl::StatusOr<ConfigFile> large = ReadConfigFile(path);
  REQUIRE_FALSE(large.ok());
  CHECK(large.status().message() == "config: " + path + " is larger than 1 MiB");
}

TEST_CASE("config file: holding keys and readable by others draws a warning") {
  marquee::test::TempDir dir("server-config");
  const std::string path = dir.Join("keys.json");
  const std::string key = "admin-key-0123456789";
  WriteFile(path, R"({"adminKey": ")" + key + R"("})", 0640);
  absl::StatusOr<ConfigFile> shared = ReadConfigFile(path);
  REQUIRE(shared.ok());
  REQUIRE(shared->warnings.size() == 1);
  CHECK(shared->warnings[0] == "warning: config file " + path +
                                   " holds API keys or secrets and its group or others may read "
                                   "it (mode 0640); make it private: chmod 600 " + path);
  CHECK(shared->warnings[0].find(key) == std::string::npos);

  WriteFile(path, R"({"auth": {"jwtSecret": "jwt-secret-0123456789-0123456789"}})", 0604);
  absl::StatusOr<ConfigFile> world = ReadConfigFile(path);
  REQUIRE(world.ok());
  CHECK(world->warnings.size() == 1);

  WriteFile(path, R"({"adminKey": ")" + key + R"("})", 0600);
  absl::StatusOr<ConfigFile> private_file = ReadConfigFile(path);
  REQUIRE(private_file.ok());
  CHECK(private_file->warnings.empty());
}

}  // namespace
}  // namespace marquee_server
