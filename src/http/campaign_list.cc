// GET /v1/campaigns (and /v2, in its shape): keyset pages of the stored
// campaigns through marquee::Paginator, {"data":[...],"page":{"next","prev",
// "has_more"}} and a Link header (rel="next", rel="prev").
//
// Query parameters, each at most once; any other name is a 400 (the router
// checks), so a typo ("stauts=live") never silently lists everything:
//   limit   1..max_page_size, decimal; larger values are clamped (design:
//           "limits are clamped"); default default_page_size
//   status  draft | scheduled | live | paused | ended
//   sort    id | -priority (highest first, then by id); default: -priority
//           with a status, id without (the "by_status", "by_priority"
//           indexes and the id order)
//   fields  comma-separated top-level members of the representation to
//           return (of the version's shape: "delivery" on /v2); id always
//   after   a page's "next" cursor; before: a page's "prev" cursor (not
//           both), for the same status and sort (cursors are signed, expire
//           after cursor_ttl, and are bound to their filter and sort)
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/campaign_body.h"
#include "http/campaign_shape.h"
#include "http/list_fields.h"
#include "http/text_internal.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/collections.h"
#include "marquee/http/problem.h"
#include "marquee/json_writer.h"
#include "marquee/page.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::CampaignStatus;

struct ListQuery {
  size_t limit = 0;
  std::optional<CampaignStatus> status{};
  std::string sort{};  // "", "id" or "-priority"
  std::vector<std::string> fields{};
  std::string after{};
  std::string before{};
};

absl::StatusOr<ListQuery> ParseListQuery(const ApiOptions& options, const Target& target) {
  ListQuery query{.limit = options.default_page_size};
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : target.query) {
    for (std::string_view s : seen) {
      if (s == name) {
        return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": given more than once"));
      }
    }
    seen.push_back(name);
    if (name == "limit") {
      MARQUEE_ASSIGN_OR_RETURN(query.limit, ParsePageLimit(value, options));
    } else if (name == "status") {
      MARQUEE_ASSIGN_OR_RETURN(query.status, campaign::ParseCampaignStatus(value));
    } else if (name == "sort") {
      if (value != "id" && value != "-priority") {
        return absl::InvalidArgumentError("sort: expected id or -priority");
      }
      query.sort = value;
    } else if (name == "fields") {
      MARQUEE_ASSIGN_OR_RETURN(query.fields, ParseFieldsParam(value));
    } else if (name == "after" || name == "before") {
      if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": empty cursor"));
      (name == "after" ? query.after : query.before) = value;
    }  // the router refused every other name
  }
  if (!query.after.empty() && !query.before.empty()) {
    return absl::InvalidArgumentError("after and before: give at most one");
  }
  return query;
}

// The index of the query's order: "" is the id order.
std::string IndexOf(const ListQuery& query) {
  const bool by_priority = query.sort == "-priority" || (query.sort.empty() && query.status);
  if (!by_priority) return "";
  return std::string(query.status ? campaign::kCampaignsByStatusIndex
                                  : campaign::kCampaignsByPriorityIndex);
}

std::string PageLink(int api_version, const ListQuery& query, std::string_view direction,
                     std::string_view cursor) {
  std::string link = absl::StrCat("/v", api_version, "/campaigns?limit=", query.limit);
  if (query.status.has_value()) {
    absl::StrAppend(&link, "&status=", Sv(campaign::CampaignStatusName(*query.status)));
  }
  if (!query.sort.empty()) absl::StrAppend(&link, "&sort=", Sv(EncodeQueryComponent(query.sort)));
  for (size_t i = 0; i < query.fields.size(); ++i) {
    absl::StrAppend(&link, i == 0 ? "&fields=" : ",", query.fields[i]);
  }
  absl::StrAppend(&link, "&", Sv(direction), "=", Sv(EncodeQueryComponent(cursor)));
  return link;
}

void WriteCursor(JsonWriter& writer, const std::optional<std::string>& cursor) {
  if (cursor.has_value()) {
    writer.String(*cursor);
  } else {
    writer.Null();
  }
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
  PageRequest request{.collection = std::string(campaign::kCampaignsCollection),
                      .index = IndexOf(*query),
                      .limit = query->limit,
                      .after = query->after,
                      .before = query->before};
  if (query->status) {
    request.filter.all_of.push_back(
        {.pointer = "/status",
         .operands = {IndexValue::String(std::string(campaign::CampaignStatusName(*query->status)))}});
  }
  absl::StatusOr<Page> page = context.paginator->Fetch(request);
  if (!page.ok()) {
    // A refused cursor is the client's; anything else is the store's.
    if (absl::IsInvalidArgument(page.status())) {
      return context.Error(route.request,
                           absl::InvalidArgumentError(absl::StrCat(
                               query->before.empty() ? "after: " : "before: ",
                               page.status().message())));
    }
    return context.Error(route.request, page.status());
  }
  const int api_version = CampaignApiVersion(route);
  std::string body = R"({"data":[)";
  for (size_t i = 0; i < page->items.size(); ++i) {
    const Record& record = page->items[i];
    absl::StatusOr<campaign::Campaign> c = campaign::CampaignFromJson(record.id, record.body);
    if (!c.ok()) {
      return context.Error(route.request, absl::DataLossError(absl::StrCat(
                                              "campaign ", record.id, ": ", c.status().message())));
    }
    c->version = record.version;
    absl::StatusOr<std::string> item = CampaignRepresentation(*c, context.campaign_views, api_version);
    if (item.ok() && !query->fields.empty()) item = ProjectMembers(*item, query->fields);
    if (!item.ok()) return context.Error(route.request, absl::InternalError(item.status().message()));
    absl::StrAppend(&body, i == 0 ? "" : ",", *item);
  }
  body += R"(],"page":)";
  JsonWriter writer(&body, {.assert_on_misuse = false});
  writer.BeginObject().Key("next");
  WriteCursor(writer, page->next);
  writer.Key("prev");
  WriteCursor(writer, page->prev);
  writer.Key("has_more").Bool(page->has_more).EndObject();
  if (absl::Status written = writer.Finish(); !written.ok()) {
    return context.Error(route.request, absl::InternalError(written.message()));
  }
  body.push_back('}');
  Response response = JsonResponse(200, std::move(body));
  response.headers.Set("Cache-Control", context.options.campaign_cache_control);
  std::string link;
  if (page->next.has_value()) {
    link = absl::StrCat("<", PageLink(api_version, *query, "after", *page->next), ">; rel=\"next\"");
  }
  if (page->prev.has_value()) {
    absl::StrAppend(&link, link.empty() ? "" : ", ", "<",
                    PageLink(api_version, *query, "before", *page->prev), ">; rel=\"prev\"");
  }
  if (!link.empty()) response.headers.Set("Link", link);
  return response;
}

}  // namespace marquee::http::internal
