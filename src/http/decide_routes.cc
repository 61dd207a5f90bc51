// GET and POST /v1/decide: one user's campaigns, variants and flags
// (campaign::Decider::Decide), mapped from query parameters or a JSON body.
//
// GET query parameters, each at most once except attr.*:
//   user        the user id (required)
//   attr.<name> a context attribute, as a string ("attr.country=DE")
//   placement   only campaigns that may fill it
//   explain     "true" or "false" (default false)
// POST body (an object; any other member is a 400):
//   {"user": "u42", "attributes": {"country": "DE", "age": 30},
//    "placement": "home.hero", "explain": false}
// "user" is required; "attributes" an object (typed values, unlike GET).
// The answer:
//   {"user": "u42", "viewVersion": 17,
//    "campaigns": [{"id", "name", "priority", "placements", "variant",
//                   "variantIndex", "content", "inExperiment", "stickyUsed"
//                   [, "explain": [...]]}],
//    "flags": {"<key>": {"value", "on", "source", "ruleId"}}
//    [, "skipped": [{"id", "reason"}]]}
// Both take ?consistency=strong (or Cache-Control: no-cache;
// read_consistency.h): the decision then waits for the view to reach the
// store's committed version.
// A decision is no record: its ETag is weak, a hash of the body, so a client
// revalidating gets a 304 while its decision is the same (POST answers carry
// the ETag too, but conditional requests apply to GET only).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "http/read_consistency.h"
#include "http/text_internal.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/value.h"
#include "marquee/http/problem.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::Decision;
using campaign::DecideRequest;
using campaign::Value;

constexpr std::string_view kAttrPrefix = "attr.";

absl::StatusOr<bool> ParseBool(std::string_view name, std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": must be true or false"));
}

absl::StatusOr<DecideRequest> RequestFromQuery(const RouteContext& route) {
  const Target& target = route.target;
  DecideRequest request;
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> user, SingleQueryParam(target, "user"));
  MARQUEE_ASSIGN_OR_RETURN(request.user, BoundUser(route, std::move(user)));
  MARQUEE_ASSIGN_OR_RETURN(request.placement, SingleQueryParam(target, "placement"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> explain,
                           SingleQueryParam(target, "explain"));
  if (explain.has_value()) {
    MARQUEE_ASSIGN_OR_RETURN(request.explain, ParseBool("explain", *explain));
  }
  std::vector<Value::Member> attributes;
  for (const auto& [name, value] : target.query) {
    if (name.size() <= kAttrPrefix.size() || name.compare(0, kAttrPrefix.size(), kAttrPrefix) != 0) {
      continue;
    }
    std::string key = name.substr(kAttrPrefix.size());
    for (const Value::Member& seen : attributes) {
      if (seen.first == key) {
        return absl::InvalidArgumentError(
            absl::StrCat(Sv(std::string_view(name).substr(0, 64)), ": given more than once"));
      }
    }
    attributes.emplace_back(std::move(key), Value::String(value));
  }
  request.context = Value::Object(std::move(attributes));
  return request;
}

absl::StatusOr<DecideRequest> RequestFromBody(const RouteContext& route, const Json& body) {
  MARQUEE_ASSIGN_OR_RETURN(Value value, Value::FromJson(body));
  if (!value.is_object()) return absl::InvalidArgumentError("body: must be a JSON object");
  DecideRequest request;
  std::optional<std::string> user;
  for (const Value::Member& member : value.members()) {
    const std::string& name = member.first;
    const Value& v = member.second;
    if (name == "user") {
      if (!v.is_string()) return absl::InvalidArgumentError("user: must be a string");
      user = std::string(v.as_string());
    } else if (name == "attributes") {
      if (!v.is_object() && !v.is_null()) {
        return absl::InvalidArgumentError("attributes: must be an object");
      }
      request.context = v;
    } else if (name == "placement") {
      if (!v.is_string()) return absl::InvalidArgumentError("placement: must be a string");
      request.placement = std::string(v.as_string());
    } else if (name == "explain") {
      if (!v.is_bool()) return absl::InvalidArgumentError("explain: must be true or false");
      request.explain = v.as_bool();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(Sv(std::string_view(name).substr(0, 64)),
                       ": unknown member; expected user, attributes, placement, explain"));
    }
  }
  MARQUEE_ASSIGN_OR_RETURN(request.user, BoundUser(route, std::move(user)));
  return request;
}

absl::Status WriteValue(JsonWriter& writer, const Value& value) {
  MARQUEE_ASSIGN_OR_RETURN(Json json, value.ToJson());
  writer.Raw(json);
  return absl::OkStatus();
}

