// Virtual-or-real time as signed nanoseconds. Node code uses these helpers so
// that units are always explicit at the call site (sleep(ms(100)), not 100).
#pragma once

#include <cstdint>
#include <limits>

namespace slotsim {

using Nanos = std::int64_t;

constexpr Nanos kForever = std::numeric_limits<Nanos>::max();

constexpr Nanos ns(std::int64_t n) { return n; }
constexpr Nanos us(std::int64_t n) { return n * 1'000; }
constexpr Nanos ms(std::int64_t n) { return n * 1'000'000; }
constexpr Nanos seconds(std::int64_t n) { return n * 1'000'000'000; }

// Adds without overflowing past kForever, so "now + timeout" is safe for any timeout.
constexpr Nanos saturating_add(Nanos a, Nanos b) {
  if (b > 0 && a > kForever - b) return kForever;
  return a + b;
}

}  // namespace slotsim
