#include "runner/shrink.h"

#include <algorithm>

#include <fmt/format.h>

#include "runner/scenario_writer.h"

namespace slotsim::runner {

namespace {

class Shrinker {
 public:
  Shrinker(std::uint64_t seed, std::string invariant, int max_runs,
           const std::function<void(int, bool)>& progress)
      : seed_(seed), invariant_(std::move(invariant)), max_runs_(max_runs), progress_(progress) {}

  // Adopts the candidate when it still fails the same way.
  bool try_candidate(const Scenario& candidate, Scenario& current, RunResult& current_result) {
    if (runs_ >= max_runs_) return false;
    ++runs_;
    RunResult r;
    try {
      r = run_scenario(candidate, seed_);
    } catch (const std::exception&) {
      r.verdict = Verdict::crash;
    }
    const bool still_fails = r.verdict != Verdict::pass && r.verdict != Verdict::crash && r.invariant == invariant_;
    if (progress_) progress_(runs_, still_fails);
    if (still_fails) {
      current = candidate;
      current_result = std::move(r);
    }
    return still_fails;
  }
  bool exhausted() const { return runs_ >= max_runs_; }
  int runs() const { return runs_; }

 private:
  std::uint64_t seed_;
  std::string invariant_;
  int max_runs_;
  const std::function<void(int, bool)>& progress_;
  int runs_ = 0;
};

// Removes chunks of a list (halves, quarters, ... single items), keeping
// every removal that still fails.
template <typename T>
bool shrink_list(Shrinker& shrinker, Scenario& current, RunResult& result, std::vector<T> Scenario::*list) {
  bool progress = false;
  for (std::size_t chunk = std::max<std::size_t>(1, (current.*list).size() / 2); chunk >= 1 && !shrinker.exhausted();
       chunk /= 2) {
    for (std::size_t start = 0; start < (current.*list).size() && !shrinker.exhausted();) {
      Scenario candidate = current;
      auto& items = candidate.*list;
      items.erase(items.begin() + static_cast<long>(start),
                  items.begin() + static_cast<long>(std::min(items.size(), start + chunk)));
      if (shrinker.try_candidate(candidate, current, result)) progress = true;
      else start += chunk;
    }
    if (chunk == 1) break;
  }
  return progress;
}

bool shrink_number(Shrinker& shrinker, Scenario& current, RunResult& result, int& (*field)(Scenario&), int floor) {
  bool progress = false;
  while (field(current) > floor && !shrinker.exhausted()) {
    Scenario half = current;
    field(half) = std::max(floor, field(current) / 2);
    if (shrinker.try_candidate(half, current, result)) {
      progress = true;
      continue;
    }
    Scenario less = current;
    field(less) = field(current) - 1;
    if (field(less) == field(half) || !shrinker.try_candidate(less, current, result)) break;
    progress = true;
  }
  return progress;
}

int& clients_of(Scenario& s) { return s.clients; }
int& key_count_of(Scenario& s) { return s.workload.keys; }

// The safety phase must still hold every timed step.
Nanos last_step(const Scenario& s) {
  Nanos last = 0;
  for (const auto& f : s.faults) last = std::max(last, f.phase.empty() ? f.at + f.duration : Nanos{0});
  for (const auto& p : s.plan) last = std::max(last, p.at);
  return last;
}

bool shrink_duration(Shrinker& shrinker, Scenario& current, RunResult& result) {
  bool progress = false;
  const Nanos floor = last_step(current) + seconds(1);
  while (current.duration > floor && !shrinker.exhausted()) {
    Scenario candidate = current;
    // Whole 100ms steps keep the written scenario readable.
    candidate.duration = std::max(floor, (current.duration / 2) / ms(100) * ms(100));
    if (candidate.duration >= current.duration || !shrinker.try_candidate(candidate, current, result)) break;
    progress = true;
  }
  return progress;
}

}  // namespace

ShrinkResult shrink_run(const Scenario& instantiated, std::uint64_t seed, const std::string& invariant, int max_runs,
                        const std::function<void(int, bool)>& progress) {
  Shrinker shrinker(seed, invariant, max_runs, progress);
  ShrinkResult out;
  out.minimized = instantiated;
  Scenario& current = out.minimized;
  RunResult& result = out.result;
  // The original, for the result of a run that nothing could shrink; one
  // that does not fail (any more) is not shrunk at all.
  result = run_scenario(current, seed);
  out.runs = 1;
  if (result.verdict == Verdict::pass || result.verdict == Verdict::crash || result.invariant != invariant) {
    out.removed = "nothing: the run does not fail " + invariant;
    return out;
  }
  bool progress_made = true;
  while (progress_made && !shrinker.exhausted()) {
    progress_made = false;
    progress_made |= shrink_list(shrinker, current, result, &Scenario::faults);
    progress_made |= shrink_list(shrinker, current, result, &Scenario::plan);
    progress_made |= shrink_number(shrinker, current, result, clients_of, 1);
    progress_made |= shrink_duration(shrinker, current, result);
    if (current.workload.key_names.empty()) {
      progress_made |= shrink_number(shrinker, current, result, key_count_of, 1);
    } else {
      Scenario& c = current;
      std::vector<std::string> names = c.workload.key_names;
      for (std::size_t i = 0; i < names.size() && names.size() > 1 && !shrinker.exhausted();) {
        Scenario candidate = c;
        candidate.workload.key_names.erase(candidate.workload.key_names.begin() + static_cast<long>(i));
        if (shrinker.try_candidate(candidate, current, result)) {
          names = current.workload.key_names;
          progress_made = true;
        } else {
          ++i;
        }
      }
    }
  }
  out.runs = shrinker.runs() + 1;
  std::vector<std::string> changes;
  auto note = [&](const char* what, std::size_t before, std::size_t after) {
    if (before != after) changes.push_back(fmt::format("{} {} -> {}", what, before, after));
  };
  note("faults", instantiated.faults.size(), current.faults.size());
  note("operator steps", instantiated.plan.size(), current.plan.size());
  note("clients", static_cast<std::size_t>(instantiated.clients), static_cast<std::size_t>(current.clients));
  note("keys", instantiated.workload.key_names.empty() ? instantiated.workload.keys : instantiated.workload.key_names.size(),
       current.workload.key_names.empty() ? current.workload.keys : current.workload.key_names.size());
  if (instantiated.duration != current.duration) {
    changes.push_back("duration " + format_duration(instantiated.duration) + " -> " + format_duration(current.duration));
  }
  for (std::size_t i = 0; i < changes.size(); ++i) out.removed += (i ? ", " : "") + changes[i];
  if (out.removed.empty()) out.removed = "nothing could be removed";
  return out;
}

}  // namespace slotsim::runner
