// slotsim zoo [--bugs A,B] [--seeds N] [--clean-seeds N] [--jobs N] [--db FILE]:
// how fast fuzzing the shipped suite catches each known bug, and that the
// correct protocol raises no false alarm (README: the bug zoo).
#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cluster/danger_marks.h"
#include "node/variants.h"
#include "runner/zoo.h"

namespace slotsim::cli {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The correct-protocol suite: every scenario in DIR that declares `pass` and
// runs the correct protocol, by file name. A `pass` scenario of a historical
// design (failover_after_migrating_off passes: Redis 7 survives that phase)
// would put a bug into the clean campaign and a second bug into every other.
std::vector<runner::Scenario> passing_scenarios(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  std::filesystem::directory_iterator listing(dir, error);
  if (error) {
    throw std::runtime_error("cannot read the scenarios directory " + dir + ": " + error.message() +
                             " (--scenarios DIR)");
  }
  for (const auto& entry : listing) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<runner::Scenario> out;
  for (const auto& file : files) {
    runner::Scenario s = runner::load_scenario(file);
    if (s.expect_pass && s.variants.correct()) out.push_back(std::move(s));
  }
  return out;
}

void print_coverage(const runner::ZooReport& report) {
  fmt::print("\ndangerous states reached (runs that reached each, per campaign):\n");
  std::vector<std::pair<std::string, const std::map<std::string, std::int64_t>*>> columns;
  for (const auto& b : report.bugs) columns.emplace_back(b.bug, &b.coverage);
  if (report.clean.runs > 0) columns.emplace_back("clean", &report.clean.coverage);
  fmt::print("  {:<30}", "state");
  for (const auto& [name, counts] : columns) fmt::print(" {:>8.8}", name);
  fmt::print("\n");
  bool gap = false;
  for (const auto& mark : cluster::kDangerMarks) {
    fmt::print("  {:<30}", mark.name);
    std::int64_t total = 0;
    for (const auto& [name, counts] : columns) {
      const auto it = counts->find(std::string(cluster::kDangerPrefix) + std::string(mark.name));
      const std::int64_t n = it == counts->end() ? 0 : it->second;
      total += n;
      fmt::print(" {:>8}", n);
    }
    if (total == 0) gap = true;
    fmt::print("{}\n", total == 0 ? "   NEVER REACHED" : "");
  }
  if (gap) fmt::print("  (a state never reached is a gap in the nemesis or the workload, not a pass)\n");
}

}  // namespace

