// Aggregate records: id, body and decoding (event_internal.h).
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "campaign/event_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/value.h"
#include "marquee/json_writer.h"

namespace marquee::campaign::internal {
namespace {

using ::marquee::internal::Sv;

absl::Status Malformed(std::string_view id, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("aggregate record event_aggregates/", Sv(id), " is malformed: ", what));
}

}  // namespace

std::string AggregateRecordId(const AggregateKey& key) {
  return absl::StrCat(key.campaign, "|", key.variant, "|", Sv(EventTypeName(key.type)), "|",
                      Sv(BucketName(key.bucket)), "|", key.start);
}

absl::StatusOr<Json> AggregateBody(const AggregateKey& key, const EventTotals& totals) {
  std::string text;
  JsonWriter w(&text);
  w.BeginObject();
  w.Key("campaign").String(key.campaign).Key("variant").String(key.variant);
  w.Key("type").String(EventTypeName(key.type)).Key("bucket").String(BucketName(key.bucket));
  w.Key("start").Int(key.start).Key("count").Int(totals.count);
  w.Key("valueSum").Double(totals.value_sum);
  w.EndObject();
  if (absl::Status s = w.Finish(); !s.ok()) return s;
  return Json::Parse(text);
}

absl::StatusOr<AggregateRecord> ParseAggregateBody(std::string_view id, const Json& body) {
  absl::StatusOr<Value> value = Value::FromJson(body);
  if (!value.ok()) return Malformed(id, value.status().message());
  if (!value->is_object()) return Malformed(id, "not an object");
  AggregateRecord out;
  auto string_member = [&](std::string_view key, std::string* dst) -> absl::Status {
    const Value* m = value->Find(key);
    if (m == nullptr || !m->is_string()) return Malformed(id, absl::StrCat(Sv(key), " is not a string"));
    *dst = std::string(m->as_string());
    return absl::OkStatus();
  };
  // Integers are written exactly; a count beyond 2^53 would have lost
  // precision in a double long before, so the checks below suffice.
  auto integer_member = [&](std::string_view key, int64_t* dst) -> absl::Status {
    const Value* m = value->Find(key);
    if (m == nullptr || !m->is_number() || std::trunc(m->as_number()) != m->as_number() ||
        std::fabs(m->as_number()) > 9.0e15) {
      return Malformed(id, absl::StrCat(Sv(key), " is not an integer"));
    }
    *dst = static_cast<int64_t>(m->as_number());
    return absl::OkStatus();
  };
  std::string type, bucket;
  for (absl::Status s : {string_member("campaign", &out.key.campaign),
                         string_member("variant", &out.key.variant), string_member("type", &type),
                         string_member("bucket", &bucket), integer_member("start", &out.key.start),
                         integer_member("count", &out.totals.count)}) {
    if (!s.ok()) return s;
  }
  absl::StatusOr<EventType> parsed_type = ParseEventType(type);
  if (!parsed_type.ok()) return Malformed(id, parsed_type.status().message());
  out.key.type = *parsed_type;
  absl::StatusOr<Bucket> parsed_bucket = ParseBucket(bucket);
  if (!parsed_bucket.ok()) return Malformed(id, parsed_bucket.status().message());
  out.key.bucket = *parsed_bucket;
  const Value* sum = value->Find("valueSum");
  if (sum == nullptr || !sum->is_number()) return Malformed(id, "valueSum is not a number");
  out.totals.value_sum = sum->as_number();
  return out;
}

}  // namespace marquee::campaign::internal
