// GET /healthz (the process answers) and GET /readyz (the store answers).
#include <string>

#include "absl/status/status.h"
#include "http/api_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/http/problem.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

// The record /readyz reads. Whether it exists does not matter: NotFound is
// an answer too.
constexpr std::string_view kReadinessProbeId = "readyz-probe";

Response Healthz() {
  Response response = JsonResponse(200, R"({"status":"ok"})");
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

Response Readyz(const ApiContext& context, const Request& request) {
  absl::StatusOr<Record> probe =
      context.options.store->Get(campaign::kCampaignsCollection, kReadinessProbeId);
  if (!probe.ok() && !absl::IsNotFound(probe.status())) {
    // 503 with the generic detail and Retry-After, whatever the store's
    // code: its message goes to on_server_error only.
    if (context.options.on_server_error) context.options.on_server_error(request, probe.status());
    return ProblemResponse(absl::UnavailableError("store is not answering reads"));
  }
  Response response = JsonResponse(200, R"({"status":"ready"})");
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

}  // namespace

absl::Status AddHealthRoutes(const ApiContext* context, Router* router) {
  MARQUEE_RETURN_IF_ERROR(
      router->Add("GET", "/healthz", [](const RouteContext&) { return Healthz(); }));
  return router->Add("GET", "/readyz", [context](const RouteContext& route) {
    return Readyz(*context, route.request);
  });
}

}  // namespace marquee::http::internal
