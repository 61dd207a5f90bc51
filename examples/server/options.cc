#include "options.h"

#include <string_view>

namespace marquee_server {

const char kUsage[] = R"(usage: marquee-server [options]

Serves the Marquee HTTP API (campaigns, segments, polls and votes, events and
stats, profiles, decide, features, /metrics) over an embedded MemoryStore. One JSON line per request on stdout; the banner and
errors on stderr. SIGTERM or SIGINT stop it after in-flight requests finish.

options:
  --data-dir DIR      keep the data in DIR (durable: a log and snapshots);
                      without it the data lives in memory only
  --listen HOST:PORT  where to listen (default 127.0.0.1:8080; port 0 picks
                      a free port)
  --fsync POLICY      always | every_second | never: when an acknowledged
                      write is on disk (default every_second)
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
  --help              this text
)";

namespace {

bool ParseThreads(std::string_view text, size_t& out) {
  if (text.empty() || text.size() > 4) return false;
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n < 1 || n > 1024) return false;
  out = n;
  return true;
}

}  // namespace

std::optional<ServerFlags> ParseFlags(int argc, char** argv, std::string& error) {
  ServerFlags flags;
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
      if (i + 1 >= argc) {
        error = std::string(arg) + " needs a value";
        return false;
      }
      value = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
    } else if (arg == "--demo") {
      if (has_value) {
        error = "--demo takes no value";
        return std::nullopt;
      }
      flags.demo = true;
    } else if (arg == "--data-dir" || arg == "--listen" || arg == "--port-file" ||
               arg == "--fsync" || arg == "--threads" || arg == "--admin-key" ||
               arg == "--delivery-key" || arg == "--tls-cert" || arg == "--tls-key" ||
               arg == "--access-log" || arg == "--webhooks") {
      if (!take_value()) return std::nullopt;
      if (value.empty()) {
        error = std::string(arg) + " needs a non-empty value";
        return std::nullopt;
      }
      if (arg == "--admin-key" || arg == "--delivery-key") {
        // Short keys can be guessed; keys are compared as SHA-256 digests.
        if (value.size() < 16 || value.size() > 256) {
          error = std::string(arg) + " needs 16..256 characters";
          return std::nullopt;
        }
        (arg == "--admin-key" ? flags.admin_key : flags.delivery_key) = value;
      } else if (arg == "--access-log") {
        if (value != "on" && value != "off") {
          error = "--access-log: '" + std::string(value) + "' is not on or off";
          return std::nullopt;
        }
        flags.access_log = value == "on";
      } else if (arg == "--webhooks") {
        if (value != "on" && value != "off") {
          error = "--webhooks: '" + std::string(value) + "' is not on or off";
          return std::nullopt;
        }
        flags.webhooks = value == "on";
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
      } else if (arg == "--fsync") {
        if (value == "always") {
          flags.fsync = marquee::FsyncPolicy::kAlways;
        } else if (value == "every_second") {
          flags.fsync = marquee::FsyncPolicy::kEverySecond;
        } else if (value == "never") {
          flags.fsync = marquee::FsyncPolicy::kNever;
        } else {
          error = "--fsync: '" + std::string(value) + "' is not always, every_second or never";
          return std::nullopt;
        }
      } else if (!ParseThreads(value, flags.threads)) {
        error = "--threads: '" + std::string(value) + "' is not a number within 1..1024";
        return std::nullopt;
      }
    } else {
      error = "unknown option '" + std::string(arg) + "'";
      return std::nullopt;
    }
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    error = "--tls-cert and --tls-key go together";
    return std::nullopt;
  }
  return flags;
}

}  // namespace marquee_server
