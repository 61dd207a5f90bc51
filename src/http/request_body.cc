// ReadJsonBody, JsonResponse and ApiContext::Error: what every route shares.
#include <simdjson.h>

#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "http/media_type.h"
#include "http/text_internal.h"
#include "marquee/http/problem.h"

namespace marquee::http::internal {
namespace {

namespace od = simdjson::ondemand;

// InvalidArgument ("<path>: given more than once") for the first object in
// `value`, at `path`, that repeats a member name. What the document holds
// otherwise is the route's to judge: the walk stops quietly where simdjson
// does not follow (it cannot, on a document Json::Parse validated).
absl::Status CheckUniqueMemberNames(od::value value, const std::string& path) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return absl::OkStatus();
  if (type == od::json_type::object) {
    od::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return absl::OkStatus();
    // The unescaped keys stay in the parser's string buffer until the next
    // document, so the views do not dangle.
    std::unordered_set<std::string_view> seen;
    for (auto field : object) {
      std::string_view key;
      od::value member;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
          field.value().get(member) != simdjson::SUCCESS) {
        return absl::OkStatus();
      }
      std::string member_path = path.empty() ? std::string(key) : absl::StrCat(Sv(path), ".", Sv(key));
      if (!seen.insert(key).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(Sv(std::string_view(member_path).substr(0, 128)), ": given more than once"));
      }
      if (absl::Status s = CheckUniqueMemberNames(member, member_path); !s.ok()) return s;
    }
  } else if (type == od::json_type::array) {
    od::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return absl::OkStatus();
    size_t index = 0;
    for (auto element : array) {
      od::value item;
      if (element.get(item) != simdjson::SUCCESS) return absl::OkStatus();
      if (absl::Status s = CheckUniqueMemberNames(item, absl::StrCat(Sv(path), "[", index++, "]"));
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

// InvalidArgument when an object anywhere in `body` repeats a member name:
// readers that keep the first of them and readers that keep the last (as
// campaign::Value does) would see different requests, so none is accepted.
absl::Status CheckUniqueMemberNames(const Json& body) {
  od::parser parser;
  const std::string& bytes = body.padded_bytes();
  od::document doc;
  if (parser.iterate(bytes.data(), body.size(), bytes.capacity()).get(doc) != simdjson::SUCCESS) {
    return absl::OkStatus();
  }
  od::value root;
  if (doc.get_value().get(root) != simdjson::SUCCESS) return absl::OkStatus();
  return CheckUniqueMemberNames(root, "");
}

}  // namespace

Response ApiContext::Error(const Request& request, const absl::Status& error) const {
  if (HttpStatusFor(error) >= 500 && options.on_server_error) {
    options.on_server_error(request, error);
  }
  return ProblemResponse(error);
}

Response JsonResponse(int status, std::string body) {
  Response response{.status = status};
  response.headers.Set("Content-Type", kJsonContentType);
  response.body = std::move(body);
  return response;
}

BodyOrProblem ReadJsonBody(const ApiContext& context, const Request& request,
                           std::string_view media_type) {
  const ApiOptions& options = context.options;
  if (request.body.size() > options.max_body_bytes) {
    return {std::nullopt,
            ProblemResponse(MakeProblem(
                413, absl::StrCat("The body is ", request.body.size(), " bytes; the limit is ",
                                  options.max_body_bytes, " bytes.")))};
  }
  if (absl::Status type = CheckJsonContentType(request.headers, media_type); !type.ok()) {
    return {std::nullopt, ProblemResponse(MakeProblem(415, StdSv(type.message())))};
  }
  if (request.body.empty()) {
    return {std::nullopt, ProblemResponse(MakeProblem(400, "body: empty; send a JSON object"))};
  }
  absl::StatusOr<Json> body = Json::Parse(
      request.body, {.max_bytes = options.max_body_bytes, .max_depth = options.max_json_depth});
  if (!body.ok()) {
    return {std::nullopt,
            ProblemResponse(MakeProblem(400, absl::StrCat("body: ", body.status().message())))};
  }
  if (absl::Status unique = CheckUniqueMemberNames(*body); !unique.ok()) {
    return {std::nullopt, ProblemResponse(MakeProblem(400, StdSv(unique.message())))};
  }
  return {*std::move(body), Response{}};
}

absl::StatusOr<std::optional<std::string>> SingleQueryParam(const Target& target,
                                                            std::string_view name) {
  std::optional<std::string> value;
  for (const auto& [key, text] : target.query) {
    if (key != name) continue;
    if (value.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": given more than once"));
    }
    value = text;
  }
  return value;
}

std::string Rfc3339Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

Response NotModified(std::string_view etag, std::string_view cache_control) {
  Response response{.status = 304};
  response.headers.Set("ETag", etag);
  response.headers.Set("Cache-Control", cache_control);
  return response;
}

Response ConditionalJson(const ApiContext& context, const Request& request, std::string body,
                         std::string_view opaque, bool weak, std::string_view cache_control) {
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(request, if_none_match.status());
  const std::string etag = absl::StrCat(weak ? "W/" : "", "\"", Sv(opaque), "\"");
  if (if_none_match->has_value() && MatchesWeakOpaque(**if_none_match, opaque)) {
    return NotModified(etag, cache_control);
  }
  Response response = JsonResponse(200, std::move(body));
  response.headers.Set("ETag", etag);
  response.headers.Set("Cache-Control", cache_control);
  return response;
}

absl::StatusOr<std::string> BoundUser(const RouteContext& route,
                                      std::optional<std::string> given) {
  if (route.principal != nullptr && route.principal->user.has_value()) {
    if (given.has_value() && *given != *route.principal->user) {
      return absl::PermissionDeniedError("user: differs from the end-user token's subject");
    }
    return *route.principal->user;
  }
  if (!given.has_value()) return absl::InvalidArgumentError("user: required");
  return *std::move(given);
}

}  // namespace marquee::http::internal
