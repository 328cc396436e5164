// A fuzz campaign: many seeds of one or more scenarios, run by worker
// processes (fork), each writing its runs to the trace database itself. The
// parent hands out seeds one at a time (so a slow seed does not hold up a
// whole share), notices a worker that died mid-seed (that seed's verdict is
// `crash`) and replaces it. A campaign killed at any point loses nothing
// committed: started again on the same database and build it skips the
// seeds already recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runner/scenario.h"

namespace slotsim::runner {

struct CampaignOptions {
  std::vector<Scenario> scenarios;
  std::uint64_t first_seed = 1;
  std::uint64_t last_seed = 100;  // inclusive
  int shard = 1, shards = 1;      // this machine runs the seeds with (seed - first) % shards == shard - 1
  int jobs = 1;
  std::string db_path;            // empty: keep nothing, resume nothing
  std::string label;              // runs.campaign
  double time_budget_seconds = 0; // 0: no budget; else stop handing out seeds after this long
  double seed_timeout_seconds = 0; // 0: none; else a seed running longer (a livelock) is killed: a `crash` row
};

struct SeedOutcome {
  std::size_t scenario = 0;  // index into CampaignOptions::scenarios
  std::uint64_t seed = 0;
  std::string verdict;
  std::string invariant;
  std::int64_t run_id = 0;  // 0 without a database
  std::int64_t wall_ms = 0;
  std::int64_t sim_ns = 0;
  bool resumed = false;     // recorded by an earlier, interrupted campaign
};

struct CampaignProgress {
  std::size_t done = 0, total = 0, failures = 0;
  std::size_t surprises = 0;  // failures of `pass` scenarios, and crashes
  double elapsed_seconds = 0;
};

struct CampaignResult {
  std::vector<SeedOutcome> outcomes;  // in completion order, resumed ones first
  std::size_t not_run = 0;            // left over when the time budget ran out
  double wall_seconds = 0;
  double cpu_seconds = 0;             // summed over the workers
};

// Throws std::runtime_error (or TraceDbError) when it cannot start.
CampaignResult run_campaign(const CampaignOptions& options,
                            const std::function<void(const CampaignProgress&)>& progress = {});

// Whether a scenario's seeds, together, are what it declares: every seed
// passes a `pass` scenario; a `fail` scenario is caught (some seed breaks
// the invariant it names) and never crashes the simulator.
bool campaign_as_expected(const Scenario& scenario, const std::vector<SeedOutcome>& outcomes, std::size_t index);

}  // namespace slotsim::runner
