#include "cli/parse.h"

#include <charconv>
#include <cmath>

namespace slotsim::cli {

std::optional<Nanos> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t unit_start = text.size();
  while (unit_start > 0 && std::isalpha(static_cast<unsigned char>(text[unit_start - 1]))) --unit_start;
  const std::string number(text.substr(0, unit_start));
  const std::string_view unit = text.substr(unit_start);
  if (number.empty()) return std::nullopt;
  std::size_t consumed = 0;
  double value = 0;
  try {
    value = std::stod(number, &consumed);
  } catch (...) {
    return std::nullopt;
  }
  if (consumed != number.size() || value < 0 || !std::isfinite(value)) return std::nullopt;
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ns") scale = 1;
  else if (unit == "m") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else return std::nullopt;
  const double nanos = value * scale;
  if (nanos > 9.2e18) return std::nullopt;
  return static_cast<Nanos>(std::llround(nanos));
}

std::optional<SeedRange> parse_seed_range(std::string_view text) {
  auto parse = [](std::string_view part, std::uint64_t& out) {
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && ptr == part.data() + part.size() && !part.empty();
  };
  SeedRange range;
  if (auto dots = text.find(".."); dots != std::string_view::npos) {
    if (!parse(text.substr(0, dots), range.first) || !parse(text.substr(dots + 2), range.last)) return std::nullopt;
  } else {
    if (!parse(text, range.first)) return std::nullopt;
    range.last = range.first;
  }
  if (range.last < range.first) return std::nullopt;
  return range;
}

}  // namespace slotsim::cli
