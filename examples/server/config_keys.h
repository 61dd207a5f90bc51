// Every key of marquee-server's config file (config_file.h): where it sits,
// the kind of value it takes (config_values.h) and which setting it sets.
// A key missing from this table is an unknown key, so the table is the whole
// format; docs/operations.md ("Configuration file") lists the same keys with
// their defaults. The ranges are those of the flags (options.h) and of the
// options structs the values go to (marquee/http/server.h, api.h, auth.h).
// Thread-safety: the table is built once and immutable.
//
//   if (const ConfigKey* key = FindConfigKey("limits", "maxBodyBytes")) {
//     absl::Status s = key->apply(value, settings);
//   }
#ifndef MARQUEE_EXAMPLES_SERVER_CONFIG_KEYS_H_
#define MARQUEE_EXAMPLES_SERVER_CONFIG_KEYS_H_

#include <string_view>
#include <vector>

#include "config_values.h"

namespace marquee_server {

struct ConfigKey {
  // The object the key sits in ("limits"); "" for the top level, where the
  // keys that mirror a flag are.
  std::string_view group;
  // camelCase; a flag's key is the flag's name in camelCase.
  std::string_view name;
  ConfigApply apply;
};

// Every key, in the order of the documentation.
const std::vector<ConfigKey>& ConfigKeys();

// The key `name` of `group` ("" for the top level); null when there is none.
const ConfigKey* FindConfigKey(std::string_view group, std::string_view name);

// Whether `name` is a group: a top-level key whose value is an object of keys.
bool IsConfigGroup(std::string_view name);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_CONFIG_KEYS_H_
