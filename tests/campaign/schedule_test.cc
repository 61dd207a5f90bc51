// Schedules (schedule.h): [start, end) boundaries, civil times resolved in
// IANA zones across DST gaps and overlaps, half-hour offsets and half-hour
// DST, and the strict civil-time format.
#include <doctest/doctest.h>

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "marquee/campaign/schedule.h"

namespace marquee::campaign {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

ScheduleWindow Resolve(const Schedule& s) {
  absl::StatusOr<ScheduleWindow> w = ResolveSchedule(s);
  REQUIRE_MESSAGE(w.ok(), w.status().ToString());
  return *w;
}

absl::Time At(absl::CivilSecond civil, const char* zone) {
  absl::TimeZone tz;
  REQUIRE_MESSAGE(absl::LoadTimeZone(zone, &tz), "tzdata lacks ", zone);
  return ResolveCivilTime(civil, tz);
}

TEST_SUITE("campaign.schedule") {
  TEST_CASE("start is inclusive and end exclusive") {
    const ScheduleWindow w = Resolve({.start = absl::CivilSecond(2026, 3, 1, 9, 0, 0),
                                      .end = absl::CivilSecond(2026, 3, 1, 17, 0, 0)});
    CHECK(w.start == Utc(2026, 3, 1, 9, 0));
    CHECK(w.end == Utc(2026, 3, 1, 17, 0));
    CHECK_FALSE(w.Contains(w.start - absl::Nanoseconds(1)));
    CHECK(w.Contains(w.start));
    CHECK(w.Contains(w.end - absl::Nanoseconds(1)));
    CHECK_FALSE(w.Contains(w.end));
  }

  TEST_CASE("an open side is infinite") {
    const ScheduleWindow always = Resolve({});
    CHECK(always.start == absl::InfinitePast());
    CHECK(always.end == absl::InfiniteFuture());
    CHECK(always.Contains(Utc(1970, 1, 1, 0, 0)));
    const ScheduleWindow from = Resolve({.start = absl::CivilSecond(2026, 1, 1, 0, 0, 0)});
    CHECK(from.end == absl::InfiniteFuture());
    CHECK(from.Contains(Utc(9000, 1, 1, 0, 0)));
    const ScheduleWindow until = Resolve({.end = absl::CivilSecond(2026, 1, 1, 0, 0, 0)});
    CHECK(until.start == absl::InfinitePast());
    CHECK_FALSE(until.Contains(Utc(2026, 1, 1, 0, 0)));
  }

  TEST_CASE("the same civil window in two zones is two different windows") {
    const absl::CivilSecond start(2026, 3, 1, 9, 0, 0), end(2026, 3, 1, 17, 0, 0);
    const ScheduleWindow paris = Resolve({.start = start, .end = end, .time_zone = "Europe/Paris"});
    const ScheduleWindow ny =
        Resolve({.start = start, .end = end, .time_zone = "America/New_York"});
    CHECK(paris.start == Utc(2026, 3, 1, 8, 0));  // CET, UTC+1
    CHECK(ny.start == Utc(2026, 3, 1, 14, 0));    // EST, UTC-5
    const absl::Time morning = Utc(2026, 3, 1, 8, 30), evening = Utc(2026, 3, 1, 16, 30);
    CHECK(paris.Contains(morning));
    CHECK_FALSE(ny.Contains(morning));
    CHECK_FALSE(paris.Contains(evening));
    CHECK(ny.Contains(evening));
  }

  TEST_CASE("Europe/Paris: a time in the spring gap starts at the transition") {
    // 2026-03-29 02:00 CET jumps to 03:00 CEST, at 01:00 UTC.
    CHECK(At(absl::CivilSecond(2026, 3, 29, 2, 30, 0), "Europe/Paris") == Utc(2026, 3, 29, 1, 0));
    CHECK(At(absl::CivilSecond(2026, 3, 29, 1, 59, 59), "Europe/Paris") ==
          Utc(2026, 3, 29, 0, 59, 59));
    CHECK(At(absl::CivilSecond(2026, 3, 29, 3, 0, 0), "Europe/Paris") == Utc(2026, 3, 29, 1, 0));
    // A window from noon to noon across the change lasts 23 hours.
    const ScheduleWindow w = Resolve({.start = absl::CivilSecond(2026, 3, 28, 12, 0, 0),
                                      .end = absl::CivilSecond(2026, 3, 29, 12, 0, 0),
                                      .time_zone = "Europe/Paris"});
    CHECK(w.end - w.start == absl::Hours(23));
    // Start and end inside the same gap resolve to one instant: refused.
    absl::StatusOr<ScheduleWindow> empty =
        ResolveSchedule({.start = absl::CivilSecond(2026, 3, 29, 2, 10, 0),
                         .end = absl::CivilSecond(2026, 3, 29, 2, 50, 0),
                         .time_zone = "Europe/Paris"});
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.status().message() == "schedule.end: must be after schedule.start");
  }

