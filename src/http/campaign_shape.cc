#include "http/campaign_shape.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/campaign_body.h"
#include "http/text_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using Members = std::vector<std::pair<std::string, Json>>;

// {"k":v,...} of `members`, keys escaped, values as they are.
absl::StatusOr<Json> ObjectOf(const Members& members) {
  std::string text = "{";
  for (const auto& [key, value] : members) {
    MARQUEE_ASSIGN_OR_RETURN(Json key_json, Json::FromString(key));
    if (text.size() > 1) text.push_back(',');
    absl::StrAppend(&text, Sv(key_json.text()), ":", Sv(value.text()));
  }
  text.push_back('}');
  return Json::Parse(text);
}

}  // namespace

int CampaignApiVersion(const RouteContext& route) {
  const std::vector<std::string>& s = route.target.segments;
  return !s.empty() && s[0] == "v2" ? 2 : 1;
}

absl::StatusOr<ApiViews> CampaignApiViews() {
  ApiViewsBuilder builder(kLatestCampaignApiVersion);
  const std::string collection(campaign::kCampaignsCollection);
  MARQUEE_RETURN_IF_ERROR(builder.RegisterIdentity(collection, 1));
  MARQUEE_RETURN_IF_ERROR(builder.Register(collection, 2, [](const Record& record) {
    absl::StatusOr<Json> v2 = CampaignBodyToV2(record.body);
    // A stored body that cannot be shown is the server's problem.
    if (!v2.ok()) return absl::StatusOr<Json>(absl::InternalError(v2.status().message()));
    return v2;
  }));
  return builder.Build();
}

absl::StatusOr<Json> CampaignBodyToV2(const Json& stored) {
  MARQUEE_ASSIGN_OR_RETURN(Members members, ObjectMembers(stored));
  Members out;
  Members delivery;
  std::optional<size_t> delivery_at;  // where "priority" or "placements" first was
  for (auto& [key, value] : members) {
    if (key == "priority" || key == "placements") {
      if (!delivery_at.has_value()) delivery_at = out.size();
      delivery.emplace_back(std::move(key), std::move(value));
    } else {
      out.emplace_back(std::move(key), std::move(value));
    }
  }
  if (delivery_at.has_value()) {
    MARQUEE_ASSIGN_OR_RETURN(Json grouped, ObjectOf(delivery));
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(*delivery_at),
               {std::string("delivery"), std::move(grouped)});
  }
  return ObjectOf(out);
}

absl::StatusOr<Json> CampaignBodyFromV2(const Json& v2) {
  MARQUEE_ASSIGN_OR_RETURN(Members members, ObjectMembers(v2));
  Members out;
  for (auto& [key, value] : members) {
    if (key == "priority" || key == "placements") {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": a v1 member; /v2 takes delivery.", key));
    }
    if (key != "delivery") {
      out.emplace_back(std::move(key), std::move(value));
      continue;
    }
    if (value.text().empty() || value.text().front() != '{') {
      return absl::InvalidArgumentError("delivery: must be an object");
    }
    MARQUEE_ASSIGN_OR_RETURN(Members grouped, ObjectMembers(value));
    for (auto& [inner, inner_value] : grouped) {
      if (inner != "priority" && inner != "placements") {
        return absl::InvalidArgumentError(
            absl::StrCat("delivery.", inner.substr(0, 64), ": unknown member"));
      }
      out.emplace_back(std::move(inner), std::move(inner_value));
    }
  }
  return ObjectOf(out);
}

}  // namespace marquee::http::internal
