#include "http/cors.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "http/text_internal.h"

namespace marquee::http::internal {
namespace {

void AddVary(Response& response, std::string_view field) {
  std::optional<std::string_view> vary = response.headers.Get("Vary");
  if (!vary) {
    response.headers.Set("Vary", field);
  } else if (vary->find(field) == std::string_view::npos) {
    response.headers.Set("Vary", absl::StrCat(Sv(*vary), ", ", Sv(field)));
  }
}

}  // namespace

void ApplyCors(const std::vector<std::string>& allowed_origins, absl::Duration max_age,
               const Request& request, Response& response) {
  if (allowed_origins.empty()) return;
  AddVary(response, "Origin");
  std::optional<std::string_view> origin = request.headers.Get("Origin");
  if (!origin) return;
  const bool any = std::find(allowed_origins.begin(), allowed_origins.end(), "*") !=
                   allowed_origins.end();
  const bool listed = std::find(allowed_origins.begin(), allowed_origins.end(), *origin) !=
                      allowed_origins.end();
  if (!any && !listed) return;
  response.headers.Set("Access-Control-Allow-Origin", listed ? *origin : "*");
  response.headers.Set("Access-Control-Expose-Headers", "ETag, Link, Retry-After");
  if (request.method == "OPTIONS" && request.headers.Has("Access-Control-Request-Method")) {
    if (std::optional<std::string_view> allow = response.headers.Get("Allow")) {
      response.headers.Set("Access-Control-Allow-Methods", *allow);
    }
    response.headers.Set("Access-Control-Allow-Headers",
                         "Authorization, Content-Type, Content-Encoding, If-Match, "
                         "If-None-Match, Last-Event-ID, X-User-Token");
    response.headers.Set("Access-Control-Max-Age",
                         std::to_string(absl::ToInt64Seconds(max_age)));
  }
}

}  // namespace marquee::http::internal
