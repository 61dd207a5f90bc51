// The kinds of value a config file key takes (config_keys.h): each checks
// one JSON value and, when it is good, stores it into ServerSettings.
//
// A check that fails returns InvalidArgument with what the value must be
// ("must be an integer within 1..1024"); the caller puts the key's path in
// front. Messages never quote the value of a string key; fsync and
// duration values are quoted only when shorter than any API key or secret
// could be, so a secret pasted under the wrong key is not echoed either.
// Thread-safety: the returned functions are pure but for their setter.
//
//   ConfigApply apply = IntegerValue(1, 1024, [](ServerSettings& s, int64_t n) {
//     s.flags.threads = n;
//   });
//   absl::Status s = apply(value, settings);  // "must be an integer within 1..1024"
#ifndef MARQUEE_EXAMPLES_SERVER_CONFIG_VALUES_H_
#define MARQUEE_EXAMPLES_SERVER_CONFIG_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/campaign/value.h"
#include "server_settings.h"

namespace marquee_server {

// Checks `value` and stores it into `settings`.
// Errors: InvalidArgument (the value is not what the key takes).
using ConfigApply =
    std::function<absl::Status(const marquee::campaign::Value& value, ServerSettings& settings)>;

template <typename T>
using ConfigSetter = std::function<void(ServerSettings& settings, T value)>;

// true or false.
ConfigApply BooleanValue(ConfigSetter<bool> set);

// A whole number within min..max (both within +-2^53, where doubles are
// exact); 1000 and 1e3 are the same number, 1.5 is refused.
ConfigApply IntegerValue(int64_t min, int64_t max, ConfigSetter<int64_t> set);

// Any number within min..max (rates: 0.5 a second is fine).
ConfigApply NumberValue(double min, double max, ConfigSetter<double> set);

// Which bytes a string key accepts, beyond its length.
enum class TextRule {
  kAny,          // anything (file paths, host:port, keys and secrets)
  kHeaderValue,  // no control characters (an HTTP field value)
  kToken,        // an HTTP token: letters, digits and !#$%&'*+-.^_`|~
  kCursorKeyId,  // letters, digits and _ . -
  kPostgresSchema,  // options.h IsPostgresSchemaName
};

// A string of min_bytes..max_bytes bytes following `rule`.
ConfigApply TextValue(size_t min_bytes, size_t max_bytes, TextRule rule,
                      ConfigSetter<std::string> set);

// A duration string as Abseil (and Go) write them: a decimal number with a
// unit, ns us ms s m h, several added up ("1m30s"); "0" alone is zero.
// Within min..max.
ConfigApply DurationValue(absl::Duration min, absl::Duration max, ConfigSetter<absl::Duration> set);

// "always", "every_second" or "never" (options.h ParseFsyncPolicy).
ConfigApply FsyncValue(ConfigSetter<marquee::FsyncPolicy> set);

// An array of strings, at most max_items, each 1..max_bytes bytes with no
// space or control character (CORS origins).
ConfigApply WordListValue(size_t max_items, size_t max_bytes,
                          ConfigSetter<std::vector<std::string>> set);

// An object of at most max_items request headers, {"Name": "value"}: each
// name an HTTP token, each value a string of at most max_bytes bytes without
// control characters. Values are never quoted (they are often tokens).
ConfigApply HeaderMapValue(size_t max_items, size_t max_bytes,
                           ConfigSetter<std::vector<std::pair<std::string, std::string>>> set);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_CONFIG_VALUES_H_
