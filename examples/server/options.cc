#include "options.h"

#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace marquee_server {

const char kUsage[] = R"(usage: marquee-server [options]

Serves the Marquee HTTP API (campaigns, segments, polls and votes, events and
stats, profiles, decide, features, /metrics) over an embedded MemoryStore, or
over PostgreSQL (--postgres) so that several nodes serve one data set. One
JSON line per request on stdout; the banner and errors on stderr. SIGTERM or
SIGINT stop it after in-flight requests finish.

options:
  --data-dir DIR      keep the data in DIR (durable: a log and snapshots);
                      without it the data lives in memory only
  --listen HOST:PORT  where to listen (default 127.0.0.1:8080; port 0 picks
                      a free port)
  --fsync POLICY      always | every_second | never: when an acknowledged
                      write is on disk (default every_second; the embedded
                      store only)
  --postgres URI      keep the data in PostgreSQL 15+ (a libpq URI such as
                      postgresql://user:pass@host:5432/db) instead of the
                      embedded store; several nodes given the same URI and
                      schema share one data set. Not with --data-dir.
  --postgres-schema NAME
                      the schema of the store's tables (default marquee;
                      lowercase letters, digits, _)
  --redis URI         a Redis shared by the nodes, redis://[:password@]host
                      [:port][/db]: the shared L2 cache and the invalidation
                      bus (each node always keeps its own L1). Needs
                      --postgres.
                      Reads of campaigns, segments, features and decide are
                      served through the caches (eventually consistent);
                      a request with 'Cache-Control: no-cache' or
                      ?consistency=strong reads the store. Writes and votes
                      always go to the store.
  --edge-varnish HOST:PORT
                      a Varnish in front of the nodes, with the xkey vmod
                      (examples/varnish/marquee.vcl): on every change this
                      node sends it PURGE with the changed surrogate keys,
                      once its own caches hold the change. Repeat the flag
                      (or give a comma-separated list) for several.
  --edge-purge-url TEMPLATE
                      a CDN's purge API, e.g.
                      https://api.fastly.com/service/SID/purge/{key}: one
                      request per key ({key}), or without {key} one per
                      batch with the keys in a Surrogate-Key header; the
                      method (POST) and headers such as an API token go in
                      the config file ("edgePurge")
  --threads N         worker threads, 1..1024 (default: the number of cores)
  --demo              seed demo campaigns, segments, features, a poll and
                      profiles (idempotent: a restart finds them)
  --port-file FILE    write the bound port to FILE once listening
  --admin-key KEY     an API key with the admin scope (at least 16 characters;
                      sent as 'Authorization: Bearer KEY')
  --delivery-key KEY  an API key with the delivery scope: decide, features,
                      votes, results, events
                      With either key the API needs keys (read-only calls
                      too); with none it is open, unless --demo, which then
                      generates both and prints them.
  --tls-cert FILE     serve HTTPS (TLS 1.2+) with this PEM certificate chain
  --tls-key FILE      and this PEM private key (both or neither)
  --access-log on|off one JSON line per request on stdout (default on)
  --webhooks on|off   send webhook deliveries to the subscriptions of
                      /v1/webhooks (default on; off still serves the routes)
  --web-dir DIR       serve the files of DIR read-only under /web/ (GET /
                      redirects there), e.g. examples/web, the demo campaign
                      page; no symlinks, no hidden files, nothing outside DIR
  --config FILE       read settings from a JSON file: every flag above as a
                      camelCase key ("dataDir", "adminKey", ...; on|off as
                      true|false) and the limits, timeouts, rate limits,
                      CORS, JWT and paging settings that have no flag
                      (docs/operations.md, "Configuration file"). Flags given
                      on the command line win over the file; the file wins
                      over the defaults. Keys in a file stay out of `ps`;
                      keep such a file private (chmod 600).
  --help              this text
)";

