// Records as JSON objects: WriteRecordJson and AppendRecordJson.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "marquee/json_writer.h"
#include "marquee/record.h"

namespace marquee {
namespace {

// "YYYY-MM-DDTHH:MM:SS.mmmZ"
constexpr size_t kTimestampLength = 24;

// RFC 3339 needs four-digit years: 0000-01-01T00:00:00.000Z to
// 9999-12-31T23:59:59.999Z, in milliseconds since the Unix epoch.
constexpr int64_t kMinMillis = -62'167'219'200'000;
constexpr int64_t kMaxMillis = 253'402'300'799'999;
constexpr int64_t kMillisPerDay = 86'400'000;

void PutDigits(uint32_t value, int count, char* at) {
  for (int i = count - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Formats `t` truncated toward the past to the millisecond; false when it is
// outside the four-digit years (absl's infinite times included). Done by
// hand rather than with absl::FormatTime, which costs more than the rest of
// a record: this runs twice per record written.
bool FormatTimestamp(absl::Time t, char (&text)[kTimestampLength]) {
  const int64_t millis = absl::ToUnixMillis(t);  // rounds toward -infinity
  if (millis < kMinMillis || millis > kMaxMillis) return false;
  int64_t days = millis / kMillisPerDay;
  int64_t of_day = millis % kMillisPerDay;
  if (of_day < 0) {
    of_day += kMillisPerDay;
    --days;
  }
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  const auto of_day32 = static_cast<uint32_t>(of_day);
  PutDigits(static_cast<uint32_t>(static_cast<int>(date.year())), 4, text);
  text[4] = '-';
  PutDigits(static_cast<unsigned>(date.month()), 2, text + 5);
  text[7] = '-';
  PutDigits(static_cast<unsigned>(date.day()), 2, text + 8);
  text[10] = 'T';
  PutDigits(of_day32 / 3'600'000, 2, text + 11);
  text[13] = ':';
  PutDigits(of_day32 / 60'000 % 60, 2, text + 14);
  text[16] = ':';
  PutDigits(of_day32 / 1'000 % 60, 2, text + 17);
  text[19] = '.';
  PutDigits(of_day32 % 1'000, 3, text + 20);
  text[23] = 'Z';
  return true;
}

absl::Status TimestampError(std::string_view member, absl::Time t) {
  return absl::InvalidArgumentError(absl::StrCat(
      "record ", absl::string_view(member.data(), member.size()), " time ",
      absl::FormatTime(t, absl::UTCTimeZone()),
      " is outside the years 0000..9999 that RFC 3339 can write"));
}

}  // namespace

void WriteRecordJson(const Record& record, const RecordJsonOptions& options, JsonWriter* writer) {
  if (!writer->ok()) return;
  char created[kTimestampLength];
  char updated[kTimestampLength];
  if (!FormatTimestamp(record.created, created)) {
    writer->Fail(TimestampError("created_at", record.created));
    return;
  }
  if (!FormatTimestamp(record.updated, updated)) {
    writer->Fail(TimestampError("updated_at", record.updated));
    return;
  }
  // A string: see "version" at the top of marquee/json_writer.h.
  char version[24];
  const auto version_end = std::to_chars(version, version + sizeof version, record.version).ptr;

  writer->BeginObject();
  writer->Key("id").String(record.id);
  if (options.include_collection) writer->Key("collection").String(record.collection);
  writer->Key("version").String(std::string_view(version, static_cast<size_t>(version_end - version)));
  if (options.include_schema) writer->Key("schema").Uint(record.schema);
  writer->Key("created_at").String(std::string_view(created, kTimestampLength));
  writer->Key("updated_at").String(std::string_view(updated, kTimestampLength));
  if (options.include_body) writer->Key("body").Raw(record.body);
  writer->EndObject();
}

absl::Status AppendRecordJson(const Record& record, std::string* out,
                              const RecordJsonOptions& options) {
  // Most of the output is the body; reserving once avoids regrowing midway.
  out->reserve(out->size() + record.body.size() + record.id.size() + record.collection.size() +
               160);
  JsonWriter writer(out, {.script_safe = options.script_safe,
                          .invalid_utf8 = InvalidUtf8::kReject});
  WriteRecordJson(record, options, &writer);
  return writer.Finish();
}

}  // namespace marquee
