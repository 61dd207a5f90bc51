// The Content-Type rule of request bodies: application/json, with no
// charset or charset=utf-8 (RFC 8259 §8.1: JSON is UTF-8).
#ifndef MARQUEE_SRC_HTTP_MEDIA_TYPE_H_
#define MARQUEE_SRC_HTTP_MEDIA_TYPE_H_

#include <string_view>

#include "absl/status/status.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

// OK when `headers` declare a JSON body of `media_type` (application/json,
// or a JSON type such as application/merge-patch+json).
// Errors: InvalidArgument naming what is wrong (no Content-Type, another
// media type, another charset, several Content-Type fields); the caller
// answers 415.
[[nodiscard]] absl::Status CheckJsonContentType(
    const Headers& headers, std::string_view media_type = "application/json");

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_MEDIA_TYPE_H_
