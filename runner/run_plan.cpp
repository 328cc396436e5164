#include "runner/run_plan.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/random.h"
#include "sim/trace.h"

namespace slotsim::runner {

namespace {

Nanos exponential(sim::Rng& rng, Nanos mean) {
  return static_cast<Nanos>(-std::log(1.0 - rng.unit()) * static_cast<double>(mean));
}

Nanos between(sim::Rng& rng, Nanos lo, Nanos hi) {
  return hi <= lo ? lo : lo + static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(hi - lo) + 1));
}

template <class T>
const T& pick(sim::Rng& rng, const std::vector<T>& options) {
  return options[rng.below(options.size())];
}

// Log-uniform: a short fault (a restart within a second) is as likely as a
// long one (a failover), though they differ tenfold in length.
Nanos log_uniform(sim::Rng& rng, Nanos lo, Nanos hi) {
  if (hi <= lo) return lo;
  const double x = std::log(static_cast<double>(lo)) +
                   rng.unit() * (std::log(static_cast<double>(hi)) - std::log(static_cast<double>(lo)));
  return std::clamp(static_cast<Nanos>(std::exp(x)) / ms(1) * ms(1), lo, hi);
}

// The migration part of the swarm, from its own stream: scenarios that do not
// ask for it draw everything else exactly as before.
void apply_migration_swarm(Scenario& s, std::uint64_t seed) {
  const SwarmSpec& w = s.swarm;
  sim::Rng rng = sim::Rng::derive(seed, "swarm/migration");
  if (!w.appendfsync.empty()) s.appendfsync = *node::parse_appendfsync(pick(rng, w.appendfsync));
  if (!w.client_kind.empty()) client::parse_client_kind(pick(rng, w.client_kind), s.workload.client_kind);
  if (w.latency_max_max > 0) s.latency.max = between(rng, w.latency_max_min / ms(1), w.latency_max_max / ms(1)) * ms(1);
  static const std::vector<std::string> kPhases = {"after_importing", "after_migrating", "midway",
                                                   "between_setslot_node", "during_broadcast"};
  static const std::vector<std::string> kSides = {"source", "target", "both"};
  static const std::vector<std::string> kActions = {"crash", "pause", "isolate", "clog"};
  const std::vector<std::string>& actions = w.phase_fault_actions.empty() ? kActions : w.phase_fault_actions;
  const std::vector<std::string>& sides = w.phase_fault_sides.empty() ? kSides : w.phase_fault_sides;
  const int count = w.phase_faults_max > 0 ? static_cast<int>(rng.between(w.phase_faults_min, w.phase_faults_max)) : 0;
  for (int i = 0; i < count; ++i) {
    FaultStep f;
    f.phase = pick(rng, kPhases);
    f.side = pick(rng, sides);
    f.action = pick(rng, actions);
    f.duration = log_uniform(rng, w.phase_fault_duration_min, w.phase_fault_duration_max);
    s.faults.push_back(std::move(f));
  }
}

void apply_swarm(Scenario& s, std::uint64_t seed) {
  sim::Rng rng = sim::Rng::derive(seed, "swarm");
  const SwarmSpec& w = s.swarm;
  if (w.primaries_min > 0) s.primaries = static_cast<int>(rng.between(w.primaries_min, w.primaries_max));
  if (w.replicas_min >= 0) s.replicas = static_cast<int>(rng.between(w.replicas_min, w.replicas_max));
  if (w.clients_min > 0) s.clients = static_cast<int>(rng.between(w.clients_min, w.clients_max));
  // Whole milliseconds: the node's timeouts are configured in ms.
  if (w.node_timeout_max > 0) s.node_timeout = between(rng, w.node_timeout_min / ms(1), w.node_timeout_max / ms(1)) * ms(1);
  if (w.nemesis && !s.nemesis.empty()) {
    std::vector<NemesisSpec> kept;
    for (const auto& g : s.nemesis) {
      if (rng.chance(0.5)) kept.push_back(g);
    }
    // A seed without any fault would mostly repeat the quiet baseline.
    if (kept.empty()) kept.push_back(s.nemesis[rng.below(s.nemesis.size())]);
    s.nemesis = std::move(kept);
  }
  if (w.buggify) s.buggify = rng.chance(0.5);
  // Drawn last, so scenarios without it draw everything else as before.
  if (w.empty_primaries_min >= 0) {
    s.empty_primaries = static_cast<int>(rng.between(w.empty_primaries_min, w.empty_primaries_max));
  }
  apply_migration_swarm(s, seed);
  s.swarm = SwarmSpec{};
}

