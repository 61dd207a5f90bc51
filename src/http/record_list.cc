#include "http/record_list.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "http/campaign_body.h"
#include "http/list_fields.h"
#include "http/text_internal.h"
#include "marquee/json_writer.h"
#include "marquee/page.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

struct ListQuery {
  size_t limit = 0;
  std::string sort{};  // "" or "id": id order
  std::string after{};
  std::string before{};
  std::vector<std::string> fields{};  // member names, not pointers
};

absl::StatusOr<ListQuery> ParseQuery(const ApiOptions& options, const Target& target) {
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
    } else if (name == "after" || name == "before") {
      if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": empty cursor"));
      (name == "after" ? query.after : query.before) = value;
    } else if (name == "fields") {
      MARQUEE_ASSIGN_OR_RETURN(query.fields, ParseFieldsParam(value));
    } else if (name == "sort") {
      query.sort = value;
    }  // the router refused every other name
  }
  if (!query.after.empty() && !query.before.empty()) {
    return absl::InvalidArgumentError("after and before: give at most one");
  }
  return query;
}

std::string PageLink(std::string_view path, const ListQuery& query, std::string_view direction,
                     std::string_view cursor) {
  std::string link = absl::StrCat(Sv(path), "?limit=", query.limit);
  if (!query.sort.empty()) absl::StrAppend(&link, "&sort=", Sv(EncodeQueryComponent(query.sort)));
  if (!query.fields.empty()) {
    absl::StrAppend(&link, "&fields=");
    for (size_t i = 0; i < query.fields.size(); ++i) {
      absl::StrAppend(&link, i == 0 ? "" : ",", query.fields[i]);
    }
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

std::vector<std::string> RecordListQueryParams() {
  return {"limit", "after", "before", "fields", "sort"};
}

Response ListRecords(const ApiContext& context, const RouteContext& route,
                     std::string_view collection, std::string_view path,
                     const std::vector<ListSort>& sorts) {
  absl::StatusOr<ListQuery> query = ParseQuery(context.options, route.target);
  if (!query.ok()) return context.Error(route.request, query.status());
  std::string index;  // id order
  if (!query->sort.empty() && query->sort != "id") {
    auto sort = std::find_if(sorts.begin(), sorts.end(),
                             [&](const ListSort& s) { return s.name == query->sort; });
    if (sort == sorts.end()) {
      std::string known = "id";
      for (const ListSort& s : sorts) absl::StrAppend(&known, ", ", Sv(s.name));
      return context.Error(route.request, absl::InvalidArgumentError(absl::StrCat(
                                              "sort: expected one of ", known)));
    }
    index = std::string(sort->index);
  }
  PageRequest request{.collection = std::string(collection),
                      .index = std::move(index),
                      .limit = query->limit,
                      .after = query->after,
                      .before = query->before};
  for (const std::string& name : query->fields) request.fields.push_back("/" + name);
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
  std::string body = R"({"data":[)";
  for (size_t i = 0; i < page->items.size(); ++i) {
    absl::StatusOr<std::string> item = WithIdMember(page->items[i].id, page->items[i].body);
    if (!item.ok()) {
      return context.Error(route.request, absl::InternalError(item.status().message()));
    }
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
    link = absl::StrCat("<", PageLink(path, *query, "after", *page->next), ">; rel=\"next\"");
  }
  if (page->prev.has_value()) {
    absl::StrAppend(&link, link.empty() ? "" : ", ", "<",
                    PageLink(path, *query, "before", *page->prev), ">; rel=\"prev\"");
  }
  if (!link.empty()) response.headers.Set("Link", link);
  return response;
}

}  // namespace marquee::http::internal