int zoo_command(const std::vector<std::string>& args) {
  po::options_description options("zoo options");
  std::string bugs_text, db_path = "zoo.db", dir = "scenarios";
  std::uint64_t seeds = 100, clean_seeds = 300;
  int jobs = 1, shrink_runs = 40;
  options.add_options()
      ("bugs", po::value(&bugs_text), "comma-separated zoo entries (default: all; see --list)")
      ("list", "list the zoo's bugs and exit")
      ("seeds", po::value(&seeds)->default_value(100), "seeds per bug (each seed runs every scenario once)")
      ("clean-seeds", po::value(&clean_seeds)->default_value(300),
       "seeds of the false-alarm campaign with no bug (0: skip it)")
      ("jobs,j", po::value(&jobs)->default_value(1), "worker processes")
      ("db", po::value(&db_path)->default_value("zoo.db"), "trace database (resumed when run again on the same build)")
      ("scenarios", po::value(&dir)->default_value("scenarios"), "directory of scenario files; the `pass` ones are used")
      ("shrink-runs", po::value(&shrink_runs)->default_value(40), "run budget for shrinking each first detection");
  int exit_code = 0;
  auto vm = parse_options("zoo", "[--bugs A,B] [--seeds N] [--clean-seeds N] [--jobs N] [--db FILE]\n\n"
                                 "A failure counts for a bug only if the same scenario and seed pass without it.\n\n"
                                 "exit codes: 0 every bug detected and no false alarm, 1 otherwise, 2 usage",
                          options, args, exit_code);
  if (!vm) return exit_code;
  if (vm->count("list")) {
    for (const auto& bug : node::kBugCatalog) {
      fmt::print("{:<32} {:<44} {}{}\n", bug.name, bug.origin, bug.summary, bug.implemented ? "" : " (not implemented yet)");
    }
    return 0;
  }
  runner::ZooOptions zoo;
  zoo.bugs = split_commas(bugs_text);
  if (zoo.bugs.empty()) {
    for (const auto& bug : node::kBugCatalog) {
      if (bug.implemented) zoo.bugs.emplace_back(bug.name);
    }
  }
  for (const auto& bug : zoo.bugs) {
    node::Variants probe;
    if (auto error = probe.enable_bug(bug)) {
      fmt::print(stderr, "slotsim zoo: --bugs: {}\n", *error);
      return 2;
    }
  }
  try {
    zoo.scenarios = passing_scenarios(dir);
  } catch (const std::exception& e) {
    fmt::print(stderr, "slotsim zoo: {}\n", e.what());
    return 2;
  }
  if (zoo.scenarios.empty()) {
    fmt::print(stderr, "slotsim zoo: no scenario in {} declares verdict \"pass\"\n", dir);
    return 2;
  }
  zoo.max_seeds = seeds;
  zoo.clean_seeds = clean_seeds;
  zoo.jobs = jobs;
  zoo.db_path = db_path;
  zoo.shrink_runs = shrink_runs;
  fmt::print("zoo: {} bugs x up to {} seeds of {} scenarios, then {} clean seeds; --jobs {}; database {}\n",
             zoo.bugs.size(), seeds, zoo.scenarios.size(), clean_seeds, jobs, db_path);
  std::fflush(stdout);
  const runner::ZooReport report =
      runner::run_zoo(zoo, [](const std::string& line) { fmt::print("  {}\n", line), std::fflush(stdout); });

  fmt::print("\n{:<32} {:<8} {:>5} {:>6} {:>8}  {:<16} {:<30} {}\n", "bug", "detected", "seed", "runs", "CPU s",
             "invariant", "scenario", "shrunk still fails");
  std::vector<double> cpu, seeds_needed;
  bool all_detected = true;
  for (const auto& b : report.bugs) {
    all_detected = all_detected && b.detected;
    if (!b.detected) {
      fmt::print("{:<32} {:<8} {:>5} {:>6} {:>8}  {:<16} {:<30} {}\n", b.bug, "no", "-", b.runs, "-", "-", "-", "-");
      continue;
    }
    cpu.push_back(b.cpu_seconds_to_detection);
    seeds_needed.push_back(static_cast<double>(b.seed));
    fmt::print("{:<32} {:<8} {:>5} {:>6} {:>8.1f}  {:<16} {:<30} {}\n", b.bug, "yes", b.seed, b.runs_to_detection,
               b.cpu_seconds_to_detection, b.invariant, b.scenario,
               b.shrunk_still_fails ? "yes (" + b.shrink_note + ")" : "no");
  }
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  for (const auto& bug : node::kBugCatalog) {
    if (!bug.implemented) fmt::print("{:<32} not implemented yet\n", bug.name);
  }
  fmt::print("detected {}/{}; median seeds to first detection {:.1f}, median CPU seconds {:.1f}\n", cpu.size(),
             report.bugs.size(), median(seeds_needed), median(cpu));
  std::size_t twin_failures = 0;
  for (const auto& b : report.bugs) {
    if (b.detected) fmt::print("  {}: run {} ({}): {}\n", b.bug, b.run_id, b.verdict, b.detail.substr(0, 160));
    for (const auto& twin : b.twin_failures) {
      fmt::print("  {}: not counted, fails without the bug too (a false alarm): {}\n", b.bug, twin);
    }
    twin_failures += b.twin_failures.size();
  }
  if (report.clean.runs > 0) {
    fmt::print("false alarms: {} in {} runs with no bug ({:.0f} CPU s)\n", report.clean.false_alarms,
               report.clean.runs, report.clean.cpu_seconds);
    for (const auto& alarm : report.clean.alarms) fmt::print("  {}\n", alarm);
  }
  print_coverage(report);
  fmt::print("details: sqlite3 {} \"select campaign, seed, scenario, verdict, invariant from runs where verdict != "
             "'pass'\"; slotsim replay {} --run ID\n",
             db_path, db_path);
  return all_detected && report.clean.false_alarms == 0 && twin_failures == 0 ? 0 : 1;
}

}  // namespace slotsim::cli
