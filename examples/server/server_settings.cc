#include "server_settings.h"

#include <string>
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

}  // namespace

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
  return loaded;
}

}  // namespace marquee_server
