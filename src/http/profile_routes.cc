// /v1/profiles/{id}: a user's stored attributes (campaign::ProfileRepository)
// and the user's GDPR rights (privacy.h EraseUser, ExportUser).
//
// Representation: {"id": "u42", "attributes": {...}, "created": "<RFC 3339>",
// "updated": "<RFC 3339>"}; the record version is the strong ETag.
//   GET    /v1/profiles/{id}          ETag; If-None-Match → 304
//   PUT    /v1/profiles/{id}          body {"attributes": {...}} ("id" may be
//                                     given, equal to the path's; "created"
//                                     and "updated" are read-only and
//                                     refused): replaces the attributes, 201
//                                     when the profile was created, else 200.
//                                     If-Match optional (stale → 412);
//                                     If-None-Match: * creates only (412 when
//                                     the profile exists)
//   PATCH  /v1/profiles/{id}          Content-Type application/merge-patch+json
//                                     (RFC 7396) over the representation:
//                                     {"attributes": {"plan": "pro",
//                                     "beta": null}} changes those attributes
//                                     and creates the profile when absent;
//                                     "attributes" must stay an object.
//                                     If-Match optional (stale → 412)
//   DELETE /v1/profiles/{id}          erases EVERYTHING held about the user
//                                     (profile, votes and their tallies,
//                                     sticky buckets): 204, also when nothing
//                                     was held (erasure is idempotent)
//   GET    /v1/profiles/{id}/export   the user's data (ExportUser's document)
// Personal data: every answer is Cache-Control private, no-store.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/conditional.h"
#include "http/text_internal.h"
#include "marquee/campaign/privacy.h"
#include "marquee/campaign/profile.h"
#include "marquee/http/problem.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::Profile;

constexpr std::string_view kProfileCacheControl = "private, no-store";
constexpr std::string_view kMergePatchContentType = "application/merge-patch+json";

Response WithPrivacy(Response response) {
  response.headers.Set("Cache-Control", kProfileCacheControl);
  return response;
}

// Error answers of this file carry no-store too (ProblemResponse sets it).
Response ProfileResponse(const ApiContext& context, const RouteContext& route, int status,
                         const Profile& profile) {
  std::string text;
  JsonWriter writer(&text, {.assert_on_misuse = false});
  writer.BeginObject().Key("id").String(profile.id).Key("attributes").Raw(profile.attributes);
  writer.Key("created").String(
      Rfc3339Utc(profile.created));
  writer.Key("updated").String(
      Rfc3339Utc(profile.updated));
  writer.EndObject();
  if (absl::Status written = writer.Finish(); !written.ok()) {
    return context.Error(route.request, absl::InternalError(written.message()));
  }
  Response response = JsonResponse(status, std::move(text));
  response.headers.Set("ETag", StrongEtag(profile.version));
  return WithPrivacy(std::move(response));
}

Response PreconditionFailed(std::string_view id) {
  return ProblemResponse(MakeProblem(
      412, absl::StrCat("The profile '", Sv(id),
                        "' has changed (or exists): its ETag does not match. Read it again.")));
}

// The version the write must find, from If-Match / If-None-Match: none
// (unconditional), 0 (If-None-Match: *, create only) or the current version
// when If-Match matches it. `existed` tells whether the profile was there.
struct WriteCondition {
  std::optional<uint64_t> expected_version;
  bool existed = false;
  std::optional<Response> refused;
};

WriteCondition ReadWriteCondition(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  WriteCondition out;
  absl::StatusOr<std::optional<EntityTagCondition>> if_match =
      ParseEntityTagCondition(route.request.headers, "If-Match");
  if (!if_match.ok()) return {std::nullopt, false, context.Error(route.request, if_match.status())};
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) {
    return {std::nullopt, false, context.Error(route.request, if_none_match.status())};
  }
  if (if_none_match->has_value() && !(*if_none_match)->any) {
    return {std::nullopt, false,
            ProblemResponse(MakeProblem(400, "If-None-Match: only '*' is supported on writes"))};
  }
  absl::StatusOr<Profile> current = context.options.profiles->Get(id);
  if (!current.ok() && !absl::IsNotFound(current.status())) {
    return {std::nullopt, false, context.Error(route.request, current.status())};
  }
  out.existed = current.ok();
  if (if_match->has_value()) {
    if (!current.ok()) {
      return {std::nullopt, false,
              ProblemResponse(MakeProblem(412, absl::StrCat("No profile '", Sv(id),
                                                            "' matches If-Match.")))};
    }
    if (!MatchesStrong(**if_match, current->version)) {
      return {std::nullopt, false, PreconditionFailed(id)};
    }
    out.expected_version = current->version;
  }
  if (if_none_match->has_value()) {
    if (current.ok()) return {std::nullopt, false, PreconditionFailed(id)};
    out.expected_version = 0;
  }
  return out;
}

// A refused conditional write: stale version or created meanwhile → 412.
Response WriteRefused(const ApiContext& context, const RouteContext& route,
                      const absl::Status& error) {
  if (absl::IsFailedPrecondition(error) || absl::IsAlreadyExists(error)) {
    return PreconditionFailed(route.Param("id"));
  }
  return context.Error(route.request, error);
}

