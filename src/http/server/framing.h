// The rules between Beast's parser and the Api: which parse errors become
// which problem, the framing checks Beast 1.74 does not make, and the
// conversions of a Beast request to a Request and of a Response to a Beast
// response.
#ifndef MARQUEE_SRC_HTTP_SERVER_FRAMING_H_
#define MARQUEE_SRC_HTTP_SERVER_FRAMING_H_

#include <cstddef>
#include <optional>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "marquee/http/message.h"

namespace marquee::http::internal {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// The problem answer (status 400, 413 or 431) for a parse error of Beast, or
// none when `ec` means the peer went away or timed out (nothing to answer).
std::optional<Response> ProblemForParseError(const boost::system::error_code& ec);

// The problem answer for a parsed header that breaks a framing rule:
// more than `max_header_count` fields (431), Content-Length together with
// Transfer-Encoding (400), or several Content-Length values that differ, or
// one that is not a decimal number (400). None when the header is fine.
// Beast 1.74's parser already refuses the last two (bad_content_length,
// bad_transfer_encoding; tests/http/server_limits_test.cc passes without
// this check for them); they are checked again here so that request
// smuggling stays refused whatever the parser's version. Beast has no
// limit on the number of fields: that one is only ours.
std::optional<Response> CheckFraming(const BeastRequest& header, size_t max_header_count);

// `beast` as an Api Request (the body is moved out).
Request ToApiRequest(BeastRequest& beast, std::string remote_address);

// `response` as the bytes of an HTTP/1.1 answer: status line, the Api's
// fields in order, Content-Length (kept as the Api set it for a HEAD answer,
// which has no body; none for 1xx, 204 and 304, whose body is dropped),
// "Connection: close" unless `keep_alive`, then the body. The fields that
// frame the message (Content-Length, Transfer-Encoding, Connection) are the
// transport's: the Api's are not copied. A CR, LF or NUL in a field name or
// value, which would split the answer, drops that field.
// One contiguous buffer, written with one async_write: Beast's serializer
// walked its nested buffer sequences for about a third of the instructions
// of a small GET (callgrind; docs/benchmarks.md).
std::string SerializeResponse(Response response, bool keep_alive);

// The head of a streamed answer (Server-Sent Events): status line, the
// Api's fields as above, "Connection: close" and no length: the body ends
// when the connection closes (RFC 9112 §6.3), which every SSE client
// expects.
std::string SerializeStreamHead(const Response& response);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_SERVER_FRAMING_H_
