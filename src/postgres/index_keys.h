// The sortable keys a PostgresStore writes beside each record.
//
// Why bytea keys computed in C++ rather than SQL expressions over the body:
// Marquee's index order (marquee/index.h) is by JSON type first (missing <
// null < false < true < numbers < strings < arrays < objects), numbers as
// IEEE doubles, strings and container texts by bytes. jsonb's own order
// differs (it puts arrays and objects elsewhere, compares numbers as
// numeric, so 1e400 is not infinity, and compares objects by their jsonb
// form), and text comparisons follow a collation unless every expression is
// forced to "C". The MemoryStore's order-preserving encoding
// (src/internal/index_key.h) already turns a row into bytes whose memcmp
// order is the index order, direction and id tie-breaker included;
// PostgreSQL compares bytea with memcmp. Storing that encoding makes both
// backends order rows identically by construction, and turns every Scan
// (prefix, bounds, after/before) into a range over one btree column, the
// same key range the MemoryStore computes (internal/scan_range.h).
#ifndef MARQUEE_SRC_POSTGRES_INDEX_KEYS_H_
#define MARQUEE_SRC_POSTGRES_INDEX_KEYS_H_

#include <string>
#include <string_view>
#include <vector>

#include "marquee/index.h"
#include "marquee/json.h"

namespace marquee::postgres::internal {

// The key of the id order (the records table's id_key).
std::string IdKey(std::string_view id);

// The values of the index's fields in `body` (Missing when absent).
std::vector<IndexValue> IndexValuesOf(const IndexSpec& spec, const Json& body);

// The key of a record in an index: its field values, then its id.
std::string IndexKeyOf(const IndexSpec& spec, const Json& body, std::string_view id);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_INDEX_KEYS_H_
