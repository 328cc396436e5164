// A rolling 64-bit hash of everything that happens in a run (event times,
// processes, kinds, payloads, random draws). Two runs of the same build,
// scenario and seed must end with the same value.
#pragma once

#include <cstdint>
#include <string_view>

namespace slotsim::sim {

class DeterminismHash {
 public:
  void add(std::uint64_t value) {
    // Multiply-rotate mixing: cheap, and order-sensitive, which is the point.
    state_ = (state_ ^ value) * 0x9E3779B97F4A7C15ull;
    state_ ^= state_ >> 29;
  }
  void add(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ull;
    add(h ^ bytes.size());
  }
  std::uint64_t value() const { return state_; }

 private:
  std::uint64_t state_ = 0x5107'5135'0000'0001ull;
};

}  // namespace slotsim::sim
