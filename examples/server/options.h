// The command line of marquee-server, and the value rules it shares with the
// config file (config_file.h), so a setting has the same range either way.
#ifndef MARQUEE_EXAMPLES_SERVER_OPTIONS_H_
#define MARQUEE_EXAMPLES_SERVER_OPTIONS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/memory_store.h"

namespace marquee_server {

// The settings that have a flag. Each also has a config file key: the flag's
// name in camelCase (--data-dir is "dataDir").
struct ServerFlags {
  std::string data_dir;  // empty: memory only
  std::string listen = "127.0.0.1:8080";
  marquee::FsyncPolicy fsync = marquee::FsyncPolicy::kEverySecond;
  size_t threads = 0;  // 0: hardware concurrency
  bool demo = false;
  std::string port_file;     // empty: none
  std::string admin_key;     // empty: none given
  std::string delivery_key;  // empty: none given
  std::string tls_cert;      // both empty: plain HTTP
  std::string tls_key;
  bool access_log = true;   // --access-log on|off
  bool webhooks = true;     // --webhooks on|off: send deliveries
  std::string web_dir;      // --web-dir DIR: static files under /web/; empty: none
  std::string config_file;  // --config FILE; empty: none (flag only)
  // --postgres URI: the store is PostgreSQL (several nodes may share it)
  // instead of the embedded MemoryStore; empty: the embedded store.
  std::string postgres;
  // --postgres-schema NAME: the PostgreSQL schema of the store's tables.
  std::string postgres_schema = "marquee";
  // --redis URI (redis_uri.h): a shared L2 cache and the invalidation bus;
  // empty: L1 only.
  std::string redis;
  // --edge-varnish HOST:PORT (repeatable, or a comma-separated list):
  // Varnish instances with the xkey vmod, purged by surrogate key on every
  // change (marquee/http/edge_purger.h); empty: none.
  std::vector<std::string> edge_varnish;
  // --edge-purge-url TEMPLATE: a CDN's purge URL, "{key}" standing for each
  // key (else one request per batch, keys in a header); empty: none.
  std::string edge_purge_url;
  bool help = false;        // flag only
};

// Worker threads: 1..kMaxThreads (0, the default, is the number of cores).
inline constexpr size_t kMaxThreads = 1024;
// API keys: short ones can be guessed; long ones are a pasting accident.
inline constexpr size_t kMinApiKeyChars = 16;
inline constexpr size_t kMaxApiKeyChars = 256;

// "always", "every_second" or "never"; none for anything else.
std::optional<marquee::FsyncPolicy> ParseFsyncPolicy(std::string_view name);

// PostgreSQL schema names marquee-server accepts (PostgresStoreOptions'
// rule): lowercase letters, digits and '_', not starting with a digit,
// 1..48 bytes.
bool IsPostgresSchemaName(std::string_view name);

// What --help prints.
extern const char kUsage[];

// The flags of argv[1..argc-1] applied over `base` (the defaults, or what a
// config file set): a flag given replaces base's value, the rest of base
// stays. Does not check that --tls-cert and --tls-key come together (either
// may come from the file); server_settings.h does, after merging.
// Errors: InvalidArgument (a bad command line, saying what was wrong).
absl::StatusOr<ServerFlags> ParseFlags(int argc, char** argv, ServerFlags base = {});

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_OPTIONS_H_
