// A scenario written back as TOML that load_scenario reads to the same
// scenario: how a shrunk or instantiated run is stored and replayed.
#pragma once

#include <string>

#include "runner/scenario.h"

namespace slotsim::runner {

std::string to_toml(const Scenario& scenario);

// "3s", "250ms", "-200ms", "1500us": exact, in the largest unit that divides it.
std::string format_duration(Nanos duration);

}  // namespace slotsim::runner
