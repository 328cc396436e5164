// Switching zoo bugs on for a scenario from the command line (`--bug NAME`).
// The scenario's text is rewritten to carry the switch, so the trace database
// records it: replay, shrink and resumed campaigns see the same node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runner/scenario.h"

namespace slotsim::runner {

// Switches on every named bug (node/variants.h's kBugCatalog); on an unknown
// name returns the error and leaves the scenario unchanged.
std::optional<std::string> apply_bugs(Scenario& scenario, const std::vector<std::string>& names);

// " --bug a --bug b" for reproduce commands, "" for none.
std::string bug_flags(const std::vector<std::string>& names);

}  // namespace slotsim::runner
