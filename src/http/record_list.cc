#include "http/record_list.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "http/campaign_body.h"
#include "http/list_fields.h"
#include "http/text_internal.h"
#include "marquee/json_writer.h"
#include "marquee/page.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

// Longest value a string filter takes: ids and names are at most 512 bytes.
constexpr size_t kMaxFilterValueBytes = 512;

struct GivenFilter {
  const ListFilter* filter;
  std::string value;  // as given (for the Link header)
  IndexValue operand;
};

struct ListQuery {
  size_t limit = 0;
  std::string sort{};  // as given; "" when absent
  std::string after{};
  std::string before{};
  std::vector<std::string> fields{};  // member names, not pointers
  std::vector<GivenFilter> filters{};  // in the spec's order
};

absl::StatusOr<IndexValue> FilterOperand(const ListFilter& filter, std::string_view value) {
  const std::string name(filter.param);
  if (!filter.allowed.empty()) {
    if (std::find(filter.allowed.begin(), filter.allowed.end(), value) == filter.allowed.end()) {
      std::string expected;
      for (std::string_view a : filter.allowed) {
        absl::StrAppend(&expected, expected.empty() ? "" : ", ", Sv(a));
      }
      return absl::InvalidArgumentError(absl::StrCat(name, ": expected one of ", expected));
    }
    return IndexValue::String(std::string(value));
  }
  switch (filter.kind) {
    case ListValueKind::kString:
      if (value.empty() || value.size() > kMaxFilterValueBytes || !IsValidUtf8(value)) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": must be 1 to ", kMaxFilterValueBytes, " bytes of UTF-8"));
      }
      return IndexValue::String(std::string(value));
    case ListValueKind::kInstant: {
      absl::Time t;
      std::string error;
      if (value.size() > 64 || !absl::ParseTime(absl::RFC3339_full, std::string(value), &t, &error)) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": must be an RFC 3339 date-time such as 2026-05-01T00:00:00Z"));
      }
      return IndexValue::String(Rfc3339Utc(t));
    }
  }
  return absl::InternalError("unknown filter kind");
}

absl::StatusOr<ListQuery> ParseQuery(const ApiOptions& options, const ListSpec& spec,
                                     const Target& target) {
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
    }  // filters below; the router refused every other name
  }
  if (!query.after.empty() && !query.before.empty()) {
    return absl::InvalidArgumentError("after and before: give at most one");
  }
  for (const ListFilter& filter : spec.filters) {
    auto given = std::find_if(target.query.begin(), target.query.end(),
                              [&](const auto& param) { return param.first == filter.param; });
    if (given == target.query.end()) continue;
    MARQUEE_ASSIGN_OR_RETURN(IndexValue operand, FilterOperand(filter, given->second));
    query.filters.push_back(
        {.filter = &filter, .value = std::string(given->second), .operand = std::move(operand)});
  }
  return query;
}

bool Narrowed(const ListQuery& query, std::string_view param) {
  return std::any_of(query.filters.begin(), query.filters.end(),
                     [&](const GivenFilter& f) { return f.filter->param == param; });
}

// The index of the query's order ("" is the id order), or a 400 for an
// unknown sort.
absl::StatusOr<std::string> IndexOf(const ListSpec& spec, const ListQuery& query) {
  std::string_view sort = query.sort;
  if (sort.empty()) {
    sort = "id";
    for (const ListSort& s : spec.sorts) {
      if (!spec.sort_when_narrowed.empty() && !s.narrowed_by.empty() && Narrowed(query, s.narrowed_by)) {
        sort = spec.sort_when_narrowed;
      }
    }
  }
  if (sort == "id") return std::string();
  auto found = std::find_if(spec.sorts.begin(), spec.sorts.end(),
                            [&](const ListSort& s) { return s.name == sort; });
  if (found == spec.sorts.end()) {
    std::string known = "id";
    for (const ListSort& s : spec.sorts) absl::StrAppend(&known, ", ", Sv(s.name));
    return absl::InvalidArgumentError(absl::StrCat("sort: expected one of ", known));
  }
  if (!found->narrowed_by.empty() && Narrowed(query, found->narrowed_by)) {
    return std::string(found->narrowed_index);
  }
  return std::string(found->index);
}

std::string PageLink(const ListSpec& spec, const ListQuery& query, std::string_view direction,
                     std::string_view cursor) {
  std::string link = absl::StrCat(Sv(spec.path), "?limit=", query.limit);
  for (const std::string& param : spec.extra_params) {
    // Extra parameters select the representation ("view=list"): repeat them.
    absl::StrAppend(&link, "&", param);
  }
  for (const GivenFilter& f : query.filters) {
    absl::StrAppend(&link, "&", Sv(f.filter->param), "=", Sv(EncodeQueryComponent(f.value)));
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

absl::StatusOr<std::string> RenderItem(const ListSpec& spec, const ListQuery& query,
                                       const Record& record) {
  if (!spec.render) return WithIdMember(record.id, record.body);
  MARQUEE_ASSIGN_OR_RETURN(std::string item, spec.render(record));
  if (query.fields.empty()) return item;
  return ProjectMembers(item, query.fields);
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

std::vector<std::string> ListQueryParams(const ListSpec& spec) {
  std::vector<std::string> params = {"limit", "after", "before", "fields", "sort"};
  for (const ListFilter& filter : spec.filters) params.emplace_back(filter.param);
  for (const std::string& extra : spec.extra_params) {
    params.push_back(extra.substr(0, extra.find('=')));
  }
  return params;
}

Response ListRecords(const ApiContext& context, const RouteContext& route, const ListSpec& spec) {
  absl::StatusOr<ListQuery> query = ParseQuery(context.options, spec, route.target);
  if (!query.ok()) return context.Error(route.request, query.status());
  absl::StatusOr<std::string> index = IndexOf(spec, *query);
  if (!index.ok()) return context.Error(route.request, index.status());
  PageRequest request{.collection = std::string(spec.collection),
                      .index = *std::move(index),
                      .limit = query->limit,
                      .after = query->after,
                      .before = query->before};
  for (const GivenFilter& f : query->filters) {
    request.filter.all_of.push_back(
        {.pointer = std::string(f.filter->pointer), .op = f.filter->op, .operands = {f.operand}});
  }
  if (!spec.render) {
    for (const std::string& name : query->fields) request.fields.push_back("/" + name);
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
  std::string body = R"({"data":[)";
  for (size_t i = 0; i < page->items.size(); ++i) {
    absl::StatusOr<std::string> item = RenderItem(spec, *query, page->items[i]);
    if (!item.ok()) {
      // Stored records that no longer read are the server's problem.
      return context.Error(route.request,
                           absl::InternalError(absl::StrCat(Sv(spec.collection), " ",
                                                            page->items[i].id, ": ",
                                                            item.status().message())));
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
    link = absl::StrCat("<", PageLink(spec, *query, "after", *page->next), ">; rel=\"next\"");
  }
  if (page->prev.has_value()) {
    absl::StrAppend(&link, link.empty() ? "" : ", ", "<",
                    PageLink(spec, *query, "before", *page->prev), ">; rel=\"prev\"");
  }
  if (!link.empty()) response.headers.Set("Link", link);
  return response;
}

}  // namespace marquee::http::internal