  TEST_CASE("Europe/Paris: a repeated autumn time is its first occurrence") {
    // 2026-10-25 03:00 CEST falls back to 02:00 CET, at 01:00 UTC; 02:30
    // happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    CHECK(At(absl::CivilSecond(2026, 10, 25, 2, 30, 0), "Europe/Paris") ==
          Utc(2026, 10, 25, 0, 30));
    CHECK(At(absl::CivilSecond(2026, 10, 25, 3, 0, 0), "Europe/Paris") == Utc(2026, 10, 25, 2, 0));
    const ScheduleWindow w = Resolve({.start = absl::CivilSecond(2026, 10, 25, 2, 30, 0),
                                      .time_zone = "Europe/Paris"});
    CHECK_FALSE(w.Contains(Utc(2026, 10, 25, 0, 29, 59)));
    CHECK(w.Contains(Utc(2026, 10, 25, 0, 30)));
  }

  TEST_CASE("America/New_York: gap and overlap") {
    // 2026-03-08 02:00 EST jumps to 03:00 EDT, at 07:00 UTC.
    CHECK(At(absl::CivilSecond(2026, 3, 8, 2, 30, 0), "America/New_York") == Utc(2026, 3, 8, 7, 0));
    // 2026-11-01 02:00 EDT falls back to 01:00 EST; 01:30 first happens at
    // 05:30 UTC (EDT).
    CHECK(At(absl::CivilSecond(2026, 11, 1, 1, 30, 0), "America/New_York") ==
          Utc(2026, 11, 1, 5, 30));
    // An end at the repeated 01:30 closes at its first occurrence.
    const ScheduleWindow w = Resolve({.start = absl::CivilSecond(2026, 11, 1, 0, 0, 0),
                                      .end = absl::CivilSecond(2026, 11, 1, 1, 30, 0),
                                      .time_zone = "America/New_York"});
    CHECK(w.Contains(Utc(2026, 11, 1, 5, 29, 59)));
    CHECK_FALSE(w.Contains(Utc(2026, 11, 1, 6, 0)));
  }

  TEST_CASE("Asia/Kolkata: a half-hour offset") {
    const ScheduleWindow w = Resolve({.start = absl::CivilSecond(2026, 3, 1, 9, 0, 0),
                                      .end = absl::CivilSecond(2026, 3, 1, 10, 0, 0),
                                      .time_zone = "Asia/Kolkata"});
    CHECK(w.start == Utc(2026, 3, 1, 3, 30));  // UTC+5:30
    CHECK(w.end == Utc(2026, 3, 1, 4, 30));
  }

  TEST_CASE("Australia/Lord_Howe: a 30-minute DST shift") {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone("Australia/Lord_Howe", &tz)) {
      MESSAGE("tzdata lacks Australia/Lord_Howe; skipped");
      return;
    }
    // 2026-10-04 02:00 (+10:30) jumps to 02:30 (+11:00), at 15:30 UTC the day before.
    CHECK(At(absl::CivilSecond(2026, 10, 4, 2, 15, 0), "Australia/Lord_Howe") ==
          Utc(2026, 10, 3, 15, 30));
    // 2026-04-05 02:00 (+11:00) falls back to 01:30 (+10:30); 01:45 first
    // happens at 14:45 UTC the day before.
    CHECK(At(absl::CivilSecond(2026, 4, 5, 1, 45, 0), "Australia/Lord_Howe") ==
          Utc(2026, 4, 4, 14, 45));
  }

  TEST_CASE("zones and order are checked") {
    absl::StatusOr<ScheduleWindow> unknown = ResolveSchedule({.time_zone = "Mars/Olympus"});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(unknown.status().message() == "schedule.timeZone: unknown time zone 'Mars/Olympus'");
    CHECK(ResolveSchedule({.time_zone = ""}).status().message() ==
          "schedule.timeZone: unknown time zone ''");
    absl::StatusOr<ScheduleWindow> backwards =
        ResolveSchedule({.start = absl::CivilSecond(2026, 3, 2, 0, 0, 0),
                         .end = absl::CivilSecond(2026, 3, 1, 0, 0, 0)});
    REQUIRE_FALSE(backwards.ok());
    CHECK(backwards.status().message() == "schedule.end: must be after schedule.start");
    CHECK_FALSE(ResolveSchedule({.start = absl::CivilSecond(2026, 3, 1, 0, 0, 0),
                                 .end = absl::CivilSecond(2026, 3, 1, 0, 0, 0)})
                    .ok());
    CHECK(ResolveSchedule({.end = absl::CivilSecond(0, 12, 31, 0, 0, 0)}).status().message() ==
          "schedule.end: year 0 outside 1..9999");
  }

  TEST_CASE("civil times have exactly one spelling") {
    CHECK(FormatScheduleTime(absl::CivilSecond(2026, 3, 1, 9, 5, 7)) == "2026-03-01T09:05:07");
    CHECK(FormatScheduleTime(absl::CivilSecond(1, 1, 1, 0, 0, 0)) == "0001-01-01T00:00:00");
    for (const char* text : {"2026-03-01T09:05:07", "0001-01-01T00:00:00", "9999-12-31T23:59:59",
                             "2028-02-29T12:00:00"}) {
      absl::StatusOr<absl::CivilSecond> civil = ParseScheduleTime(text, "schedule.start");
      REQUIRE_MESSAGE(civil.ok(), civil.status().ToString());
      CHECK(FormatScheduleTime(*civil) == text);
    }
    for (const char* text : {"2026-3-01T09:05:07", "2026-03-01 09:05:07", "2026-03-01T09:05",
                             "2026-03-01T09:05:07Z", "+026-03-01T09:05:07", "2026-02-29T00:00:00",
                             "2026-13-01T00:00:00", "2026-03-01T24:00:00", "2026-03-01T09:60:00",
                             " 2026-03-01T09:05:0", ""}) {
      CAPTURE(text);
      absl::StatusOr<absl::CivilSecond> civil = ParseScheduleTime(text, "schedule.end");
      REQUIRE_FALSE(civil.ok());
      CHECK(civil.status().message() ==
            std::string("schedule.end: expected a civil time like 2026-03-01T09:00:00, got '") +
                text + "'");
    }
    CHECK(ParseScheduleTime("0000-01-01T00:00:00", "schedule.start").status().message() ==
          "schedule.start: year 0 outside 1..9999");
  }
}

}  // namespace
}  // namespace marquee::campaign
