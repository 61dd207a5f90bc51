// /v1/webhooks: webhook subscriptions and their delivery log, through
// campaign::WebhookService (webhooks.h). Every route needs the admin scope
// (authorizer.cc): URLs, secrets and the log are operator data.
//
//   GET    /v1/webhooks                  every subscription (at most the
//                                        service's max_subscriptions, one page)
//   POST   /v1/webhooks                  201, Location, ETag; the only answer
//                                        that shows the secret; 409 when the
//                                        id exists
//   GET    /v1/webhooks/{id}             ETag; If-None-Match → 304
//   PATCH  /v1/webhooks/{id}             merge patch (application/merge-
//                                        patch+json), If-Match required (428),
//                                        stale → 412; {"paused": false}
//                                        resumes; {"secret": "..."} rotates
//   DELETE /v1/webhooks/{id}             204, with its log; If-Match optional
//   GET    /v1/webhooks/{id}/deliveries  the log, oldest id first, paged by
//                                        `limit` and an opaque `after`
// Cache-Control is no-store on all of them.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/conditional.h"
#include "http/text_internal.h"
#include "http/versioned_write.h"
#include "internal/base64url.h"
#include "marquee/campaign/value.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/http/problem.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::WebhookSubscription;

constexpr std::string_view kNoStore = "no-store";

Response SubscriptionResponse(const ApiContext& context, const RouteContext& route, int status,
                              const WebhookSubscription& s, bool include_secret) {
  absl::StatusOr<Json> body = campaign::WebhookSubscriptionToJson(s, include_secret);
  if (!body.ok()) return context.Error(route.request, absl::InternalError(body.status().message()));
  Response response = JsonResponse(status, std::string(body->text()));
  response.headers.Set("ETag", StrongEtag(s.version));
  response.headers.Set("Cache-Control", kNoStore);
  return response;
}


// 412 for a version that moved under a write, else the status's problem.
Response WriteRefused(const ApiContext& context, const RouteContext& route,
                      const absl::Status& error) {
  if (absl::IsFailedPrecondition(error)) {
    return PreconditionFailedFor("webhook subscription", route.Param("id"));
  }
  return context.Error(route.request, error);
}

Response ListSubscriptions(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<std::vector<WebhookSubscription>> all = context.options.webhooks->ListSubscriptions();
  if (!all.ok()) return context.Error(route.request, all.status());
  std::string text = "{\"data\":[";
  for (size_t i = 0; i < all->size(); ++i) {
    absl::StatusOr<Json> one = campaign::WebhookSubscriptionToJson((*all)[i], false);
    if (!one.ok()) return context.Error(route.request, absl::InternalError(one.status().message()));
    absl::StrAppend(&text, i == 0 ? "" : ",", Sv(one->text()));
  }
  absl::StrAppend(&text, "],\"page\":{\"next\":null,\"prev\":null,\"has_more\":false}}");
  Response response = JsonResponse(200, std::move(text));
  response.headers.Set("Cache-Control", kNoStore);
  return response;
}

Response CreateSubscription(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  // "id" is optional here: the service makes one when it is absent.
  std::string id;
  if (absl::StatusOr<campaign::Value> value = campaign::Value::FromJson(*body.body);
      value.ok() && value->is_object()) {
    if (const campaign::Value* given = value->Find("id"); given != nullptr) {
      if (!given->is_string()) {
        return context.Error(route.request, absl::InvalidArgumentError("id: must be a string"));
      }
      id = std::string(given->as_string());
    }
  }
  absl::StatusOr<WebhookSubscription> s = campaign::WebhookSubscriptionFromJson(id, *body.body);
  if (!s.ok()) return context.Error(route.request, s.status());
  absl::StatusOr<WebhookSubscription> created = context.options.webhooks->CreateSubscription(*s);
  if (!created.ok()) return context.Error(route.request, created.status());
  Response response = SubscriptionResponse(context, route, 201, *created, /*include_secret=*/true);
  response.headers.Set("Location",
                       absl::StrCat("/v1/webhooks/", Sv(EncodePathSegment(created->id))));
  return response;
}

Response GetSubscription(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<WebhookSubscription> s = context.options.webhooks->GetSubscription(route.Param("id"));
  if (!s.ok()) return context.Error(route.request, s.status());
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(route.request, if_none_match.status());
  if (if_none_match->has_value() && MatchesWeak(**if_none_match, s->version)) {
    return NotModified(StrongEtag(s->version), kNoStore);
  }
  return SubscriptionResponse(context, route, 200, *s, /*include_secret=*/false);
}

