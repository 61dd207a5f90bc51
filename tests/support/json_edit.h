// Small edits of JSON bodies for tests of schema upgrades.
#ifndef MARQUEE_TESTS_SUPPORT_JSON_EDIT_H_
#define MARQUEE_TESTS_SUPPORT_JSON_EDIT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/json.h"

namespace marquee::test {

// Appends "<field>":true to a JSON object, e.g. {"n":1} -> {"n":1,"v2":true}.
// Errors: InvalidArgument (the body is not an object), so an upgrade built on
// it refuses a body of the wrong shape as a real upgrade would.
inline absl::StatusOr<Json> AddField(const Json& body, const std::string& field) {
  std::string text(body.text());
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
    return absl::InvalidArgumentError("the body is not an object");
  }
  text.pop_back();
  if (text.size() > 1) text += ",";
  text += "\"" + field + "\":true}";
  return Json::Parse(text);
}

}  // namespace marquee::test

#endif  // MARQUEE_TESTS_SUPPORT_JSON_EDIT_H_
