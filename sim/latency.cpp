#include "sim/latency.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace slotsim::sim {

Nanos LatencyModel::draw(Rng& rng) const {
  switch (kind) {
    case Kind::constant:
      return min;
    case Kind::uniform:
      return rng.between(min, std::max(min, max));
    case Kind::exponential: {
      // 1 - unit() is in (0, 1], so the log is finite.
      const double above = -std::log(1.0 - rng.unit()) * static_cast<double>(mean);
      return std::min(max, min + static_cast<Nanos>(above));
    }
  }
  return min;
}

std::string LatencyModel::describe() const {
  switch (kind) {
    case Kind::constant: return fmt::format("constant {}ns", min);
    case Kind::uniform: return fmt::format("uniform {}..{}ns", min, max);
    case Kind::exponential: return fmt::format("exponential min {}ns mean +{}ns cap {}ns", min, mean, max);
  }
  return "?";
}

}  // namespace slotsim::sim
