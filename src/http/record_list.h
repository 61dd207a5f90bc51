// GET of a collection's list (/v1/segments, /v1/polls): keyset pages of the
// stored records in id order through marquee::Paginator, in both
// directions, with a sparse fieldset.
//
// Query parameters, each at most once (others are refused by the router):
//   limit   1..max_page_size (larger values are clamped); default
//           default_page_size
//   after   a page's "next" cursor; before: a page's "prev" cursor (not both)
//   fields  comma-separated top-level members to return ("name,status");
//           "id" is always there
//   sort    "id" (the default) or one of the route's ListSorts, each a
//           declared index of the collection (ties broken by id); a cursor
//           is bound to its sort
// The answer is {"data":[...],"page":{"next","prev","has_more"}} with a Link
// header of rel="next" and rel="prev" when they exist. Cursors are signed,
// expire after cursor_ttl, and are refused (400) for another collection.
#ifndef MARQUEE_SRC_HTTP_RECORD_LIST_H_
#define MARQUEE_SRC_HTTP_RECORD_LIST_H_

#include <string>
#include <string_view>
#include <vector>

#include "http/api_internal.h"
#include "http/router.h"

namespace marquee::http::internal {

// A `sort` value a list takes and the index that gives that order.
struct ListSort {
  std::string_view name;   // "name"
  std::string_view index;  // "by_name"
};

// The query parameters ListRecords reads, for Router::Add.
std::vector<std::string> RecordListQueryParams();

// One page of `collection`, whose list lives at `path` ("/v1/segments"),
// in id order or one of `sorts`.
Response ListRecords(const ApiContext& context, const RouteContext& route,
                     std::string_view collection, std::string_view path,
                     const std::vector<ListSort>& sorts = {});

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_RECORD_LIST_H_
