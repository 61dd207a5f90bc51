// Router: method + path pattern → handler, with HTTP's rules for the
// answers that belong to no handler.
//
// Patterns are literal segments and "{name}" parameters, each one whole
// segment ("/v1/campaigns/{id}"); a parameter matches any non-empty decoded
// segment. When several patterns match a path, the one with the most literal
// segments wins (then the first added), so "/v1/campaigns/search" may sit
// next to "/v1/campaigns/{id}". Dispatch answers:
//   - an unknown path: 404 problem;
//   - a known path with a method it lacks: 405 problem with Allow;
//   - HEAD where GET exists: the GET answer without its body, with
//     Content-Length set to the body's size;
//   - OPTIONS: 204 with Allow;
//   - a query parameter the route did not declare: 400 problem naming it
//     (so a typo never silently changes what a request means). A declared
//     name ending in ".*" ("attr.*") takes every name with that prefix and
//     something after it ("attr.country"), not the bare "attr." itself.
// Allow lists the pattern's methods in the order added, then HEAD (when GET
// exists) and OPTIONS.
// Thread-safety: Add during setup only; Dispatch is const and thread-safe.
#ifndef MARQUEE_SRC_HTTP_ROUTER_H_
#define MARQUEE_SRC_HTTP_ROUTER_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "http/authorizer.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

// What a handler sees of one request.
struct RouteContext {
  const Request& request;
  const Target& target;
  // The pattern's parameters, decoded, in pattern order.
  std::vector<std::pair<std::string_view, std::string_view>> params;
  // Who is calling (auth.h); null when the caller did not authorize.
  const Principal* principal = nullptr;

  // The parameter `name`; "" when the pattern has none of that name.
  std::string_view Param(std::string_view name) const;
};

using Handler = std::function<Response(const RouteContext&)>;

class Router {
 public:
  // Registers `handler` for `method` on `pattern`, taking the query
  // parameters named in `query_params` (none by default).
  // Errors: InvalidArgument (a pattern that does not start with '/', an
  // empty or malformed segment), AlreadyExists (method and pattern taken).
  [[nodiscard]] absl::Status Add(std::string method, std::string_view pattern, Handler handler,
                                 std::vector<std::string> query_params = {});

  // The answer to `request`, whose target parsed as `target`, made by
  // `principal` (may be null). When `matched_pattern` is given it receives
  // the pattern of the resource that matched ("/v1/campaigns/{id}"), or
  // stays empty when none did; the view lives as long as the router.
  Response Dispatch(const Request& request, const Target& target,
                    const Principal* principal = nullptr,
                    std::string_view* matched_pattern = nullptr) const;

  // Every (method, pattern) added, patterns in the order first added and
  // each pattern's methods in the order added; HEAD and OPTIONS, which
  // Dispatch answers itself, are not listed.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Segment {
    std::string text;  // a literal, or the parameter's name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    Handler handler;
    std::vector<std::string> query_params;
  };
  struct Resource {
    std::string pattern;
    std::vector<Segment> segments;
    size_t literal_count = 0;
    std::vector<Route> routes;
  };

  // The best resource matching `segments` and its parameters; null if none.
  const Resource* Find(const std::vector<std::string>& segments,
                       std::vector<std::pair<std::string_view, std::string_view>>* params) const;
  static std::string AllowOf(const Resource& resource);
  // OK when every parameter of `target`'s query is one `route` takes.
  static absl::Status CheckQuery(const Route& route, const Target& target);

  std::vector<Resource> resources_;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_ROUTER_H_
