// Problem details (RFC 9457) and the mapping of absl::Status to HTTP.
#include "marquee/http/problem.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/text_internal.h"
#include "marquee/json_writer.h"

namespace marquee::http {

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition: return 409;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    default:  // Cancelled, Unknown, Internal, DataLoss, codes added later
      return 500;
  }
}

std::string_view ReasonPhrase(int http_status) {
  switch (http_status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown Status";
  }
}

Problem MakeProblem(int http_status, std::string_view detail) {
  return Problem{.title = std::string(ReasonPhrase(http_status)),
                 .status = http_status,
                 .detail = std::string(detail)};
}

Problem ProblemFor(const absl::Status& status) {
  if (status.ok()) return MakeProblem(500, kServerErrorDetail);
  const int code = HttpStatusFor(status);
  if (code >= 500) return MakeProblem(code, kServerErrorDetail);
  return MakeProblem(code, internal::StdSv(status.message()));
}

std::string ProblemJson(const Problem& problem) {
  std::string out;
  JsonWriter writer(&out, {.invalid_utf8 = InvalidUtf8::kReplace, .assert_on_misuse = false});
  writer.BeginObject();
  writer.Key("type").String(problem.type);
  writer.Key("title").String(problem.title);
  writer.Key("status").Int(problem.status);
  if (!problem.detail.empty()) writer.Key("detail").String(problem.detail);
  writer.EndObject();
  if (!writer.Finish().ok()) {
    // Unreachable with kReplace and a fixed shape; never send a broken body.
    return absl::StrCat(R"({"type":"about:blank","title":"Internal Server Error","status":500})");
  }
  return out;
}

Response ProblemResponse(const Problem& problem) {
  Response response{.status = problem.status};
  response.headers.Set("Content-Type", kProblemContentType);
  response.headers.Set("Cache-Control", "no-store");
  response.body = ProblemJson(problem);
  return response;
}

Response ProblemResponse(const absl::Status& status) {
  Response response = ProblemResponse(ProblemFor(status));
  if (response.status == 429 || response.status == 503) {
    response.headers.Set("Retry-After", absl::StrCat(kDefaultRetryAfterSeconds));
  }
  return response;
}

}  // namespace marquee::http
