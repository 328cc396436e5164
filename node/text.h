// Small text helpers shared by command implementations.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace slotsim::node {

// Command and option names are case-insensitive in Redis.
inline std::string lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace slotsim::node
