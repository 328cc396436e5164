// The bug zoo's measurement: for each bug switch, a fuzz campaign over the
// shipped scenarios that pass on the correct protocol, seed by seed until a
// run fails; then the same scenarios with no bug over many seeds, where any
// failure is a false alarm. Like mutation testing for the testbed itself.
//
// Runs are ordered seed-major (seed 1 of every scenario, then seed 2, ...);
// "first detection" is the first failing run in that order, whatever the
// number of workers, so the table does not depend on the machine. A failure
// counts only if the same scenario and seed pass without the bug (its clean
// twin): the switch made the difference. One whose twin fails too is a false
// alarm of the correct protocol, reported as such.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "runner/scenario.h"

namespace slotsim::runner {

struct ZooOptions {
  std::vector<Scenario> scenarios;  // the correct-protocol suite (expect pass)
  std::vector<std::string> bugs;    // zoo names (node/variants.h)
  std::uint64_t max_seeds = 100;    // per bug
  std::uint64_t clean_seeds = 300;  // the false-alarm campaign
  int jobs = 1;
  std::string db_path;              // required: coverage and resume live there
  int shrink_runs = 40;             // budget for shrinking each first detection
};

struct BugOutcome {
  std::string bug;
  bool detected = false;
  std::uint64_t seed = 0;            // of the first detection
  std::string scenario;              // of the first detection
  std::uint64_t runs_to_detection = 0;  // runs up to and including it, seed-major
  double cpu_seconds_to_detection = 0;
  std::string verdict, invariant, detail;
  std::int64_t run_id = 0;
  std::uint64_t runs = 0;            // runs made for this bug
  bool shrunk_still_fails = false;
  std::string shrink_note;
  // Failures before the detection whose clean twin failed too: false alarms.
  std::vector<std::string> twin_failures;  // "scenario seed N: verdict invariant"
  std::map<std::string, std::int64_t> coverage;  // mark -> runs that reached it
};

struct CleanOutcome {
  std::uint64_t runs = 0;
  std::uint64_t false_alarms = 0;
  std::vector<std::string> alarms;   // "scenario seed N: verdict invariant (run ID)"
  double cpu_seconds = 0;
  std::map<std::string, std::int64_t> coverage;
};

struct ZooReport {
  std::vector<BugOutcome> bugs;
  CleanOutcome clean;
};

// The campaign label of each part, as stored in runs.campaign.
std::string zoo_label(const std::string& bug);  // "zoo:NAME", "zoo:clean" for ""

ZooReport run_zoo(const ZooOptions& options, const std::function<void(const std::string&)>& log = {});

}  // namespace slotsim::runner
