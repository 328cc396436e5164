#include "runner/zoo.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "runner/bug_switch.h"
#include "runner/build_id.h"
#include "runner/campaign.h"
#include "runner/run_record.h"
#include "runner/shrink.h"
#include "runner/trace_db.h"

namespace slotsim::runner {

std::string zoo_label(const std::string& bug) { return "zoo:" + (bug.empty() ? std::string("clean") : bug); }

namespace {

bool seed_major(const SeedOutcome& a, const SeedOutcome& b) {
  return std::tie(a.seed, a.scenario) < std::tie(b.seed, b.scenario);
}

bool detects(const SeedOutcome& o) { return o.verdict == "safety" || o.verdict == "liveness"; }

CampaignResult campaign(const std::vector<Scenario>& scenarios, std::uint64_t first, std::uint64_t last,
                        const ZooOptions& options, const std::string& label) {
  CampaignOptions c;
  c.scenarios = scenarios;
  c.first_seed = first;
  c.last_seed = last;
  c.jobs = options.jobs;
  c.db_path = options.db_path;
  c.label = label;
  c.seed_timeout_seconds = 600;
  return run_campaign(c);
}

// "" if the scenario passes at this seed with no bug, else "verdict invariant".
std::string twin_failure(const Scenario& clean, std::uint64_t seed) {
  const ExecutedRun run = execute_seed(clean, seed);
  if (run.result.verdict == Verdict::pass) return {};
  return std::string(to_string(run.result.verdict)) + " " + run.result.invariant;
}

void shrink_first_detection(const std::vector<Scenario>& scenarios, const ZooOptions& options, BugOutcome& out,
                            std::size_t scenario_index) {
  const ExecutedRun run = execute_seed(scenarios[scenario_index], out.seed);
  if (run.result.invariant != out.invariant) return;  // not reproducible: leave shrunk_still_fails false
  const ShrinkResult shrunk = shrink_run(run.instantiated, out.seed, out.invariant, options.shrink_runs);
  // Run the minimized scenario afresh: the stored, shrunk run must fail on its own.
  const ExecutedRun again = execute_seed(shrunk.minimized, out.seed);
  out.shrunk_still_fails = again.result.verdict != Verdict::pass && again.result.invariant == out.invariant;
  out.shrink_note = shrunk.removed.empty() ? "nothing removed" : shrunk.removed;
}

}  // namespace

ZooReport run_zoo(const ZooOptions& options, const std::function<void(const std::string&)>& log) {
  ZooReport report;
  TraceDb db(options.db_path);  // refuses a bad file before any work
  for (const std::string& bug : options.bugs) {
    std::vector<Scenario> bugged = options.scenarios;
    for (Scenario& s : bugged) {
      if (auto error = apply_bugs(s, {bug})) throw std::runtime_error(*error);
    }
    BugOutcome out;
    out.bug = bug;
    std::vector<SeedOutcome> outcomes;
    std::set<std::pair<std::size_t, std::uint64_t>> twin_failed;  // (scenario, seed)
    // Doubling chunks of seeds: an easy bug costs a seed or two, a hard one
    // gets the whole budget without a campaign start per seed.
    for (std::uint64_t first = 1, size = 1; first <= options.max_seeds && !out.detected; first += size, size *= 2) {
      const std::uint64_t last = std::min(options.max_seeds, first + size - 1);
      CampaignResult part = campaign(bugged, first, last, options, zoo_label(bug));
      outcomes.insert(outcomes.end(), part.outcomes.begin(), part.outcomes.end());
      std::sort(outcomes.begin(), outcomes.end(), seed_major);
      double cpu = 0;
      for (std::size_t i = 0; i < outcomes.size(); ++i) {
        cpu += static_cast<double>(outcomes[i].wall_ms) / 1000.0;
        if (!detects(outcomes[i])) continue;
        const SeedOutcome& o = outcomes[i];
        // The clean twin (nothing stored: a pass has nothing to show, and a
        // failure is reported here and caught by the clean campaign).
        if (twin_failed.count({o.scenario, o.seed}) != 0) continue;  // judged in an earlier chunk
        if (const std::string twin = twin_failure(options.scenarios[o.scenario], o.seed); !twin.empty()) {
          twin_failed.insert({o.scenario, o.seed});
          out.twin_failures.push_back(options.scenarios[o.scenario].name + " seed " + std::to_string(o.seed) + ": " +
                                      twin);
          continue;
        }
        out.detected = true;
        out.seed = o.seed;
        out.scenario = bugged[o.scenario].name;
        out.runs_to_detection = i + 1;
        out.cpu_seconds_to_detection = cpu;
        out.verdict = o.verdict;
        out.invariant = o.invariant;
        out.run_id = o.run_id;
        if (auto stored = db.load_run(o.run_id)) out.detail = stored->detail;
        shrink_first_detection(bugged, options, out, o.scenario);
        break;
      }
    }
    out.runs = outcomes.size();
    out.coverage = db.coverage_run_counts(zoo_label(bug), build_id());
    if (log) {
      log(out.detected ? bug + ": detected on seed " + std::to_string(out.seed) + " of " + out.scenario + " (" +
                             out.invariant + ")"
                       : bug + ": not detected in " + std::to_string(options.max_seeds) + " seeds");
    }
    report.bugs.push_back(std::move(out));
  }
  if (options.clean_seeds > 0) {
    CampaignResult clean = campaign(options.scenarios, 1, options.clean_seeds, options, zoo_label(""));
    std::sort(clean.outcomes.begin(), clean.outcomes.end(), seed_major);
    for (const SeedOutcome& o : clean.outcomes) {
      ++report.clean.runs;
      report.clean.cpu_seconds += static_cast<double>(o.wall_ms) / 1000.0;
      if (o.verdict == "pass") continue;
      ++report.clean.false_alarms;
      report.clean.alarms.push_back(options.scenarios[o.scenario].name + " seed " + std::to_string(o.seed) + ": " +
                                    o.verdict + " " + o.invariant + " (run " + std::to_string(o.run_id) + ")");
    }
    report.clean.coverage = db.coverage_run_counts(zoo_label(""), build_id());
    if (log) {
      log("clean: " + std::to_string(report.clean.runs) + " runs, " + std::to_string(report.clean.false_alarms) +
          " false alarms");
    }
  }
  return report;
}

}  // namespace slotsim::runner
