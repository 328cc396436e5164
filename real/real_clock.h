// The real runtime's clock: CLOCK_MONOTONIC, anchored once to the wall clock.
//
// Node code reads now() both for timeouts (which must never jump) and as
// Redis's wall clock (EXPIREAT, PXAT and TTLs are Unix times). Anchoring the
// monotonic clock to CLOCK_REALTIME at start gives both: Unix time in
// nanoseconds that only moves forward at the monotonic rate.
#pragma once

#include <ctime>

#include "env/time.h"

namespace slotsim::real {

class RealClock {
 public:
  RealClock() : offset_(read(CLOCK_REALTIME) - read(CLOCK_MONOTONIC)) {}
  Nanos now() const { return read(CLOCK_MONOTONIC) + offset_; }

 private:
  static Nanos read(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return seconds(ts.tv_sec) + ts.tv_nsec;
  }
  Nanos offset_;
};

}  // namespace slotsim::real
