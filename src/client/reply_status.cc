#include "client/reply_status.h"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace marquee::client::internal {
namespace {

absl::StatusCode CodeOf(int status, bool creating) {
  switch (status) {
    case 400:
    case 422: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 409: return creating ? absl::StatusCode::kAlreadyExists
                              : absl::StatusCode::kFailedPrecondition;
    case 412:
    case 428: return absl::StatusCode::kFailedPrecondition;
    case 413: return absl::StatusCode::kOutOfRange;
    case 429: return absl::StatusCode::kResourceExhausted;
    case 500: return absl::StatusCode::kInternal;
    default:
      if (status >= 500) return absl::StatusCode::kUnavailable;
      return status >= 400 ? absl::StatusCode::kFailedPrecondition : absl::StatusCode::kUnknown;
  }
}

// The "detail" of a problem+json body; empty when there is none.
std::string ProblemDetail(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return "";
  std::string_view detail;
  if (doc["detail"].get_string().get(detail) != simdjson::SUCCESS) return "";
  return std::string(detail);
}

}  // namespace

absl::Status StatusOfReply(const Reply& reply, bool creating) {
  if (reply.status >= 200 && reply.status < 400) return absl::OkStatus();
  std::string detail = ProblemDetail(reply.body);
  if (detail.empty()) detail = "no problem detail in the answer";
  return absl::Status(CodeOf(reply.status, creating),
                      absl::StrCat("HTTP ", reply.status, ": ", detail));
}

absl::StatusOr<uint64_t> VersionOfETag(const Reply& reply) {
  std::optional<std::string_view> etag = reply.headers.Get("ETag");
  if (!etag || etag->size() < 3 || etag->front() != '"' || etag->back() != '"') {
    return absl::DataLossError("the answer has no strong ETag");
  }
  std::string_view opaque = etag->substr(1, etag->size() - 2);
  for (std::string_view suffix : {std::string_view("-gzip"), std::string_view("-zstd")}) {
    if (opaque.size() > suffix.size() && opaque.substr(opaque.size() - suffix.size()) == suffix) {
      opaque.remove_suffix(suffix.size());
    }
  }
  uint64_t version = 0;
  if (!absl::SimpleAtoi(absl::string_view(opaque.data(), opaque.size()), &version)) {
    return absl::DataLossError("the answer's ETag is not a version");
  }
  return version;
}

}  // namespace marquee::client::internal
