// Finds an object key given twice in a JSON document. marquee's readers keep
// the last of repeated keys (marquee/json.h), which in a config file would
// silently drop the first setting: the config reader refuses the file
// instead.
// Thread-safety: a pure function.
//
//   std::optional<std::string> repeated = FindRepeatedJsonKey(json.text());
//   // {"limits":{"maxBodyBytes":1,"maxBodyBytes":2}} gives "limits.maxBodyBytes"
#ifndef MARQUEE_EXAMPLES_SERVER_REPEATED_JSON_KEY_H_
#define MARQUEE_EXAMPLES_SERVER_REPEATED_JSON_KEY_H_

#include <optional>
#include <string>
#include <string_view>

namespace marquee_server {

// The path of the first key that an object of `minified` holds twice
// ("limits.maxBodyBytes"; an object inside an array adds "[]"), or none.
// Keys are compared as written, escapes and all, so "a" and "\u0061" are
// two keys here.
// REQUIRES: `minified` is the text() of a marquee::Json: valid JSON without
// whitespace outside strings.
std::optional<std::string> FindRepeatedJsonKey(std::string_view minified);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_REPEATED_JSON_KEY_H_
