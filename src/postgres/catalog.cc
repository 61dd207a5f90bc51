#include "postgres/catalog.h"

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::StdSv;

const IndexInfo* CollectionInfo::FindIndex(std::string_view index) const {
  for (const IndexInfo& info : indexes) {
    if (info.spec.name == index) return &info;
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<const CollectionInfo>> Catalog::Find(Connection& conn,
                                                                    std::string_view collection,
                                                                    uint64_t min_generation) {
  {
    std::lock_guard lock(mu_);
    auto it = collections_.find(Sv(collection));
    if (it != collections_.end() && it->second->generation >= min_generation) return it->second;
  }
  return Load(conn, collection);
}

void Catalog::Remember(std::shared_ptr<const CollectionInfo> info) {
  std::lock_guard lock(mu_);
  auto& slot = collections_[info->name];
  if (slot == nullptr || slot->generation <= info->generation) slot = std::move(info);
}

absl::StatusOr<std::shared_ptr<const CollectionInfo>> Catalog::Load(Connection& conn,
                                                                    std::string_view collection,
                                                                    bool cache) {
  // One statement, so the generation and the rows come from one snapshot.
  const std::string sql = absl::StrCat(
      "SELECT m.catalog_generation, c.table_name, i.name, i.key_column, f.pointer, f.descending "
      "FROM ", names_.meta, " m "
      "LEFT JOIN ", names_.collections, " c ON c.name = $1 "
      "LEFT JOIN ", names_.indexes, " i ON i.collection = c.name "
      "LEFT JOIN ", names_.index_fields, " f ON f.collection = i.collection AND f.name = i.name "
      "ORDER BY i.name, f.position");
  absl::StatusOr<PgResult> rows =
      conn.Exec(sql, {Param::Text(collection)}, absl::StrCat("reading collection ", Sv(collection)));
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0 || rows->IsNull(0, 1)) return std::shared_ptr<const CollectionInfo>();
  auto info = std::make_shared<CollectionInfo>();
  info->name = std::string(collection);
  absl::StatusOr<int64_t> generation = rows->Int(0, 0);
  if (!generation.ok()) return generation.status();
  info->generation = static_cast<uint64_t>(*generation);
  info->table = names_.Table(rows->Get(0, 1));
  for (int row = 0; row < rows->rows(); ++row) {
    if (rows->IsNull(row, 2)) continue;
    const std::string_view name = rows->Get(row, 2);
    if (info->indexes.empty() || info->indexes.back().spec.name != name) {
      IndexInfo index;
      index.spec.collection = info->name;
      index.spec.name = std::string(name);
      index.column = QuoteIdent(rows->Get(row, 3));
      info->indexes.push_back(std::move(index));
    }
    if (rows->IsNull(row, 4)) continue;
    info->indexes.back().spec.fields.push_back(
        IndexField{.pointer = std::string(rows->Get(row, 4)),
                   .order = rows->Get(row, 5) == "t" ? SortOrder::kDescending
                                                     : SortOrder::kAscending});
  }
  std::shared_ptr<const CollectionInfo> result = std::move(info);
  if (cache) Remember(result);
  return result;
}

}  // namespace marquee::postgres::internal