bool IsPostgresSchemaName(std::string_view name) {
  if (name.empty() || name.size() > 48 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::optional<marquee::FsyncPolicy> ParseFsyncPolicy(std::string_view name) {
  if (name == "always") return marquee::FsyncPolicy::kAlways;
  if (name == "every_second") return marquee::FsyncPolicy::kEverySecond;
  if (name == "never") return marquee::FsyncPolicy::kNever;
  return std::nullopt;
}

namespace {

bool ParseThreads(std::string_view text, size_t& out) {
  if (text.empty() || text.size() > 4) return false;
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n < 1 || n > kMaxThreads) return false;
  out = n;
  return true;
}

}  // namespace

absl::StatusOr<ServerFlags> ParseFlags(int argc, char** argv, ServerFlags base) {
  ServerFlags flags = std::move(base);
  bool edge_varnish_given = false;
  const auto bad = [](std::string message) { return absl::InvalidArgumentError(message); };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_value = false;
    // --name=value and --name value both work.
    if (const size_t eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const auto take_value = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
    } else if (arg == "--demo") {
      if (has_value) return bad("--demo takes no value");
      flags.demo = true;
    } else if (arg == "--data-dir" || arg == "--listen" || arg == "--port-file" ||
               arg == "--fsync" || arg == "--threads" || arg == "--admin-key" ||
               arg == "--delivery-key" || arg == "--tls-cert" || arg == "--tls-key" ||
               arg == "--access-log" || arg == "--webhooks" || arg == "--config" ||
               arg == "--web-dir" || arg == "--postgres" || arg == "--postgres-schema" ||
               arg == "--redis" || arg == "--edge-varnish" || arg == "--edge-purge-url") {
      if (!take_value()) return bad(std::string(arg) + " needs a value");
      if (value.empty()) return bad(std::string(arg) + " needs a non-empty value");
      if (arg == "--admin-key" || arg == "--delivery-key") {
        // Keys are compared as SHA-256 digests; the value is never echoed.
        if (value.size() < kMinApiKeyChars || value.size() > kMaxApiKeyChars) {
          return bad(std::string(arg) + " needs 16..256 characters");
        }
        (arg == "--admin-key" ? flags.admin_key : flags.delivery_key) = value;
      } else if (arg == "--access-log" || arg == "--webhooks") {
        if (value != "on" && value != "off") {
          return bad(std::string(arg) + ": '" + std::string(value) + "' is not on or off");
        }
        (arg == "--access-log" ? flags.access_log : flags.webhooks) = value == "on";
      } else if (arg == "--data-dir") {
        flags.data_dir = value;
      } else if (arg == "--listen") {
        flags.listen = value;
      } else if (arg == "--port-file") {
        flags.port_file = value;
      } else if (arg == "--tls-cert") {
        flags.tls_cert = value;
      } else if (arg == "--tls-key") {
        flags.tls_key = value;
      } else if (arg == "--config") {
        flags.config_file = value;
      } else if (arg == "--web-dir") {
        flags.web_dir = value;
      } else if (arg == "--postgres") {
        // Checked when the store connects: libpq knows its URI and
        // key=value forms best. Never echoed (it may hold a password).
        flags.postgres = value;
      } else if (arg == "--postgres-schema") {
        if (!IsPostgresSchemaName(value)) {
          return bad("--postgres-schema: '" + std::string(value.substr(0, 64)) +
                     "' is not 1..48 lowercase letters, digits or '_' (not starting with a digit)");
        }
        flags.postgres_schema = value;
      } else if (arg == "--edge-varnish") {
        // The first --edge-varnish replaces the config file's list; the
        // next ones add to it. Checked with the other edge settings
        // (server_settings.cc).
        if (!edge_varnish_given) flags.edge_varnish.clear();
        edge_varnish_given = true;
        for (std::string_view rest = value; !rest.empty();) {
          const size_t comma = rest.find(',');
          const std::string_view item = rest.substr(0, comma);
          if (item.empty()) return bad("--edge-varnish: an empty HOST:PORT in the list");
          flags.edge_varnish.emplace_back(item);
          if (comma == std::string_view::npos) break;
          rest = rest.substr(comma + 1);
          if (rest.empty()) return bad("--edge-varnish: an empty HOST:PORT in the list");
        }
      } else if (arg == "--edge-purge-url") {
        flags.edge_purge_url = value;
      } else if (arg == "--redis") {
        // Parsed with the other settings (server_settings.cc), so a value
        // from the config file gets the same checks.
        flags.redis = value;
      } else if (arg == "--fsync") {
        std::optional<marquee::FsyncPolicy> policy = ParseFsyncPolicy(value);
        if (!policy) {
          return bad("--fsync: '" + std::string(value) +
                     "' is not always, every_second or never");
        }
        flags.fsync = *policy;
      } else if (!ParseThreads(value, flags.threads)) {
        return bad("--threads: '" + std::string(value) + "' is not a number within 1..1024");
      }
    } else {
      return bad("unknown option '" + std::string(arg) + "'");
    }
  }
  return flags;
}

}  // namespace marquee_server
