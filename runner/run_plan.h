// What one seed of a scenario runs: the swarm's draws applied and every
// [[nemesis]] generator turned into explicit, timed fault steps. The result
// has no swarm and no generators; written back as TOML (scenario_writer.h)
// it runs exactly the same way with the same seed, which is how shrinking
// edits a run and stores it.
#pragma once

#include <cstdint>
#include <string>

#include "runner/scenario.h"

namespace slotsim::runner {

Scenario instantiate(const Scenario& scenario, std::uint64_t seed);

// The parameters a run uses, "primaries=3 replicas=1 ..." for the record.
std::string describe_parameters(const Scenario& instantiated);

}  // namespace slotsim::runner
