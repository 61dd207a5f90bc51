// Civil schedules resolved to instants (schedule.h).
#include "marquee/campaign/schedule.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "internal/absl_strings.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

// Years absl formats as four digits, so every stored time has one spelling
// and sorts as text.
constexpr int64_t kMinYear = 1;
constexpr int64_t kMaxYear = 9999;

absl::Status CheckYear(absl::CivilSecond civil, std::string_view field) {
  if (civil.year() < kMinYear || civil.year() > kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(field), ": year ", civil.year(), " outside 1..9999"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Time ResolveCivilTime(absl::CivilSecond civil, absl::TimeZone zone) {
  const absl::TimeZone::TimeInfo info = zone.At(civil);
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      // The wall clock jumped over this time: start when it jumps.
      return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
      // The wall clock shows this time twice: take the first.
      return info.pre;
    case absl::TimeZone::TimeInfo::UNIQUE:
      break;
  }
  return info.pre;
}

absl::StatusOr<ScheduleWindow> ResolveSchedule(const Schedule& schedule) {
  absl::TimeZone zone;
  if (schedule.time_zone.empty() || !absl::LoadTimeZone(schedule.time_zone, &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule.timeZone: unknown time zone '", schedule.time_zone, "'"));
  }
  ScheduleWindow window;
  if (schedule.start.has_value()) {
    if (absl::Status s = CheckYear(*schedule.start, "schedule.start"); !s.ok()) return s;
    window.start = ResolveCivilTime(*schedule.start, zone);
  }
  if (schedule.end.has_value()) {
    if (absl::Status s = CheckYear(*schedule.end, "schedule.end"); !s.ok()) return s;
    window.end = ResolveCivilTime(*schedule.end, zone);
  }
  // Compared as instants: two civil times can land on the same instant
  // (both inside one DST gap), which would make an empty window.
  if (window.end <= window.start) {
    return absl::InvalidArgumentError("schedule.end: must be after schedule.start");
  }
  return window;
}

std::string FormatScheduleTime(absl::CivilSecond civil) {
  // Fixed-width fields so years below 1000 keep four digits.
  char text[64];
  const int n = std::snprintf(text, sizeof text, "%04lld-%02d-%02dT%02d:%02d:%02d",
                              static_cast<long long>(civil.year()), civil.month(), civil.day(),
                              civil.hour(), civil.minute(), civil.second());
  return std::string(text, n > 0 ? static_cast<size_t>(n) : 0);
}

absl::StatusOr<absl::CivilSecond> ParseScheduleTime(std::string_view text,
                                                    std::string_view field) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(field), ": expected a civil time like 2026-03-01T09:00:00, got '",
                     Sv(text.substr(0, 64)), "'"));
  };
  // Exactly the stored form: 19 characters, digits where digits go.
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':') {
    return bad();
  }
  auto number = [&](size_t pos, size_t len, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day) ||
      !number(11, 2, hour) || !number(14, 2, minute) || !number(17, 2, second)) {
    return bad();
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises 2026-02-30 to 2026-03-02; refuse instead of guessing.
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute || civil.second() != second) {
    return bad();
  }
  if (absl::Status s = CheckYear(civil, field); !s.ok()) return s;
  return civil;
}

}  // namespace marquee::campaign
