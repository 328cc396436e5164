// One-way link latency model. Draws come from the network's own stream.
#pragma once

#include <string>

#include "env/time.h"
#include "sim/random.h"

namespace slotsim::sim {

struct LatencyModel {
  enum class Kind { constant, uniform, exponential };
  Kind kind = Kind::uniform;
  Nanos min = us(100);
  Nanos max = us(900);
  Nanos mean = us(300);  // exponential: mean of the part above min, capped at max

  Nanos draw(Rng& rng) const;
  std::string describe() const;

  static LatencyModel constant(Nanos value) { return {Kind::constant, value, value, value}; }
  static LatencyModel uniform(Nanos lo, Nanos hi) { return {Kind::uniform, lo, hi, (lo + hi) / 2}; }
  static LatencyModel exponential(Nanos lo, Nanos mean_above, Nanos cap) {
    return {Kind::exponential, lo, cap, mean_above};
  }
};

}  // namespace slotsim::sim
