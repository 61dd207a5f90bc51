#include "config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "config_keys.h"
#include "marquee/campaign/value.h"
#include "marquee/json.h"
#include "repeated_json_key.h"

namespace marquee_server {

using marquee::campaign::Value;

namespace {

// The file nests an object of groups whose values may be arrays: 3 levels.
// A little room, and a deeper document is surely not a config file.
constexpr uint32_t kMaxConfigDepth = 8;

absl::Status ConfigError(const std::string& message) {
  return absl::InvalidArgumentError("config: " + message);
}

std::string Quoted(std::string_view path) { return "\"" + std::string(path) + "\""; }

std::string KeyPath(std::string_view group, std::string_view name) {
  return group.empty() ? std::string(name) : std::string(group) + "." + std::string(name);
}

absl::Status ApplyKey(std::string_view group, std::string_view name, const Value& value,
                      ServerSettings& settings) {
  const ConfigKey* key = FindConfigKey(group, name);
  if (key == nullptr) return ConfigError("unknown key " + Quoted(KeyPath(group, name)));
  if (absl::Status s = key->apply(value, settings); !s.ok()) {
    return ConfigError(Quoted(KeyPath(group, name)) + " " + std::string(s.message()));
  }
  return absl::OkStatus();
}

// The rules between keys, checked once the whole file is read.
absl::Status CheckTogether(const ServerSettings& settings) {
  if (settings.api.default_page_size > settings.api.max_page_size) {
    return ConfigError(absl::StrCat("\"pages.defaultSize\" (", settings.api.default_page_size,
                                    ") must not exceed \"pages.maxSize\" (",
                                    settings.api.max_page_size, ")"));
  }
  if (settings.api.cursor_key &&
      (settings.api.cursor_key->id.empty() || settings.api.cursor_key->secret.empty())) {
    return ConfigError("\"pages.cursorKeyId\" and \"pages.cursorSecret\" go together");
  }
  return absl::OkStatus();
}

// Closes a file descriptor on every way out of ReadConfigFile.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) close(fd);
  }
};

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

}  // namespace

bool HoldsSecrets(const ServerSettings& settings) {
  // Database URIs may carry a password ("user:secret@", "password=secret");
  // any credential-looking part counts.
  const auto may_hold_password = [](const std::string& uri) {
    return uri.find('@') != std::string::npos || uri.find("password") != std::string::npos;
  };
  return !settings.flags.admin_key.empty() || !settings.flags.delivery_key.empty() ||
         !settings.api.auth.jwt_secret.empty() || settings.api.cursor_key.has_value() ||
         may_hold_password(settings.flags.postgres) || may_hold_password(settings.flags.redis) ||
         !settings.edge_cdn.headers.empty();  // a CDN's API token
}

absl::StatusOr<ServerSettings> ParseConfig(std::string_view text) {
  if (text.size() > kMaxConfigFileBytes) {
    return ConfigError(absl::StrCat("the file is larger than ", kMaxConfigFileBytes >> 20, " MiB"));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return ConfigError("the file is empty; it must hold a JSON object");
  }
  // marquee's own reader: Json validates (its messages give a byte offset,
  // never the text), Value gives the tree.
  absl::StatusOr<marquee::Json> json =
      marquee::Json::Parse(text, {.max_bytes = kMaxConfigFileBytes, .max_depth = kMaxConfigDepth});
  if (!json.ok()) return ConfigError("not valid JSON: " + std::string(json.status().message()));
  if (std::optional<std::string> repeated = FindRepeatedJsonKey(json->text())) {
    return ConfigError("key " + Quoted(*repeated) + " is given more than once");
  }
  absl::StatusOr<Value> document =
      Value::FromJson(*json, {.max_bytes = kMaxConfigFileBytes, .max_depth = kMaxConfigDepth});
  if (!document.ok()) {
    return ConfigError("not valid JSON: " + std::string(document.status().message()));
  }
  if (!document->is_object()) {
    return ConfigError("the file must hold a JSON object, not " +
                       std::string(marquee::campaign::ValueTypeName(document->type())));
  }
  ServerSettings settings;
  for (const auto& [name, value] : document->members()) {
    if (!IsConfigGroup(name)) {
      if (absl::Status s = ApplyKey("", name, value, settings); !s.ok()) return s;
      continue;
    }
    if (!value.is_object()) return ConfigError(Quoted(name) + " must be an object");
    for (const auto& [member, member_value] : value.members()) {
      if (absl::Status s = ApplyKey(name, member, member_value, settings); !s.ok()) return s;
    }
  }
  if (absl::Status s = CheckTogether(settings); !s.ok()) return s;
  return settings;
}

absl::StatusOr<ConfigFile> ReadConfigFile(const std::string& path) {
  FileDescriptor file{open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) return ConfigError("cannot read " + path + ": " + ErrnoText(errno));
  struct stat status {};
  if (fstat(file.fd, &status) != 0) {
    return ConfigError("cannot read " + path + ": " + ErrnoText(errno));
  }
  // Read one byte past the limit: that byte tells "too large" from "exactly
  // the limit" without trusting st_size (0 for pipes and /dev files).
  std::string text;
  char buffer[64 * 1024];
  while (text.size() <= kMaxConfigFileBytes) {
    const size_t want = std::min(sizeof buffer, kMaxConfigFileBytes + 1 - text.size());
    const ssize_t got = read(file.fd, buffer, want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ConfigError("cannot read " + path + ": " + ErrnoText(errno));
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  if (text.size() > kMaxConfigFileBytes) {
    return ConfigError(absl::StrCat(path, " is larger than ", kMaxConfigFileBytes >> 20, " MiB"));
  }
  absl::StatusOr<ServerSettings> settings = ParseConfig(text);
  if (!settings.ok()) return settings.status();
  ConfigFile config{.settings = *std::move(settings)};
  if (S_ISREG(status.st_mode) && (status.st_mode & (S_IRGRP | S_IROTH)) != 0 &&
      HoldsSecrets(config.settings)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
    config.warnings.push_back(absl::StrCat(
        "warning: config file ", path, " holds API keys or secrets and its group or others may ",
        "read it (mode ", mode, "); make it private: chmod 600 ", path));
  }
  return config;
}

}  // namespace marquee_server
