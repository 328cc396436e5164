#include "runner/bug_switch.h"

#include "runner/scenario_writer.h"

namespace slotsim::runner {

std::optional<std::string> apply_bugs(Scenario& scenario, const std::vector<std::string>& names) {
  if (names.empty()) return std::nullopt;
  node::Variants variants = scenario.variants;
  for (const std::string& name : names) {
    if (auto error = variants.enable_bug(name)) return error;
  }
  scenario.variants = variants;
  scenario.text = to_toml(scenario);
  return std::nullopt;
}

std::string bug_flags(const std::vector<std::string>& names) {
  std::string flags;
  for (const std::string& name : names) flags += " --bug " + name;
  return flags;
}

}  // namespace slotsim::runner
