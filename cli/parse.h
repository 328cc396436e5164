// Parsing of command-line values shared by subcommands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "env/time.h"

namespace slotsim::cli {

// "250ms", "2.5s", "3m", "1h", "100us", "10ns"; a bare number is seconds.
std::optional<Nanos> parse_duration(std::string_view text);

struct SeedRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t count() const { return last - first + 1; }
};
// "A..B" (inclusive) or a single seed "A".
std::optional<SeedRange> parse_seed_range(std::string_view text);

}  // namespace slotsim::cli
