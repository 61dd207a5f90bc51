// PostgresStore::Scan: the MemoryStore's key range (internal/scan_range.h)
// as a range over one bytea btree column (index_keys.h says why), read in
// chunks in key order (descending for a backward scan) with a LIMIT one
// past what the page may still examine, so `more` is known without a count.
// The residual filter runs here, on each row read, exactly as in the
// MemoryStore; chunks continue strictly after the last key examined
// (keyset, never OFFSET). A chunk is also cut once its bodies reach a byte
// budget (bounded_chunk.h); the scan then reads on after the last row sent.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/scan_range.h"
#include "marquee/status.h"
#include "postgres/bounded_chunk.h"
#include "postgres/index_keys.h"
#include "postgres/postgres_store_impl.h"
#include "postgres/record_row.h"

namespace marquee::postgres::internal {
namespace {

using marquee::internal::KeyBound;
using marquee::internal::KeyRange;

// Rows read per query at most (bodies are also bounded: bounded_chunk.h).
constexpr size_t kChunkRows = 500;
// The column of ChunkSql's result that holds the rows before the byte cut:
// after the key and RecordColumns' six.
constexpr int kChunkRowsColumn = 7;

std::string ChunkSql(const CollectionInfo& info, const std::string& column, const KeyRange& range,
                     bool backward) {
  std::vector<std::string> conditions;
  int param = 1;
  if (range.lower) {
    conditions.push_back(
        absl::StrCat(column, range.lower->inclusive ? " >= $" : " > $", param++, "::bytea"));
  }
  if (range.upper) {
    conditions.push_back(
        absl::StrCat(column, range.upper->inclusive ? " <= $" : " < $", param++, "::bytea"));
  }
  std::string where;
  for (size_t i = 0; i < conditions.size(); ++i) {
    absl::StrAppend(&where, i == 0 ? " WHERE " : " AND ", conditions[i]);
  }
  const std::string columns = absl::StrCat(column, ", ", RecordColumns());
  const std::string limit_param = absl::StrCat("$", param);
  const std::string budget_param = absl::StrCat("$", param + 1);
  return BoundedChunkSql({.table = info.table,
                          .key_column = column,
                          .where = where,
                          .descending = backward,
                          .columns = columns,
                          .limit_param = limit_param,
                          .budget_param = budget_param});
}

}  // namespace

absl::StatusOr<ScanResult> PostgresStoreImpl::Scan(const ScanRequest& request) const {
  static const std::string kBudgetText = std::to_string(kChunkBodyBytes);
  if (request.limit == 0) return absl::InvalidArgumentError("limit must be at least 1");
  if (request.max_scanned == 0) return absl::InvalidArgumentError("max_scanned must be at least 1");
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(request.collection));
  MARQUEE_RETURN_IF_ERROR(ValidateFilter(request.filter));

  return pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<ScanResult> {
    MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const CollectionInfo> info,
                             catalog_.Find(conn, request.collection));
    const IndexInfo* index = nullptr;
    if (!request.index.empty()) {
      if (info != nullptr) index = info->FindIndex(request.index);
      if (index == nullptr) {
        // Perhaps declared by another node since this one cached the collection.
        MARQUEE_ASSIGN_OR_RETURN(info, catalog_.Load(conn, request.collection));
        if (info != nullptr) index = info->FindIndex(request.index);
      }
      if (index == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "collection '", request.collection, "' has no index '", request.index, "'"));
      }
    }
    static const std::vector<IndexField> kNoFields;
    const std::vector<IndexField>& fields = index ? index->spec.fields : kNoFields;
    MARQUEE_ASSIGN_OR_RETURN(KeyRange range,
                             marquee::internal::ComputeKeyRange(request, fields));
    ScanResult result;
    if (info == nullptr) return result;  // a collection nothing was written to

    const std::string column = index ? index->column : std::string("id_key");
    const bool backward = request.before.has_value();
    std::optional<Record> last_examined;
    auto done = [&] {
      return result.records.size() >= request.limit || result.scanned >= request.max_scanned;
    };
    while (true) {
      const size_t may_examine = request.max_scanned - result.scanned;
      size_t want = request.filter.all_of.empty()
                        ? std::min(request.limit - std::min(request.limit, result.records.size()),
                                   may_examine)
                        : may_examine;
      const size_t fetch = std::min(want, kChunkRows) + 1;
      const std::string limit_text = std::to_string(fetch);
      std::vector<Param> params;
      if (range.lower) params.push_back(Param::Bytes(range.lower->key));
      if (range.upper) params.push_back(Param::Bytes(range.upper->key));
      params.push_back(Param::Text(limit_text));
      params.push_back(Param::Text(kBudgetText));
      MARQUEE_ASSIGN_OR_RETURN(
          PgResult rows, conn.Exec(ChunkSql(*info, column, range, backward), params,
                                   absl::StrCat("scanning ", request.collection)));
      const int count = rows.rows();
      // Rows the LIMIT gave before the byte budget cut the result.
      int64_t chunk_rows = 0;
      if (count > 0) {
        MARQUEE_ASSIGN_OR_RETURN(chunk_rows, rows.Int(0, kChunkRowsColumn));
      }
      int row = 0;
      std::string last_key;
      for (; row < count && !done(); ++row) {
        MARQUEE_ASSIGN_OR_RETURN(Record record, RecordFromRow(rows, row, 1, request.collection));
        ++result.scanned;
        if (Matches(request.filter, record.body)) result.records.push_back(record);
        last_examined = std::move(record);
        if (row + 1 == count) {
          MARQUEE_ASSIGN_OR_RETURN(last_key, DecodeBytea(rows.Get(row, 0)));
        }
      }
      if (row < count) {  // stopped with a row of the range left
        result.more = true;
        break;
      }
      const bool cut_by_bytes = count < chunk_rows;
      if (!cut_by_bytes && static_cast<size_t>(count) < fetch) {  // the range is exhausted
        result.more = false;
        break;
      }
      // Every row read was examined and the page is not full: read on,
      // strictly past the last key.
      if (backward) {
        range.upper = KeyBound{std::move(last_key), false};
      } else {
        range.lower = KeyBound{std::move(last_key), false};
      }
    }
    if (backward) std::reverse(result.records.begin(), result.records.end());
    if (last_examined) {
      ScanPosition end{.values = {}, .id = last_examined->id};
      if (index != nullptr) end.values = IndexValuesOf(index->spec, last_examined->body);
      result.end = std::move(end);
    }
    return result;
  });
}

}  // namespace marquee::postgres::internal
