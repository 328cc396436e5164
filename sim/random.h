// Portable, documented PRNG: xoshiro256** (Blackman & Vigna), seeded through
// SplitMix64. Never std:: distributions: their output differs between
// standard library versions, and a trace must replay bit for bit.
//
// Streams are derived by label from a seed, not by drawing from a parent, so
// adding draws to one subsystem never reshuffles another.
#pragma once

#include <cstdint>
#include <string_view>

namespace slotsim::sim {

class DeterminismHash;

std::uint64_t splitmix64(std::uint64_t& state);
// FNV-1a: stable hash of labels (site names, stream names).
std::uint64_t stable_hash(std::string_view text);

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  // An independent stream for `label`, a function of (seed, label) only.
  static Rng derive(std::uint64_t seed, std::string_view label);

  std::uint64_t next_u64();
  // Uniform in [0, bound), unbiased (Lemire's method with rejection). bound > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [lo, hi], inclusive.
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, 1) with 53 bits.
  double unit();
  bool chance(double probability) { return unit() < probability; }

  // Every draw is folded into the run's determinism hash when observed.
  void observe(DeterminismHash* hash) { observer_ = hash; }

 private:
  std::uint64_t s_[4];
  DeterminismHash* observer_ = nullptr;
};

}  // namespace slotsim::sim
