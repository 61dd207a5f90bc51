#include "config_keys.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace marquee_server {

namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;
// File paths and host:port strings: long enough for any real one, short
// enough that a pasted blob is caught.
constexpr size_t kMaxPathBytes = 4096;
// Secrets of HMAC-SHA256 (JWT HS256, cursor signatures): 32 bytes is the
// hash's strength and what marquee::http and marquee::CursorCodec require.
constexpr size_t kMinSecretBytes = 32;
constexpr size_t kMaxSecretBytes = 1024;

using S = ServerSettings;

marquee::CursorKey& CursorKeyOf(S& s) {
  if (!s.api.cursor_key) s.api.cursor_key.emplace();
  return *s.api.cursor_key;
}

// streams.sendBufferBytes: 0 (the kernel's choice) or 4 KiB..16 MiB, as
// server.h says, which an IntegerValue range cannot say alone.
ConfigApply SendBufferValue() {
  ConfigApply in_range = IntegerValue(
      4 * kKiB, 16 * kMiB, [](S& s, int64_t v) { s.server.stream_send_buffer_bytes = v; });
  return [in_range](const marquee::campaign::Value& value, S& s) -> absl::Status {
    if (value.is_number() && value.as_number() == 0) {
      s.server.stream_send_buffer_bytes = 0;
      return absl::OkStatus();
    }
    if (!in_range(value, s).ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be 0 or an integer within ", 4 * kKiB, "..", 16 * kMiB));
    }
    return absl::OkStatus();
  };
}

