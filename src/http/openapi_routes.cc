// GET /openapi.json: the OpenAPI 3.1 description of the Api's routes
// (docs/openapi.json, embedded in the library at build time, so serving it
// reads no file). The bytes never change while the process runs: a strong
// ETag hashed from them (the same on every node running the same build) and
// Cache-Control public, max-age=300. The document describes every route,
// including those of optional services this Api may not serve;
// tests/http/openapi_test.cc keeps it and Api::Routes() in step.
#include <string>

#include "absl/status/status.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "http/openapi_document.h"

namespace marquee::http::internal {
namespace {

constexpr std::string_view kOpenApiCacheControl = "public, max-age=300";

}  // namespace

absl::Status AddOpenApiRoutes(const ApiContext* context, Router* router) {
  // Hashed once: the document is constant.
  const std::string opaque = BodyTagOpaque(OpenApiDocument());
  return router->Add("GET", "/openapi.json", [context, opaque](const RouteContext& route) {
    return ConditionalJson(*context, route.request, std::string(OpenApiDocument()), opaque,
                           /*weak=*/false, kOpenApiCacheControl);
  });
}

}  // namespace marquee::http::internal
