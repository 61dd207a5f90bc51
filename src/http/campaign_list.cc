// GET /v1/campaigns (and /v2, in its shape): query parameters → CampaignRepository::List → a page
// {"data":[...],"page":{"next","prev","has_more"}} and a Link header.
//
// Query parameters, each at most once; any other name is a 400 (the router
// checks), so a typo ("stauts=live") never silently lists everything:
//   limit   1..max_page_size, decimal; larger values are clamped (design:
//           "limits are clamped"); default default_page_size
//   status  draft | scheduled | live | paused | ended
//   after   a previous page's "next" cursor, for the same status filter
// "prev" is always null: the repository walks forward only.
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/campaign_shape.h"
#include "http/text_internal.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/http/problem.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::CampaignStatus;

struct ListQuery {
  size_t limit = 0;
  std::optional<CampaignStatus> status{};
  std::string after{};
};

absl::StatusOr<ListQuery> ParseListQuery(const ApiOptions& options, const Target& target) {
  ListQuery query{.limit = options.default_page_size};
  bool seen_limit = false;
  bool seen_status = false;
  bool seen_after = false;
  auto once = [](bool* seen, std::string_view name) -> absl::Status {
    if (*seen) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": given more than once"));
    }
    *seen = true;
    return absl::OkStatus();
  };
  for (const auto& [name, value] : target.query) {
    if (name == "limit") {
      MARQUEE_RETURN_IF_ERROR(once(&seen_limit, name));
      MARQUEE_ASSIGN_OR_RETURN(query.limit, ParsePageLimit(value, options));
    } else if (name == "status") {
      MARQUEE_RETURN_IF_ERROR(once(&seen_status, name));
      MARQUEE_ASSIGN_OR_RETURN(query.status, campaign::ParseCampaignStatus(value));
    } else if (name == "after") {
      MARQUEE_RETURN_IF_ERROR(once(&seen_after, name));
      if (value.empty()) return absl::InvalidArgumentError("after: empty cursor");
      query.after = value;
    }  // the router refused every other name
  }
  return query;
}

std::string NextLink(int api_version, const ListQuery& query, std::string_view cursor) {
  std::string link = absl::StrCat("/v", api_version, "/campaigns?limit=", query.limit);
  if (query.status.has_value()) {
    absl::StrAppend(&link, "&status=", Sv(campaign::CampaignStatusName(*query.status)));
  }
  absl::StrAppend(&link, "&after=", Sv(EncodeQueryComponent(cursor)));
  return link;
}

}  // namespace

absl::StatusOr<size_t> ParsePageLimit(std::string_view text, const ApiOptions& options) {
  size_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  const bool digits_only = !text.empty() && text.front() != '-' && text.front() != '+';
  if (ec == std::errc::result_out_of_range && digits_only && ptr == end) {
    return options.max_page_size;  // a huge number is clamped like any other
  }
  if (ec != std::errc() || ptr != end || !digits_only || value == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be a whole number from 1 to ", options.max_page_size));
  }
  return value > options.max_page_size ? options.max_page_size : value;
}

Response ListCampaigns(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<ListQuery> query = ParseListQuery(context.options, route.target);
  if (!query.ok()) return context.Error(route.request, query.status());
  campaign::CampaignListRequest request{.status = query->status, .limit = query->limit};
  if (!query->after.empty()) {
    absl::StatusOr<ScanPosition> after =
        context.cursors.DecodeCampaigns(query->status, query->after);
    if (!after.ok()) {
      return context.Error(route.request, absl::InvalidArgumentError(
                                              absl::StrCat("after: ", after.status().message())));
    }
    request.after = *std::move(after);
  }
  absl::StatusOr<campaign::CampaignPage> page = context.options.campaigns->List(request);
  if (!page.ok()) return context.Error(route.request, page.status());

  std::optional<std::string> next;
  if (page->next.has_value()) {
    absl::StatusOr<std::string> cursor =
        context.cursors.EncodeCampaigns(query->status, *page->next);
    if (!cursor.ok())
      return context.Error(route.request, absl::InternalError(cursor.status().message()));
    next = *std::move(cursor);
  }
  std::string body = R"({"data":[)";
  for (size_t i = 0; i < page->campaigns.size(); ++i) {
    absl::StatusOr<std::string> item = CampaignRepresentation(
        page->campaigns[i], context.campaign_views, CampaignApiVersion(route));
    if (!item.ok())
      return context.Error(route.request, absl::InternalError(item.status().message()));
    absl::StrAppend(&body, i == 0 ? "" : ",", *item);
  }
  body += R"(],"page":)";
  JsonWriter writer(&body, {.assert_on_misuse = false});
  writer.BeginObject().Key("next");
  if (next.has_value()) {
    writer.String(*next);
  } else {
    writer.Null();
  }
  writer.Key("prev").Null().Key("has_more").Bool(next.has_value()).EndObject();
  if (absl::Status written = writer.Finish(); !written.ok()) {
    return context.Error(route.request, absl::InternalError(written.message()));
  }
  body.push_back('}');
  Response response = JsonResponse(200, std::move(body));
  response.headers.Set("Cache-Control", context.options.campaign_cache_control);
  if (next.has_value()) {
    response.headers.Set("Link", absl::StrCat("<", NextLink(CampaignApiVersion(route), *query, *next),
                                              ">; rel=\"next\""));
  }
  return response;
}

}  // namespace marquee::http::internal