absl::StatusOr<std::string> DecisionJson(const DecideRequest& request, const Decision& decision) {
  std::string body;
  JsonWriter writer(&body, {.assert_on_misuse = false});
  writer.BeginObject().Key("user").String(request.user);
  writer.Key("viewVersion").Uint(decision.view_version);
  writer.Key("campaigns").BeginArray();
  for (const campaign::CampaignDecision& c : decision.campaigns) {
    writer.BeginObject().Key("id").String(c.campaign_id).Key("name").String(c.name);
    writer.Key("priority").Int(c.priority).Key("placements").BeginArray();
    for (const std::string& placement : c.placements) writer.String(placement);
    writer.EndArray().Key("variant").String(c.variant_key);
    writer.Key("variantIndex").Int(c.variant_index).Key("content").Raw(c.content);
    writer.Key("inExperiment").Bool(c.in_experiment).Key("stickyUsed").Bool(c.sticky_used);
    if (request.explain) {
      writer.Key("explain").BeginArray();
      for (const std::string& line : c.explain) writer.String(line);
      writer.EndArray();
    }
    writer.EndObject();
  }
  writer.EndArray().Key("flags").BeginObject();
  for (const campaign::FlagDecision& flag : decision.flags) {
    writer.Key(flag.key).BeginObject().Key("value");
    MARQUEE_RETURN_IF_ERROR(WriteValue(writer, flag.value));
    writer.Key("on").Bool(flag.on);
    writer.Key("source").String(campaign::FeatureSourceName(flag.source));
    writer.Key("ruleId").String(flag.rule_id).EndObject();
  }
  writer.EndObject();
  if (request.explain) {
    writer.Key("skipped").BeginArray();
    for (const campaign::SkippedCampaign& skipped : decision.skipped) {
      writer.BeginObject().Key("id").String(skipped.campaign_id);
      writer.Key("reason").String(skipped.reason).EndObject();
    }
    writer.EndArray();
  }
  writer.EndObject();
  MARQUEE_RETURN_IF_ERROR(writer.Finish());
  return body;
}

// `conditional`: If-None-Match applies (GET).
Response Decide(const ApiContext& context, const RouteContext& route,
                const DecideRequest& request, bool conditional) {
  absl::StatusOr<ReadConsistency> consistency = RequestedConsistency(route);
  if (!consistency.ok()) return context.Error(route.request, consistency.status());
  if (*consistency == ReadConsistency::kStrong) {
    if (absl::Status caught_up = CatchUpDeliveryView(context, context.options.decider->view());
        !caught_up.ok()) {
      return context.Error(route.request, caught_up);
    }
  }
  absl::StatusOr<Decision> decision = context.options.decider->Decide(request);
  if (!decision.ok()) return context.Error(route.request, decision.status());
  absl::StatusOr<std::string> body = DecisionJson(request, *decision);
  if (!body.ok()) return context.Error(route.request, absl::InternalError(body.status().message()));
  const std::string opaque = BodyTagOpaque(*body);
  if (conditional) {
    return ConditionalJson(context, route.request, *std::move(body), opaque, /*weak=*/true,
                           context.options.decide_cache_control);
  }
  Response response = JsonResponse(200, *std::move(body));
  response.headers.Set("ETag", absl::StrCat("W/\"", opaque, "\""));
  response.headers.Set("Cache-Control", context.options.decide_cache_control);
  return response;
}

Response GetDecide(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<DecideRequest> request = RequestFromQuery(route);
  if (!request.ok()) return context.Error(route.request, request.status());
  return Decide(context, route, *request, /*conditional=*/true);
}

Response PostDecide(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<DecideRequest> request = RequestFromBody(route, *body.body);
  if (!request.ok()) return context.Error(route.request, request.status());
  // Conditional headers belong to GET: a POST always gets the decision.
  return Decide(context, route, *request, /*conditional=*/false);
}

}  // namespace

absl::Status AddDecideRoutes(const ApiContext* context, Router* router) {
  if (context->options.decider == nullptr) return absl::OkStatus();
  MARQUEE_RETURN_IF_ERROR(router->Add(
      "GET", "/v1/decide",
      [context](const RouteContext& route) { return GetDecide(*context, route); },
      {"user", "placement", "explain", "attr.*", kConsistencyParam}));
  return router->Add(
      "POST", "/v1/decide",
      [context](const RouteContext& route) { return PostDecide(*context, route); },
      {kConsistencyParam});
}

}  // namespace marquee::http::internal
