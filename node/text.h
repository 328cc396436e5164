// Small text helpers shared by command implementations.
#pragma once

#include <string>
#include <string_view>

namespace slotsim::node {

// Command and option names are case-insensitive in Redis. ASCII only, as
// tolower() in the C locale Redis runs in; inline, since every request and
// every replicated command goes through here.
inline std::string lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace slotsim::node