std::vector<std::string> targets(const Scenario& s, const std::string& role) {
  std::vector<std::string> names;
  for (int i = 1; i <= s.node_count(); ++i) {
    const bool primary = i <= s.primaries || i > s.primaries * (1 + s.replicas);
    if (role == "any" || (role == "primaries") == primary) names.push_back("n" + std::to_string(i));
  }
  return names;
}

void materialize(Scenario& s, std::uint64_t seed) {
  for (std::size_t i = 0; i < s.nemesis.size(); ++i) {
    const NemesisSpec& g = s.nemesis[i];
    sim::Rng rng = sim::Rng::derive(seed, fmt::format("nemesis/{}/{}", i, g.action));
    const auto names = targets(s, g.targets);
    const auto everyone = targets(s, "any");
    if (names.empty()) continue;
    const Nanos stop = g.stop > 0 ? std::min(g.stop, s.duration) : s.duration;
    for (Nanos t = g.start + exponential(rng, g.every); t < stop;) {
      FaultStep f;
      f.at = t;
      f.action = g.action;
      f.duration = g.action == "reset" ? 0 : between(rng, g.duration / 2, g.duration);
      if (g.action == "partition") {
        // A random minority (possibly of one) against the rest.
        std::vector<std::string> shuffled = everyone;
        for (std::size_t k = shuffled.size(); k > 1; --k) std::swap(shuffled[k - 1], shuffled[rng.below(k)]);
        const std::size_t minority = 1 + rng.below(std::max<std::size_t>(1, (shuffled.size() - 1) / 2));
        f.groups = {std::vector<std::string>(shuffled.begin(), shuffled.begin() + static_cast<long>(minority)),
                    std::vector<std::string>(shuffled.begin() + static_cast<long>(minority), shuffled.end())};
        for (auto& group : f.groups) std::sort(group.begin(), group.end());
      } else {
        f.node = names[rng.below(names.size())];
      }
      if (g.action == "clock_skew") {
        // Small jumps and drift within the 10% the S5 bound allows for.
        f.offset = between(rng, -ms(200), ms(200));
        f.drift_ppm = rng.between(-50'000, 50'000);
      }
      if (g.action == "slow") f.factor = static_cast<double>(rng.between(5, 50));
      s.faults.push_back(std::move(f));
      t += s.faults.back().duration + exponential(rng, g.every);
    }
  }
  s.nemesis.clear();
  // Timed faults in time order (stable: equal times keep the file's order); phase faults after.
  std::stable_sort(s.faults.begin(), s.faults.end(), [](const FaultStep& a, const FaultStep& b) {
    if (a.phase.empty() != b.phase.empty()) return a.phase.empty();
    return a.phase.empty() && a.at < b.at;
  });
}

}  // namespace

Scenario instantiate(const Scenario& scenario, std::uint64_t seed) {
  Scenario s = scenario;
  if (s.swarm.enabled) apply_swarm(s, seed);
  materialize(s, seed);
  return s;
}

std::string describe_parameters(const Scenario& s) {
  return fmt::format("primaries={} replicas={}{} node_timeout={} clients={} buggify={} faults={} {}", s.primaries,
                     s.replicas, s.empty_primaries != 0 ? fmt::format(" empty_primaries={}", s.empty_primaries) : "",
                     sim::format_time(s.node_timeout), s.clients, s.buggify ? 1 : 0, s.faults.size(),
                     s.variants.describe());
}

}  // namespace slotsim::runner
