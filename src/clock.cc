#include "marquee/clock.h"

#include "absl/time/clock.h"

namespace marquee {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* Clock::Real() {
  // Never destroyed, so it stays valid during static destruction.
  static Clock* const clock = new RealClock();
  return clock;
}

}  // namespace marquee
