#include "http/server/framing.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include "http/text_internal.h"
#include "marquee/http/problem.h"

namespace marquee::http::internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

Response Refuse(int status, std::string_view detail) {
  Response r = ProblemResponse(MakeProblem(status, detail));
  // The rest of the connection's bytes are not read: it cannot carry another
  // request.
  r.headers.Set("Connection", "close");
  return r;
}

bool IsDecimal(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::optional<Response> ProblemForParseError(const boost::system::error_code& ec) {
  // Errors of other categories come from the socket (reset, closed) or the
  // timer (beast::error::timeout): no one to answer, or no time to.
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return std::nullopt;
  }
  // The peer closed before or in the middle of a request.
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return std::nullopt;
  }
  if (ec == bhttp::error::header_limit) {
    return Refuse(431, "the request header is larger than this server accepts");
  }
  if (ec == bhttp::error::body_limit) {
    return Refuse(413, "the request body is larger than this server accepts");
  }
  if (ec == bhttp::error::bad_content_length || ec == bhttp::error::bad_transfer_encoding) {
    return Refuse(400,
                  "the request's Content-Length or Transfer-Encoding is malformed or conflicting");
  }
  return Refuse(400, "malformed request: " + ec.message());
}

std::optional<Response> CheckFraming(const BeastRequest& header, size_t max_header_count) {
  size_t count = 0;
  bool has_transfer_encoding = false;
  std::optional<std::string> content_length;
  bool conflicting_length = false;
  for (const auto& field : header) {
    ++count;
    if (field.name() == bhttp::field::transfer_encoding) has_transfer_encoding = true;
    if (field.name() == bhttp::field::content_length) {
      // A field may itself hold a list ("5, 5"): every element must agree.
      std::string_view rest(field.value().data(), field.value().size());
      while (true) {
        const size_t comma = rest.find(',');
        const std::string_view part = TrimOws(rest.substr(0, comma));
        if (!IsDecimal(part)) {
          conflicting_length = true;
        } else if (!content_length) {
          content_length = std::string(part);
        } else if (*content_length != part) {
          conflicting_length = true;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (count > max_header_count) {
    return Refuse(431, "the request has " + std::to_string(count) +
                           " header fields; this server accepts at most " +
                           std::to_string(max_header_count));
  }
  if (has_transfer_encoding && content_length) {
    return Refuse(400, "the request has both Content-Length and Transfer-Encoding");
  }
  if (conflicting_length) {
    return Refuse(400, "the request's Content-Length values differ or are malformed");
  }
  return std::nullopt;
}

Request ToApiRequest(BeastRequest& beast, std::string remote_address) {
  Request request;
  request.method = std::string(beast.method_string());
  request.target = std::string(beast.target());
  for (const auto& field : beast) {
    request.headers.Add(std::string_view(field.name_string().data(), field.name_string().size()),
                        std::string_view(field.value().data(), field.value().size()));
  }
  request.body = std::move(beast.body());
  request.remote_address = std::move(remote_address);
  return request;
}

namespace {

// One pass: find_first_of calls memchr once per byte of the field.
bool SplitsMessage(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// The status line and the Api's fields, less those that frame the message;
// `content_length` (when not null) receives the Api's Content-Length.
std::string StatusAndFields(const Response& response, size_t reserve,
                            std::optional<std::string_view>* content_length) {
  const auto beast_reason =
      bhttp::obsolete_reason(static_cast<bhttp::status>(static_cast<unsigned>(response.status)));
  const std::string_view reason(beast_reason.data(), beast_reason.size());
  for (const auto& [name, value] : response.headers.fields()) reserve += name.size() + value.size() + 4;
  std::string out;
  out.reserve(reserve + reason.size() + 64);
  out.append("HTTP/1.1 ");
  out.append(std::to_string(response.status));
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n");
  for (const auto& [name, value] : response.headers.fields()) {
    if (EqualsIgnoreCase(name, "Content-Length")) {
      if (content_length != nullptr) *content_length = value;
      continue;
    }
    if (EqualsIgnoreCase(name, "Transfer-Encoding") || EqualsIgnoreCase(name, "Connection") ||
        name.empty() || SplitsMessage(name) || SplitsMessage(value)) {
      continue;
    }
    AppendField(out, name, value);
  }
  return out;
}

}  // namespace

std::string SerializeResponse(Response response, bool keep_alive) {
  const int status = response.status;
  const bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
  std::optional<std::string_view> given_length;
  std::string out =
      StatusAndFields(response, no_body ? 0 : response.body.size(), &given_length);
  if (!no_body) {
    // A HEAD answer: the length its GET would have had, no body.
    const bool head = given_length.has_value() && response.body.empty() && IsDecimal(*given_length);
    const std::string length = head ? std::string(*given_length) : std::to_string(response.body.size());
    AppendField(out, "Content-Length", length);
  }
  if (!keep_alive) AppendField(out, "Connection", "close");
  out.append("\r\n");
  if (!no_body) out.append(response.body);
  return out;
}

std::string SerializeStreamHead(const Response& response) {
  std::string out = StatusAndFields(response, 0, nullptr);
  AppendField(out, "Connection", "close");
  out.append("\r\n");
  return out;
}

}  // namespace marquee::http::internal