Response PatchSubscription(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  CurrentOrProblem<WebhookSubscription> current = ReadForWrite<WebhookSubscription>(
      context, route, "webhook subscription", id,
      [&] { return context.options.webhooks->GetSubscription(id); });
  if (!current.value) return std::move(current.problem);
  BodyOrProblem patch = ReadMergePatch(context, route, "subscription");
  if (!patch.body.has_value()) return std::move(patch.problem);
  absl::StatusOr<Json> target = campaign::WebhookSubscriptionToJson(*current.value, false);
  if (!target.ok()) return context.Error(route.request, absl::InternalError(target.status().message()));
  absl::StatusOr<Json> merged = MergePatchOver(context, *target, *patch.body);
  if (!merged.ok()) return context.Error(route.request, merged.status());
  absl::StatusOr<IdAndBody> split = SplitIdMember(*merged, id);
  if (!split.ok()) return context.Error(route.request, split.status());
  absl::StatusOr<WebhookSubscription> next = campaign::WebhookSubscriptionFromJson(id, split->body);
  if (!next.ok()) return context.Error(route.request, next.status());
  absl::StatusOr<WebhookSubscription> updated =
      context.options.webhooks->UpdateSubscription(*next, current.value->version);
  if (!updated.ok()) return WriteRefused(context, route, updated.status());
  return SubscriptionResponse(context, route, 200, *updated, /*include_secret=*/false);
}

Response DeleteSubscription(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  ExpectedOrProblem expected =
      ExpectedVersionForDelete(context, route, "webhook subscription", id,
                               [&] { return context.options.webhooks->GetSubscription(id); });
  if (expected.problem) return *std::move(expected.problem);
  absl::Status deleted = context.options.webhooks->DeleteSubscription(id, expected.version);
  if (!deleted.ok()) return WriteRefused(context, route, deleted);
  return Response{.status = 204};
}

// The log's `after` is the base64url of the last delivery id shown: opaque
// to clients, and checked by the service to lie within the subscription.
Response ListDeliveries(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  size_t limit = context.options.default_page_size;
  absl::StatusOr<std::optional<std::string>> limit_text = SingleQueryParam(route.target, "limit");
  if (!limit_text.ok()) return context.Error(route.request, limit_text.status());
  if (limit_text->has_value()) {
    absl::StatusOr<size_t> parsed = ParsePageLimit(**limit_text, context.options);
    if (!parsed.ok()) return context.Error(route.request, parsed.status());
    limit = std::min<size_t>(*parsed, 1000);
  }
  std::string after;
  absl::StatusOr<std::optional<std::string>> after_text = SingleQueryParam(route.target, "after");
  if (!after_text.ok()) return context.Error(route.request, after_text.status());
  if (after_text->has_value()) {
    absl::StatusOr<std::string> decoded = marquee::internal::Base64UrlDecode(**after_text);
    if (!decoded.ok() || decoded->empty()) {
      return context.Error(route.request,
                           absl::InvalidArgumentError("after: not a cursor of this list"));
    }
    after = *std::move(decoded);
  }
  absl::StatusOr<campaign::WebhookDeliveryPage> page =
      context.options.webhooks->ListDeliveries(id, limit, after);
  if (!page.ok()) {
    if (absl::IsInvalidArgument(page.status()) && !after.empty()) {
      return context.Error(route.request,
                           absl::InvalidArgumentError("after: not a cursor of this list"));
    }
    return context.Error(route.request, page.status());
  }
  std::string text = "{\"data\":[";
  for (size_t i = 0; i < page->deliveries.size(); ++i) {
    absl::StatusOr<Json> one = campaign::WebhookDeliveryToJson(page->deliveries[i]);
    if (!one.ok()) return context.Error(route.request, absl::InternalError(one.status().message()));
    absl::StrAppend(&text, i == 0 ? "" : ",", Sv(one->text()));
  }
  const std::string next =
      page->next_after.empty() ? "" : marquee::internal::Base64UrlEncode(page->next_after);
  absl::StrAppend(&text, "],\"page\":{\"next\":", next.empty() ? "null" : absl::StrCat("\"", next, "\""),
                  ",\"prev\":null,\"has_more\":", next.empty() ? "false" : "true", "}}");
  Response response = JsonResponse(200, std::move(text));
  response.headers.Set("Cache-Control", kNoStore);
  if (!next.empty()) {
    response.headers.Set("Link", absl::StrCat("</v1/webhooks/", Sv(EncodePathSegment(id)),
                                              "/deliveries?limit=", limit, "&after=", next,
                                              ">; rel=\"next\""));
  }
  return response;
}

}  // namespace

absl::Status AddWebhookRoutes(const ApiContext* context, Router* router) {
  if (context->options.webhooks == nullptr) return absl::OkStatus();
  auto bind = [context](Response (*handler)(const ApiContext&, const RouteContext&)) {
    return [context, handler](const RouteContext& route) { return handler(*context, route); };
  };
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/webhooks", bind(&ListSubscriptions)));
  MARQUEE_RETURN_IF_ERROR(router->Add("POST", "/v1/webhooks", bind(&CreateSubscription)));
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/webhooks/{id}", bind(&GetSubscription)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PATCH", "/v1/webhooks/{id}", bind(&PatchSubscription)));
  MARQUEE_RETURN_IF_ERROR(router->Add("DELETE", "/v1/webhooks/{id}", bind(&DeleteSubscription)));
  return router->Add("GET", "/v1/webhooks/{id}/deliveries", bind(&ListDeliveries),
                     {"limit", "after"});
}

}  // namespace marquee::http::internal
