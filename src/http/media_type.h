// The Content-Type rule of request bodies: application/json, with no
// charset or charset=utf-8 (RFC 8259 §8.1: JSON is UTF-8).
#ifndef MARQUEE_SRC_HTTP_MEDIA_TYPE_H_
#define MARQUEE_SRC_HTTP_MEDIA_TYPE_H_

#include "absl/status/status.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

// OK when `headers` declare a JSON body.
// Errors: InvalidArgument naming what is wrong (no Content-Type, another
// media type, another charset, several Content-Type fields); the caller
// answers 415.
[[nodiscard]] absl::Status CheckJsonContentType(const Headers& headers);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_MEDIA_TYPE_H_
