// Resource representations: splitting "id" off a request body, and
// putting it in front of a stored body; the campaign's on top of them.
#include "http/campaign_body.h"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/campaign_shape.h"
#include "http/text_internal.h"
#include "marquee/campaign/collections.h"

namespace marquee::http::internal {
namespace {

namespace od = simdjson::ondemand;

absl::Status BodyError(simdjson::error_code e) {
  // The body was validated by Json::Parse, so this is about its shape.
  if (e == simdjson::INCORRECT_TYPE) {
    return absl::InvalidArgumentError("body: must be a JSON object");
  }
  return absl::InvalidArgumentError(absl::StrCat("body: ", simdjson::error_message(e)));
}

// The text of `v` as it appears in the (minified) document.
simdjson::error_code RawText(od::value v, std::string_view* out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == od::json_type::object) {
    od::object o;
    if (auto e = v.get_object().get(o)) return e;
    return o.raw_json().get(*out);
  }
  if (type == od::json_type::array) {
    od::array a;
    if (auto e = v.get_array().get(a)) return e;
    return a.raw_json().get(*out);
  }
  *out = v.raw_json_token();
  while (!out->empty() && (out->back() == ' ' || out->back() == '\n' || out->back() == '\r' ||
                           out->back() == '\t')) {
    out->remove_suffix(1);
  }
  return simdjson::SUCCESS;
}

}  // namespace

absl::StatusOr<IdAndBody> SplitIdMember(const Json& body,
                                        std::optional<std::string_view> path_id) {
  od::parser parser;
  const std::string& bytes = body.padded_bytes();
  od::document doc;
  if (auto e = parser.iterate(bytes.data(), bytes.size(), bytes.capacity()).get(doc)) {
    return BodyError(e);
  }
  od::object top;
  if (auto e = doc.get_object().get(top)) return BodyError(e);
  std::optional<std::string> id;
  std::string rest = "{";
  for (auto field : top) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return BodyError(e);
    od::value member;
    if (auto e = field.value().get(member)) return BodyError(e);
    if (key == "id") {
      if (id.has_value()) return absl::InvalidArgumentError("id: given more than once");
      std::string_view text;
      if (member.get_string().get(text) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("id: must be a string");
      }
      id = std::string(text);
      continue;
    }
    // The key came out of a validated document, so it is UTF-8 and
    // FromString cannot fail.
    absl::StatusOr<Json> key_json = Json::FromString(key);
    if (!key_json.ok()) return key_json.status();
    std::string_view value;
    if (auto e = RawText(member, &value)) return BodyError(e);
    absl::StrAppend(&rest, rest.size() > 1 ? "," : "", Sv(key_json->text()), ":", Sv(value));
  }
  rest.push_back('}');
  if (!id.has_value()) {
    if (!path_id.has_value()) return absl::InvalidArgumentError("id: required");
    id = std::string(*path_id);
  } else if (path_id.has_value() && *id != *path_id) {
    return absl::InvalidArgumentError("id: does not match the id in the path");
  }
  // The nesting is the body's own, already within the caller's limits.
  absl::StatusOr<Json> members = Json::Parse(rest);
  if (!members.ok()) return members.status();
  return IdAndBody{*std::move(id), *std::move(members)};
}

absl::StatusOr<std::vector<std::pair<std::string, Json>>> ObjectMembers(const Json& body) {
  od::parser parser;
  const std::string& bytes = body.padded_bytes();
  od::document doc;
  if (auto e = parser.iterate(bytes.data(), bytes.size(), bytes.capacity()).get(doc)) {
    return BodyError(e);
  }
  od::object top;
  if (auto e = doc.get_object().get(top)) return BodyError(e);
  std::vector<std::pair<std::string, Json>> members;
  for (auto field : top) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return BodyError(e);
    od::value member;
    if (auto e = field.value().get(member)) return BodyError(e);
    std::string_view value;
    if (auto e = RawText(member, &value)) return BodyError(e);
    for (const auto& [seen, unused] : members) {
      if (seen == key) {
        return absl::InvalidArgumentError(
            absl::StrCat(Sv(key.substr(0, 64)), ": given more than once"));
      }
    }
    // A member of a validated document is valid JSON, within its limits.
    absl::StatusOr<Json> json = Json::Parse(value);
    if (!json.ok()) return json.status();
    members.emplace_back(std::string(key), *std::move(json));
  }
  return members;
}

absl::StatusOr<std::string> WithIdMember(std::string_view id, const Json& body) {
  absl::StatusOr<Json> id_json = Json::FromString(id);
  if (!id_json.ok()) return id_json.status();
  std::string_view members = body.text();  // "{...}", minified
  std::string out = absl::StrCat(R"({"id":)", Sv(id_json->text()));
  if (members.size() > 2)
    absl::StrAppend(&out, ",", Sv(members.substr(1)));
  else
    out.push_back('}');
  return out;
}

absl::Status CheckAddressable(std::string_view id) {
  if (id.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError("id: '/' is not allowed in an id created over HTTP");
  }
  if (id == "." || id == "..") {
    return absl::InvalidArgumentError("id: '.' and '..' are not allowed as ids over HTTP");
  }
  return absl::OkStatus();
}

absl::StatusOr<campaign::Campaign> CampaignFromRequestBody(
    const Json& body, std::optional<std::string_view> path_id) {
  absl::StatusOr<IdAndBody> split = SplitIdMember(body, path_id);
  if (!split.ok()) return split.status();
  return campaign::CampaignFromJson(split->id, split->body);
}

absl::StatusOr<std::string> CampaignRepresentation(const campaign::Campaign& campaign) {
  absl::StatusOr<Json> body = campaign::CampaignToJson(campaign);
  if (!body.ok()) return body.status();
  return WithIdMember(campaign.id, *body);
}

}  // namespace marquee::http::internal

namespace marquee::http::internal {

absl::StatusOr<std::string> CampaignRepresentation(const campaign::Campaign& campaign,
                                                   const ApiViews& views, int api_version) {
  absl::StatusOr<Json> body = campaign::CampaignToJson(campaign);
  if (!body.ok()) return body.status();
  const Record record{.collection = std::string(campaign::kCampaignsCollection),
                      .id = campaign.id,
                      .version = campaign.version,
                      .body = *std::move(body)};
  absl::StatusOr<Json> shaped = views.Render(record, api_version);
  if (!shaped.ok()) return shaped.status();
  return WithIdMember(campaign.id, *shaped);
}

absl::StatusOr<campaign::Campaign> CampaignFromVersionedBody(
    const Json& body, std::optional<std::string_view> path_id, int api_version) {
  if (api_version < 2) return CampaignFromRequestBody(body, path_id);
  absl::StatusOr<Json> stored = CampaignBodyFromV2(body);
  if (!stored.ok()) return stored.status();
  return CampaignFromRequestBody(*stored, path_id);
}

}  // namespace marquee::http::internal
