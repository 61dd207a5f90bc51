#include "server_settings.h"

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "config_file.h"
#include "redis_uri.h"

namespace marquee_server {

namespace {

// A bad flag points to --help, which lists the flags. Config errors stand
// alone: they name the key and what it takes.
absl::Status WithHelpHint(const absl::Status& bad_flag) {
  return absl::InvalidArgumentError(std::string(bad_flag.message()) + " (try --help)");
}

// The purger's complaint about `options`, named as the operator wrote it:
// the flag (and its config key) instead of the option's C++ name.
absl::Status EdgeError(const absl::Status& refused) {
  std::string message(refused.message());
  constexpr std::string_view kPrefix = "EdgePurgerOptions.";
  if (message.rfind(kPrefix, 0) == 0) message.erase(0, kPrefix.size());
  std::string name = "--edge-varnish (config: \"edgeVarnish\")";
  if (message.rfind("cdns[0].url_template", 0) == 0) {
    name = "--edge-purge-url (config: \"edgePurgeUrl\")";
    message.erase(0, std::string_view("cdns[0].url_template").size());
  } else if (message.rfind("cdns[0].", 0) == 0) {
    name = "config: \"edgePurge\"";
    message.erase(0, std::string_view("cdns[0]").size());
  } else if (message.rfind("varnish[", 0) == 0) {
    message.erase(0, message.find(']') + 1);
  } else if (message.rfind("varnish", 0) != 0) {
    name = "config: \"edgePurge\"";
  } else {
    message.erase(0, std::string_view("varnish").size());
  }
  // What is left starts with ": " (the option's complaint).
  return absl::InvalidArgumentError(name + message);
}

}  // namespace

marquee::http::EdgePurgerOptions EdgePurgeOptionsOf(const ServerSettings& settings) {
  marquee::http::EdgePurgerOptions options = settings.edge_purge;
  options.varnish = settings.flags.edge_varnish;
  options.cdns.clear();
  if (!settings.flags.edge_purge_url.empty()) {
    marquee::http::CdnPurgeOptions cdn = settings.edge_cdn;
    cdn.url_template = settings.flags.edge_purge_url;
    options.cdns.push_back(std::move(cdn));
  }
  return options;
}

absl::StatusOr<LoadedSettings> LoadSettings(int argc, char** argv) {
  // A first pass over the command line alone: a bad flag is reported before
  // any file is opened, and it says which file to read.
  absl::StatusOr<ServerFlags> command_line = ParseFlags(argc, argv);
  if (!command_line.ok()) return WithHelpHint(command_line.status());
  LoadedSettings loaded;
  if (command_line->help) {
    loaded.settings.flags = *std::move(command_line);
    return loaded;
  }
  if (!command_line->config_file.empty()) {
    absl::StatusOr<ConfigFile> file = ReadConfigFile(command_line->config_file);
    if (!file.ok()) return file.status();
    loaded.settings = std::move(file->settings);
    loaded.warnings = std::move(file->warnings);
  }
  // The same command line again, now over the file's values: each flag given
  // replaces what the file said, the rest of the file stays.
  absl::StatusOr<ServerFlags> merged = ParseFlags(argc, argv, loaded.settings.flags);
  if (!merged.ok()) return WithHelpHint(merged.status());
  loaded.settings.flags = *std::move(merged);
  const ServerFlags& flags = loaded.settings.flags;
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return WithHelpHint(absl::InvalidArgumentError(
        "--tls-cert and --tls-key (config: \"tlsCert\" and \"tlsKey\") go together"));
  }
  // Where the data lives: one place only. A MemoryStore on each node would
  // give each its own data set, which a shared Redis cache must not front.
  if (!flags.postgres.empty() && !flags.data_dir.empty()) {
    return WithHelpHint(absl::InvalidArgumentError(
        "--data-dir and --postgres (config: \"dataDir\" and \"postgres\") exclude each other: "
        "with --postgres the data lives in PostgreSQL"));
  }
  if (!flags.redis.empty()) {
    if (flags.postgres.empty()) {
      return WithHelpHint(absl::InvalidArgumentError(
          "--redis (config: \"redis\") needs --postgres: the shared cache fronts a store the "
          "nodes share"));
    }
    if (absl::Status s = ParseRedisUri(flags.redis).status(); !s.ok()) {
      return WithHelpHint(absl::InvalidArgumentError("--redis: " + std::string(s.message())));
    }
  }
  const marquee::http::EdgePurgerOptions edge = EdgePurgeOptionsOf(loaded.settings);
  if (!edge.varnish.empty() || !edge.cdns.empty()) {
    if (absl::Status s = marquee::http::ValidateEdgePurgerOptions(edge); !s.ok()) {
      return WithHelpHint(EdgeError(s));
    }
  }
  return loaded;
}

}  // namespace marquee_server
