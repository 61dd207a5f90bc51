#include "postgres/record_row.h"

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/json.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::StdSv;

std::string MicrosToTimestamp(std::string_view param) {
  // int8 * interval is exact for microsecond counts below 2^53 (beyond year
  // 2255); to_timestamp(double) would round.
  return absl::StrCat("(to_timestamp(0) + ", Sv(param), "::bigint * interval '1 microsecond')");
}

std::string TimestampToMicros(std::string_view column) {
  // extract() returns numeric since PostgreSQL 14: exact.
  return absl::StrCat("(extract(epoch FROM ", Sv(column), ") * 1000000)::bigint");
}

std::string RecordColumns() {
  return absl::StrCat("id, version, schema, ", TimestampToMicros("created"), ", ",
                      TimestampToMicros("updated"), ", body::text");
}

absl::StatusOr<Record> RecordFromRow(const PgResult& result, int row, int first,
                                     std::string_view collection) {
  Record record;
  record.collection = std::string(collection);
  record.id = std::string(result.Get(row, first));
  absl::StatusOr<int64_t> version = result.Int(row, first + 1);
  absl::StatusOr<int64_t> schema = result.Int(row, first + 2);
  absl::StatusOr<int64_t> created = result.Int(row, first + 3);
  absl::StatusOr<int64_t> updated = result.Int(row, first + 4);
  for (const auto* value : {&version, &schema, &created, &updated}) {
    if (!value->ok()) return value->status();
  }
  record.version = static_cast<uint64_t>(*version);
  record.schema = static_cast<uint32_t>(*schema);
  record.created = absl::FromUnixMicros(*created);
  record.updated = absl::FromUnixMicros(*updated);
  absl::StatusOr<Json> body = Json::Parse(result.Get(row, first + 5));
  if (!body.ok()) {
    return absl::DataLossError(absl::StrCat("the stored body of ", Sv(collection), "/", record.id,
                                            " is not valid JSON: ", body.status().message()));
  }
  record.body = *std::move(body);
  return record;
}

absl::StatusOr<std::string> DecodeBytea(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    return absl::InternalError("PostgreSQL returned a bytea not in hex form");
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return absl::InternalError("PostgreSQL returned a bytea not in hex form");
    bytes.push_back(static_cast<char>(hi * 16 + lo));
  }
  return bytes;
}

}  // namespace marquee::postgres::internal
