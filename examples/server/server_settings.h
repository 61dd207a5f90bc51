// Everything marquee-server runs with, and the one place where its sources
// meet: flags given on the command line win over the config file (--config,
// config_file.h), and the file wins over the defaults.
// Thread-safety: values and a function of its arguments.
//
//   absl::StatusOr<LoadedSettings> loaded = LoadSettings(argc, argv);
//   if (!loaded.ok()) return 2;  // loaded.status().message() says why
//   for (const std::string& line : loaded->warnings) std::cerr << line << "\n";
//   const ServerSettings& settings = loaded->settings;
#ifndef MARQUEE_EXAMPLES_SERVER_SERVER_SETTINGS_H_
#define MARQUEE_EXAMPLES_SERVER_SERVER_SETTINGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/http/api.h"
#include "marquee/http/edge_purger.h"
#include "marquee/http/server.h"
#include "options.h"

namespace marquee_server {

struct ServerSettings {
  // The settings that have a flag (options.h).
  ServerFlags flags;
  // The transport's limits and timeouts. Its listen, threads, TLS files and
  // access log are not read from here: main takes them from `flags`.
  marquee::http::ServerOptions server;
  // The Api's tunables: body and JSON limits, request-target limits, rate
  // limits, CORS, the JWT settings of `auth`, page sizes and the cursor key,
  // stream heartbeat, compression, Cache-Control strings. Its services,
  // auth.keys (keys.h makes them from `flags`), on_server_error and
  // extra_metrics are main's.
  marquee::http::ApiOptions api;
  // The edge purger's tunables (config group "edgePurge": the coalescing
  // window, the wait for this node's caches, bounds and timeouts). Its
  // targets come from flags.edge_varnish and flags.edge_purge_url (see
  // EdgePurgeOptionsOf); its store and caches are main's.
  marquee::http::EdgePurgerOptions edge_purge;
  // The CDN of --edge-purge-url: method, headers (an API token, a secret)
  // and keys header; its url_template is the flag's.
  marquee::http::CdnPurgeOptions edge_cdn;
  // How long requests in flight may take to finish after SIGTERM.
  // Default: 10 seconds.
  absl::Duration shutdown_drain = absl::Seconds(10);
};

struct LoadedSettings {
  ServerSettings settings{};
  // Lines for stderr before the banner (a config file holding keys that
  // others may read), without the "marquee-server: " prefix.
  std::vector<std::string> warnings{};
};

// The edge purger's options of `settings` without a store or caches: the
// Varnish instances and the CDN of the flags with the tunables of the file.
// No target (neither --edge-varnish nor --edge-purge-url): no purger.
marquee::http::EdgePurgerOptions EdgePurgeOptionsOf(const ServerSettings& settings);

// The settings of argv[1..argc-1]: the defaults, then the file of --config
// when given, then the other flags over it. With --help, the flags alone
// (no file is read). Errors of the flags end with " (try --help)".
// Errors: InvalidArgument (a bad flag, as ParseFlags says; anything
// ReadConfigFile refuses, "config: ..."; a TLS certificate without a key or
// the other way round, whichever source gave each; an --edge-varnish or
// --edge-purge-url, or their "edgePurge" settings, that the edge purger
// refuses).
absl::StatusOr<LoadedSettings> LoadSettings(int argc, char** argv);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_SERVER_SETTINGS_H_
