// marquee/campaign/schedule.h — when a campaign runs, in its own time zone.
//
// A Schedule is written the way a marketer thinks of it: an optional start
// and end in civil (wall-clock) time, "2026-03-01T09:00:00", in one IANA
// time zone ("Europe/Paris"). ResolveSchedule turns it into a window of
// absolute instants, [start, end), with the zone's rules at those dates:
//   - a civil time that does not exist (skipped by a spring-forward
//     transition, 02:30 on the last Sunday of March in Paris) resolves to
//     the transition instant (absl's TimeInfo::trans), so a campaign meant to
//     start "at 02:30" starts as soon as the clocks jump;
//   - a civil time that exists twice (repeated by a fall-back transition,
//     02:30 on the last Sunday of October in Paris) resolves to its first
//     occurrence (TimeInfo::pre), the earlier instant.
// An absent start is the infinite past, an absent end the infinite future.
// Civil times are written and read as "YYYY-MM-DDTHH:MM:SS", years
// 0001..9999, without an offset (the zone gives it).
// Thread-safety: values and pure functions. Time zones are loaded through
// absl::LoadTimeZone, which caches them process-wide.
//
//   Schedule s{.start = absl::CivilSecond(2026, 3, 29, 2, 30, 0),
//              .end = absl::CivilSecond(2026, 4, 1, 0, 0, 0),
//              .time_zone = "Europe/Paris"};
//   absl::StatusOr<ScheduleWindow> w = ResolveSchedule(s);
//   if (!w.ok()) return w.status();  // "schedule.timeZone: unknown time zone 'Europe/Pariss'"
//   bool running = w->Contains(clock->Now());
#ifndef MARQUEE_CAMPAIGN_SCHEDULE_H_
#define MARQUEE_CAMPAIGN_SCHEDULE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "marquee/export.h"

namespace marquee::campaign {

struct Schedule {
  // First second of the campaign, in `time_zone`. Default: none (always started).
  std::optional<absl::CivilSecond> start{};
  // First second after the campaign, in `time_zone`. Default: none (never ends).
  std::optional<absl::CivilSecond> end{};
  // IANA time zone name. Default: "UTC".
  std::string time_zone = "UTC";

  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// A schedule resolved to instants: start inclusive, end exclusive.
struct ScheduleWindow {
  absl::Time start = absl::InfinitePast();
  absl::Time end = absl::InfiniteFuture();

  // start <= t < end.
  bool Contains(absl::Time t) const { return start <= t && t < end; }

  friend bool operator==(const ScheduleWindow&, const ScheduleWindow&) = default;
};

// The window of `schedule` (DST rules in the file comment).
// Errors: InvalidArgument — "schedule.timeZone: unknown time zone '<name>'",
// "schedule.start: year <y> outside 1..9999" (likewise end), or
// "schedule.end: must be after schedule.start" when both are set and the end
// does not resolve to a later instant than the start.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<ScheduleWindow> ResolveSchedule(
    const Schedule& schedule);

// The instant of one civil time in `zone`, with the DST rules above.
MARQUEE_EXPORT absl::Time ResolveCivilTime(absl::CivilSecond civil, absl::TimeZone zone);

// "2026-03-01T09:00:00".
MARQUEE_EXPORT std::string FormatScheduleTime(absl::CivilSecond civil);

// Reads "YYYY-MM-DDTHH:MM:SS" (exactly that form, years 0001..9999).
// `field` names the input in the message ("schedule.start").
// Errors: InvalidArgument ("schedule.start: expected a civil time like
// 2026-03-01T09:00:00, got '...'").
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<absl::CivilSecond> ParseScheduleTime(
    std::string_view text, std::string_view field);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_SCHEDULE_H_