std::vector<ConfigKey> MakeConfigKeys() {
  const absl::Duration ms = absl::Milliseconds(1);
  const absl::Duration day = absl::Hours(24);
  return {
      // The flags (options.h), each under its name in camelCase.
      {"", "dataDir", TextValue(1, kMaxPathBytes, TextRule::kAny,
                                [](S& s, std::string v) { s.flags.data_dir = std::move(v); })},
      {"", "listen", TextValue(1, kMaxPathBytes, TextRule::kAny,
                               [](S& s, std::string v) { s.flags.listen = std::move(v); })},
      {"", "fsync", FsyncValue([](S& s, marquee::FsyncPolicy v) { s.flags.fsync = v; })},
      {"", "threads", IntegerValue(1, kMaxThreads, [](S& s, int64_t v) { s.flags.threads = v; })},
      {"", "demo", BooleanValue([](S& s, bool v) { s.flags.demo = v; })},
      {"", "portFile", TextValue(1, kMaxPathBytes, TextRule::kAny,
                                 [](S& s, std::string v) { s.flags.port_file = std::move(v); })},
      {"", "adminKey", TextValue(kMinApiKeyChars, kMaxApiKeyChars, TextRule::kAny,
                                 [](S& s, std::string v) { s.flags.admin_key = std::move(v); })},
      {"", "deliveryKey",
       TextValue(kMinApiKeyChars, kMaxApiKeyChars, TextRule::kAny,
                 [](S& s, std::string v) { s.flags.delivery_key = std::move(v); })},
      {"", "tlsCert", TextValue(1, kMaxPathBytes, TextRule::kAny,
                                [](S& s, std::string v) { s.flags.tls_cert = std::move(v); })},
      {"", "tlsKey", TextValue(1, kMaxPathBytes, TextRule::kAny,
                               [](S& s, std::string v) { s.flags.tls_key = std::move(v); })},
      {"", "accessLog", BooleanValue([](S& s, bool v) { s.flags.access_log = v; })},
      {"", "webhooks", BooleanValue([](S& s, bool v) { s.flags.webhooks = v; })},
      {"", "webDir", TextValue(1, kMaxPathBytes, TextRule::kAny,
                               [](S& s, std::string v) { s.flags.web_dir = std::move(v); })},
      {"", "postgres", TextValue(1, kMaxPathBytes, TextRule::kAny,
                                 [](S& s, std::string v) { s.flags.postgres = std::move(v); })},
      {"", "postgresSchema", TextValue(1, 48, TextRule::kPostgresSchema, [](S& s, std::string v) {
         s.flags.postgres_schema = std::move(v);
       })},
      {"", "redis", TextValue(1, kMaxPathBytes, TextRule::kAny,
                              [](S& s, std::string v) { s.flags.redis = std::move(v); })},
      {"", "edgeVarnish",
       WordListValue(100, 300,
                     [](S& s, std::vector<std::string> v) { s.flags.edge_varnish = std::move(v); })},
      {"", "edgePurgeUrl", TextValue(1, kMaxPathBytes, TextRule::kAny, [](S& s, std::string v) {
         s.flags.edge_purge_url = std::move(v);
       })},

      // Sizes and counts of a request and of connections. One body limit
      // serves both the transport and the Api: the server.h rule is that
      // the transport's must not exceed the Api's.
      {"limits", "maxHeaderBytes",
       IntegerValue(256, 16 * kMiB, [](S& s, int64_t v) { s.server.max_header_bytes = v; })},
      {"limits", "maxHeaderCount",
       IntegerValue(1, 100'000, [](S& s, int64_t v) { s.server.max_header_count = v; })},
      {"limits", "maxBodyBytes", IntegerValue(1, kGiB,
                                              [](S& s, int64_t v) {
                                                s.server.max_body_bytes = v;
                                                s.api.max_body_bytes = v;
                                              })},
      {"limits", "maxJsonDepth",
       IntegerValue(1, 1024, [](S& s, int64_t v) { s.api.max_json_depth = v; })},
      {"limits", "maxTargetBytes",
       IntegerValue(1, 16 * kMiB,
                    [](S& s, int64_t v) { s.api.target_limits.max_target_bytes = v; })},
      {"limits", "maxQueryParams",
       IntegerValue(1, 10'000, [](S& s, int64_t v) { s.api.target_limits.max_query_params = v; })},
      {"limits", "maxConnections",
       IntegerValue(1, 1'000'000, [](S& s, int64_t v) { s.server.max_connections = v; })},
      {"limits", "maxRequestsPerConnection",
       IntegerValue(0, 1'000'000'000,
                    [](S& s, int64_t v) { s.server.max_requests_per_connection = v; })},

      // How long clients may take; how long a stop waits.
      {"timeouts", "headerRead",
       DurationValue(ms, day, [](S& s, absl::Duration v) { s.server.header_read_timeout = v; })},
      {"timeouts", "bodyRead",
       DurationValue(ms, day, [](S& s, absl::Duration v) { s.server.body_read_timeout = v; })},
      {"timeouts", "idle",
       DurationValue(ms, day, [](S& s, absl::Duration v) { s.server.idle_timeout = v; })},
      {"timeouts", "shutdownDrain",
       DurationValue(absl::ZeroDuration(), absl::Hours(1),
                     [](S& s, absl::Duration v) { s.shutdown_drain = v; })},

      // Server-Sent Events (GET /v1/polls/{id}/stream).
      {"streams", "heartbeat",
       DurationValue(100 * ms, absl::Hours(1),
                     [](S& s, absl::Duration v) { s.api.stream_heartbeat = v; })},
      {"streams", "maxQueueBytes",
       IntegerValue(1, kGiB, [](S& s, int64_t v) { s.server.max_stream_queue_bytes = v; })},
      {"streams", "sendBufferBytes", SendBufferValue()},

      // Token buckets on the delivery routes (api.h RateLimitOptions).
      {"rateLimits", "perKeyPerSecond",
       NumberValue(0, 1e9, [](S& s, double v) { s.api.rate_limits.per_key_per_second = v; })},
      {"rateLimits", "perKeyBurst",
       NumberValue(1, 1e9, [](S& s, double v) { s.api.rate_limits.per_key_burst = v; })},
      {"rateLimits", "perAddressPerSecond",
       NumberValue(0, 1e9, [](S& s, double v) { s.api.rate_limits.per_address_per_second = v; })},
      {"rateLimits", "perAddressBurst",
       NumberValue(1, 1e9, [](S& s, double v) { s.api.rate_limits.per_address_burst = v; })},
      {"rateLimits", "maxTrackedKeys",
       IntegerValue(16, 10'000'000,
                    [](S& s, int64_t v) { s.api.rate_limits.max_tracked_keys = v; })},

      // Browsers calling the delivery routes from other origins.
      {"cors", "allowedOrigins",
       WordListValue(1000, 1024,
                     [](S& s, std::vector<std::string> v) { s.api.cors_origins = std::move(v); })},
      {"cors", "maxAge", DurationValue(absl::ZeroDuration(), day,
                                       [](S& s, absl::Duration v) { s.api.cors_max_age = v; })},

      // End-user tokens on the delivery routes (auth.h); the API keys are
      // the top-level adminKey and deliveryKey.
      {"auth", "jwtSecret",
       TextValue(kMinSecretBytes, kMaxSecretBytes, TextRule::kAny,
                 [](S& s, std::string v) { s.api.auth.jwt_secret = std::move(v); })},
      {"auth", "userTokenHeader",
       TextValue(1, 256, TextRule::kToken,
                 [](S& s, std::string v) { s.api.auth.user_token_header = std::move(v); })},
      {"auth", "jwtLeeway",
       DurationValue(absl::ZeroDuration(), absl::Minutes(10),
                     [](S& s, absl::Duration v) { s.api.auth.jwt_leeway = v; })},

      // List pages and their signed cursors. A cursor key shared by every
      // node keeps cursors valid across nodes and restarts.
      {"pages", "defaultSize",
       IntegerValue(1, 1000, [](S& s, int64_t v) { s.api.default_page_size = v; })},
      {"pages", "maxSize", IntegerValue(1, 1000, [](S& s, int64_t v) { s.api.max_page_size = v; })},
      {"pages", "cursorTtl", DurationValue(absl::Seconds(1), 366 * day,
                                           [](S& s, absl::Duration v) { s.api.cursor_ttl = v; })},
      {"pages", "cursorKeyId",
       TextValue(1, 64, TextRule::kCursorKeyId,
                 [](S& s, std::string v) { CursorKeyOf(s).id = std::move(v); })},
      {"pages", "cursorSecret",
       TextValue(kMinSecretBytes, kMaxSecretBytes, TextRule::kAny,
                 [](S& s, std::string v) { CursorKeyOf(s).secret = std::move(v); })},

      // The edge purger (--edge-varnish, --edge-purge-url): the CDN's
      // request and how keys are gathered, waited for and sent.
      {"edgePurge", "method",
       TextValue(1, 64, TextRule::kToken,
                 [](S& s, std::string v) { s.edge_cdn.method = std::move(v); })},
      {"edgePurge", "headers",
       HeaderMapValue(32, 8192,
                      [](S& s, std::vector<std::pair<std::string, std::string>> v) {
                        s.edge_cdn.headers = std::move(v);
                      })},
      {"edgePurge", "keysHeader",
       TextValue(1, 256, TextRule::kToken,
                 [](S& s, std::string v) { s.edge_cdn.keys_header = std::move(v); })},
      {"edgePurge", "window",
       DurationValue(absl::ZeroDuration(), absl::Seconds(10),
                     [](S& s, absl::Duration v) { s.edge_purge.coalesce_window = v; })},
      {"edgePurge", "applyTimeout",
       DurationValue(absl::ZeroDuration(), absl::Minutes(1),
                     [](S& s, absl::Duration v) { s.edge_purge.apply_timeout = v; })},
      {"edgePurge", "maxPendingKeys",
       IntegerValue(1, 1'000'000, [](S& s, int64_t v) { s.edge_purge.max_pending_keys = v; })},
      {"edgePurge", "maxAttempts",
       IntegerValue(1, 1000, [](S& s, int64_t v) { s.edge_purge.max_attempts = static_cast<int>(v); })},
      {"edgePurge", "requestTimeout",
       DurationValue(ms, absl::Minutes(5),
                     [](S& s, absl::Duration v) { s.edge_purge.request_timeout = v; })},

      // What answers carry.
      {"responses", "compress", BooleanValue([](S& s, bool v) { s.api.compress_responses = v; })},
      {"responses", "campaignCacheControl",
       TextValue(1, 1024, TextRule::kHeaderValue,
                 [](S& s, std::string v) { s.api.campaign_cache_control = std::move(v); })},
      {"responses", "decideCacheControl",
       TextValue(1, 1024, TextRule::kHeaderValue,
                 [](S& s, std::string v) { s.api.decide_cache_control = std::move(v); })},
      {"responses", "featuresCacheControl",
       TextValue(1, 1024, TextRule::kHeaderValue,
                 [](S& s, std::string v) { s.api.features_cache_control = std::move(v); })},
  };
}

}  // namespace

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey>* const keys = new std::vector<ConfigKey>(MakeConfigKeys());
  return *keys;
}

const ConfigKey* FindConfigKey(std::string_view group, std::string_view name) {
  for (const ConfigKey& key : ConfigKeys()) {
    if (key.group == group && key.name == name) return &key;
  }
  return nullptr;
}

bool IsConfigGroup(std::string_view name) {
  if (name.empty()) return false;
  for (const ConfigKey& key : ConfigKeys()) {
    if (key.group == name) return true;
  }
  return false;
}

}  // namespace marquee_server
