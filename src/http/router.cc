// Router: pattern matching and the 404 / 405 / HEAD / OPTIONS rules.
#include "http/router.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "http/text_internal.h"
#include "marquee/http/problem.h"

namespace marquee::http::internal {

namespace {

// A declared name "attr.*" takes every parameter "attr.<something>".
bool IsPrefixParamMatch(std::string_view declared, std::string_view name) {
  if (declared.size() < 2 || declared.substr(declared.size() - 2) != ".*") return false;
  const std::string_view prefix = declared.substr(0, declared.size() - 1);  // "attr."
  return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string_view RouteContext::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

absl::Status Router::Add(std::string method, std::string_view pattern, Handler handler,
                         std::vector<std::string> query_params) {
  if (pattern.empty() || pattern.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("pattern '", Sv(pattern), "' must start with '/'"));
  }
  std::vector<Segment> segments;
  size_t literal_count = 0;
  std::string_view rest = pattern.substr(1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("pattern '", Sv(pattern), "': empty segment"));
    }
    if (part.front() == '{') {
      if (part.size() < 3 || part.back() != '}') {
        return absl::InvalidArgumentError(
            absl::StrCat("pattern '", Sv(pattern), "': malformed parameter '", Sv(part), "'"));
      }
      segments.push_back({std::string(part.substr(1, part.size() - 2)), true});
    } else {
      segments.push_back({std::string(part), false});
      ++literal_count;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("pattern '", Sv(pattern), "': trailing '/'"));
    }
  }
  Resource* resource = nullptr;
  for (Resource& existing : resources_) {
    if (existing.pattern == pattern) resource = &existing;
  }
  if (resource == nullptr) {
    resources_.push_back({std::string(pattern), std::move(segments), literal_count, {}});
    resource = &resources_.back();
  }
  for (const Route& route : resource->routes) {
    if (route.method == method) {
      return absl::AlreadyExistsError(absl::StrCat(method, " ", Sv(pattern), " is already routed"));
    }
  }
  resource->routes.push_back({std::move(method), std::move(handler), std::move(query_params)});
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Resource& resource : resources_) {
    for (const Route& route : resource.routes) out.emplace_back(route.method, resource.pattern);
  }
  return out;
}

const Router::Resource* Router::Find(
    const std::vector<std::string>& segments,
    std::vector<std::pair<std::string_view, std::string_view>>* params) const {
  const Resource* best = nullptr;
  for (const Resource& resource : resources_) {
    if (resource.segments.size() != segments.size()) continue;
    if (best != nullptr && resource.literal_count <= best->literal_count) continue;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const Segment& want = resource.segments[i];
      match = want.is_param ? !segments[i].empty() : want.text == segments[i];
    }
    if (match) best = &resource;
  }
  if (best != nullptr) {
    params->clear();
    for (size_t i = 0; i < segments.size(); ++i) {
      if (best->segments[i].is_param) params->emplace_back(best->segments[i].text, segments[i]);
    }
  }
  return best;
}

std::string Router::AllowOf(const Resource& resource) {
  std::string allow;
  bool has_get = false;
  for (const Route& route : resource.routes) {
    absl::StrAppend(&allow, allow.empty() ? "" : ", ", route.method);
    has_get = has_get || route.method == "GET";
  }
  if (has_get) absl::StrAppend(&allow, ", HEAD");
  absl::StrAppend(&allow, ", OPTIONS");
  return allow;
}

absl::Status Router::CheckQuery(const Route& route, const Target& target) {
  for (const auto& [name, value] : target.query) {
    bool known = false;
    for (const std::string& param : route.query_params) {
      known = known || param == name || IsPrefixParamMatch(param, name);
    }
    if (known) continue;
    // Cap the echoed name: it comes from outside.
    std::string message = absl::StrCat(
        "query parameter '", Sv(std::string_view(name).substr(0, 64)), "' is not supported here");
    if (route.query_params.empty()) {
      absl::StrAppend(&message, "; this resource takes no query parameters");
    } else {
      absl::StrAppend(&message, "; supported: ", absl::StrJoin(route.query_params, ", "));
    }
    return absl::InvalidArgumentError(message);
  }
  return absl::OkStatus();
}

Response Router::Dispatch(const Request& request, const Target& target,
                          const Principal* principal, std::string_view* matched_pattern) const {
  RouteContext context{request, target, {}, principal};
  const Resource* resource = Find(target.segments, &context.params);
  if (resource == nullptr) {
    return ProblemResponse(MakeProblem(404, "No resource at this path."));
  }
  if (matched_pattern != nullptr) *matched_pattern = resource->pattern;
  const bool head = request.method == "HEAD";
  const std::string_view method = head ? std::string_view("GET") : std::string_view(request.method);
  for (const Route& route : resource->routes) {
    if (route.method != method) continue;
    const absl::Status query = CheckQuery(route, target);
    Response response = query.ok() ? route.handler(context) : ProblemResponse(query);
    if (head) {
      // A 304 or 204 has no body whose length HEAD could report.
      // A stream has no length: HEAD gets its headers only.
      if (response.stream) {
        response.stream.reset();
      } else if (response.status != 304 && response.status != 204) {
        response.headers.Set("Content-Length", absl::StrCat(response.body.size()));
      }
      response.body.clear();
    }
    return response;
  }
  const std::string allow = AllowOf(*resource);
  if (request.method == "OPTIONS") {
    Response response{.status = 204};
    response.headers.Set("Allow", allow);
    return response;
  }
  // The method is not echoed: it is arbitrary client text.
  Response response = ProblemResponse(
      MakeProblem(405, absl::StrCat("This method is not allowed here; allowed: ", allow, ".")));
  response.headers.Set("Allow", allow);
  return response;
}

}  // namespace marquee::http::internal
