// GET of a collection's list (/v1/campaigns, /v1/segments, /v1/polls,
// /v1/features?view=list): keyset pages of the stored records through
// marquee::Paginator, in both directions, with filters, a sort and a sparse
// fieldset. Each route describes its list with a ListSpec; the query
// parsing, the page body and the Link header are shared.
//
// Query parameters, each at most once (others are refused by the router,
// so a typo never silently lists everything):
//   limit   1..max_page_size (larger values are clamped); default
//           default_page_size
//   after   a page's "next" cursor; before: a page's "prev" cursor (not both)
//   fields  comma-separated top-level members to return ("name,status");
//           "id" is always there
//   sort    "id" or one of the spec's ListSorts, each a declared index of
//           the collection (ties broken by id)
//   <filter> each of the spec's ListFilters
// A cursor is bound to its sort and filters (the Paginator signs their
// fingerprints into it): continuing with other ones is a 400.
// The answer is {"data":[...],"page":{"next","prev","has_more"}} with a Link
// header of rel="next" and rel="prev" when they exist, whose targets repeat
// the effective limit, the filters, the sort and the fields.
#ifndef MARQUEE_SRC_HTTP_RECORD_LIST_H_
#define MARQUEE_SRC_HTTP_RECORD_LIST_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "http/api_internal.h"
#include "http/router.h"
#include "marquee/index.h"
#include "marquee/record.h"

namespace marquee::http::internal {

// A `sort` value a list takes and the index that gives that order.
struct ListSort {
  std::string_view name;   // "name", "-priority"
  std::string_view index;  // "by_name"
  // An index giving the same order within one value of the filter
  // `narrowed_by` ("by_status": /status, then the order), used when that
  // filter is given: the filter becomes an index range instead of a scan.
  std::string_view narrowed_by = {};
  std::string_view narrowed_index = {};
};

// How a filter's query value becomes a predicate operand.
enum class ListValueKind {
  kString,   // 1..512 bytes of UTF-8, as given
  kInstant,  // RFC 3339 ("2026-05-01T00:00:00Z"), compared in the stored
             // form, UTC with "Z" (see poll.h for the stored instants)
};

// A query parameter that filters the list: rows whose body at `pointer`
// satisfies `op` with the parameter's value.
struct ListFilter {
  std::string_view param;    // "status"
  std::string_view pointer;  // "/status"
  PredicateOp op = PredicateOp::kEq;
  ListValueKind kind = ListValueKind::kString;
  // The values accepted; empty: any of `kind`.
  std::vector<std::string_view> allowed = {};
};

// An item of the page from its record; the default is the stored body with
// its "id" member first.
using ListItemRenderer = std::function<absl::StatusOr<std::string>(const Record&)>;

struct ListSpec {
  std::string_view collection;  // "segments"
  std::string_view path;        // "/v1/segments", for the Link header
  std::vector<ListSort> sorts = {};      // besides "id"
  std::vector<ListFilter> filters = {};
  // The sort when the query names none: "id", or `sort_when_narrowed` when
  // one of the filters named by a sort's `narrowed_by` is given.
  std::string_view sort_when_narrowed = {};
  // Set: items are rendered by it and `fields` picks members of the
  // rendered item; unset: the Paginator projects the stored body.
  ListItemRenderer render = {};
  // Query parameters taken besides the spec's (e.g. "view").
  std::vector<std::string> extra_params = {};
};

// The query parameters ListRecords reads for `spec`, for Router::Add.
std::vector<std::string> ListQueryParams(const ListSpec& spec);

// One page of the list `spec` describes.
Response ListRecords(const ApiContext& context, const RouteContext& route, const ListSpec& spec);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_RECORD_LIST_H_