Response GetProfile(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<Profile> profile = context.options.profiles->Get(route.Param("id"));
  if (!profile.ok()) return context.Error(route.request, profile.status());
  absl::StatusOr<std::optional<EntityTagCondition>> if_none_match =
      ParseEntityTagCondition(route.request.headers, "If-None-Match");
  if (!if_none_match.ok()) return context.Error(route.request, if_none_match.status());
  if (if_none_match->has_value() && MatchesWeak(**if_none_match, profile->version)) {
    return NotModified(StrongEtag(profile->version), kProfileCacheControl);
  }
  return ProfileResponse(context, route, 200, *profile);
}

// The "attributes" member of a PUT or PATCH body; the only other member
// allowed is an "id" equal to the path's (PUT only).
absl::StatusOr<std::optional<Json>> AttributesMember(const Json& body, std::string_view path_id,
                                                     bool allow_id) {
  MARQUEE_ASSIGN_OR_RETURN(auto members, ObjectMembers(body));
  std::optional<Json> attributes;
  for (const auto& [name, value] : members) {
    if (name == "attributes") {
      attributes = value;
    } else if (name == "id" && allow_id) {
      absl::StatusOr<Json> expected = Json::FromString(path_id);
      if (!expected.ok() || expected->text() != value.text()) {
        return absl::InvalidArgumentError("id: does not match the id in the path");
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          Sv(std::string_view(name).substr(0, 64)),
          allow_id ? ": not accepted; send {\"attributes\": {...}}"
                   : ": not accepted; patch {\"attributes\": {...}} only"));
    }
  }
  return attributes;
}

Response PutProfile(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<std::optional<Json>> attributes =
      AttributesMember(*body.body, id, /*allow_id=*/true);
  if (!attributes.ok()) return context.Error(route.request, attributes.status());
  if (!attributes->has_value()) {
    return ProblemResponse(MakeProblem(400, "attributes: required (an object)"));
  }
  if (absl::Status valid = campaign::ValidateUserId(id); !valid.ok()) {
    return context.Error(route.request, valid);
  }
  WriteCondition condition = ReadWriteCondition(context, route);
  if (condition.refused.has_value()) return *std::move(condition.refused);
  absl::StatusOr<Profile> stored =
      context.options.profiles->Put(id, **attributes, condition.expected_version);
  if (!stored.ok()) return WriteRefused(context, route, stored.status());
  return ProfileResponse(context, route, condition.existed ? 200 : 201, *stored);
}

Response PatchProfile(const ApiContext& context, const RouteContext& route) {
  const std::string_view id = route.Param("id");
  BodyOrProblem body = ReadJsonBody(context, route.request, kMergePatchContentType);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<std::optional<Json>> patch = AttributesMember(*body.body, id, /*allow_id=*/false);
  if (!patch.ok()) return context.Error(route.request, patch.status());
  if (patch->has_value() && (*patch)->text() == "null") {
    return ProblemResponse(
        MakeProblem(400, "attributes: cannot be removed; set each attribute to null instead"));
  }
  if (absl::Status valid = campaign::ValidateUserId(id); !valid.ok()) {
    return context.Error(route.request, valid);
  }
  WriteCondition condition = ReadWriteCondition(context, route);
  if (condition.refused.has_value()) return *std::move(condition.refused);
  static const Json kEmptyPatch = *Json::Parse("{}");
  absl::StatusOr<Profile> stored = context.options.profiles->Patch(
      id, patch->has_value() ? **patch : kEmptyPatch, condition.expected_version);
  if (!stored.ok()) return WriteRefused(context, route, stored.status());
  return ProfileResponse(context, route, condition.existed ? 200 : 201, *stored);
}

Response EraseProfile(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<campaign::ErasureReport> report =
      campaign::EraseUser(*context.options.store, route.Param("id"));
  if (absl::IsFailedPrecondition(report.status())) {
    // A missing index is the server's set-up, not the request.
    return context.Error(route.request, absl::InternalError(report.status().message()));
  }
  if (!report.ok()) return context.Error(route.request, report.status());
  return WithPrivacy(Response{.status = 204});
}

Response ExportProfile(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<Json> data = campaign::ExportUser(*context.options.store, route.Param("id"));
  if (absl::IsFailedPrecondition(data.status())) {
    return context.Error(route.request, absl::InternalError(data.status().message()));
  }
  if (!data.ok()) return context.Error(route.request, data.status());
  return WithPrivacy(JsonResponse(200, std::string(data->text())));
}

}  // namespace

absl::Status AddProfileRoutes(const ApiContext* context, Router* router) {
  if (context->options.profiles == nullptr) return absl::OkStatus();
  auto bind = [context](Response (*handler)(const ApiContext&, const RouteContext&)) {
    return [context, handler](const RouteContext& route) { return handler(*context, route); };
  };
  MARQUEE_RETURN_IF_ERROR(router->Add("GET", "/v1/profiles/{id}", bind(&GetProfile)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PUT", "/v1/profiles/{id}", bind(&PutProfile)));
  MARQUEE_RETURN_IF_ERROR(router->Add("PATCH", "/v1/profiles/{id}", bind(&PatchProfile)));
  MARQUEE_RETURN_IF_ERROR(router->Add("DELETE", "/v1/profiles/{id}", bind(&EraseProfile)));
  return router->Add("GET", "/v1/profiles/{id}/export", bind(&ExportProfile));
}

}  // namespace marquee::http::internal
