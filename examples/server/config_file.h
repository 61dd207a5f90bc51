// The config file of marquee-server (--config FILE): one JSON object whose
// top-level keys mirror the flags ("dataDir", "adminKey", ...) and whose
// groups ("limits", "timeouts", "streams", "rateLimits", "cors", "auth",
// "pages", "responses", "edgePurge") hold the settings that have no flag. config_keys.h
// is the list of keys; docs/operations.md documents each with its default.
//
// Strict on purpose, since a setting silently ignored is worse than a server
// that does not start: an unknown key (a typo), a key given twice, a value
// of the wrong type or out of range, and a file that is not a JSON object
// are errors naming the key's path: config: unknown key "limits.maxHedaerBytes".
// Messages never quote a secret (adminKey, deliveryKey, auth.jwtSecret,
// pages.cursorSecret, edgePurge.headers).
// Thread-safety: functions of their arguments (and of the file).
//
//   absl::StatusOr<ConfigFile> file = ReadConfigFile("/etc/marquee/server.json");
//   if (!file.ok()) return file.status();  // "config: ..."
//   ServerSettings settings = file->settings;
#ifndef MARQUEE_EXAMPLES_SERVER_CONFIG_FILE_H_
#define MARQUEE_EXAMPLES_SERVER_CONFIG_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server_settings.h"

namespace marquee_server {

// A larger file is refused before it is parsed, so that a wrong path such as
// /dev/zero or a log file cannot make the server read without bound.
inline constexpr size_t kMaxConfigFileBytes = size_t{1} << 20;

struct ConfigFile {
  // The defaults, with what the file sets over them.
  ServerSettings settings{};
  // For stderr: the file holds a secret and its group or others may read it.
  std::vector<std::string> warnings{};
};

// Reads and parses the file at `path` (ParseConfig), at most
// kMaxConfigFileBytes of it.
// Errors: InvalidArgument ("config: cannot read PATH: <reason>", "config:
// PATH is larger than 1 MiB", and those of ParseConfig).
absl::StatusOr<ConfigFile> ReadConfigFile(const std::string& path);

// The settings `text` gives, over the defaults.
// Errors: InvalidArgument ("config: ..." naming the key's path: the text is
// empty, larger than kMaxConfigFileBytes, not JSON or not an object; a key is
// unknown or given twice; a group is not an object; a value is of the wrong
// type or out of range; pages.defaultSize exceeds pages.maxSize;
// pages.cursorKeyId without pages.cursorSecret or the other way round).
absl::StatusOr<ServerSettings> ParseConfig(std::string_view text);

// Whether `settings` hold an API key, the JWT secret or a cursor key.
bool HoldsSecrets(const ServerSettings& settings);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_CONFIG_FILE_H_
