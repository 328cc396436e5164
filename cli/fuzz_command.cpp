// slotsim fuzz SCENARIO... --seeds A..B [--jobs N] [--db FILE] [--time-budget S] [--shard K/N]
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <tuple>
#include <map>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/parse.h"
#include "runner/bug_switch.h"
#include "runner/build_id.h"
#include "runner/campaign.h"
#include "sim/trace.h"

namespace slotsim::cli {

namespace {

std::string format_eta(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// A bar on a terminal (redrawn in place), a line every 10% otherwise (CI logs).
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(isatty(STDERR_FILENO) != 0) {}
  void operator()(const runner::CampaignProgress& p) {
    if (!started_) {  // seeds resumed from the database are not this campaign's speed
      started_ = true;
      first_done_ = p.done;
    }
    const double rate = p.elapsed_seconds > 0 ? static_cast<double>(p.done - first_done_) / p.elapsed_seconds : 0;
    const double left = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
    const int width = 30;
    const int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
    const std::string line = fmt::format("[{}{}] {}/{} seeds  {:.1f} seeds/s  {} failed ({} unexpected)  ETA {}",
                                         std::string(filled, '#'), std::string(width - filled, '-'), p.done, p.total,
                                         rate, p.failures, p.surprises,
                                         rate > 0 ? format_eta(left) : "?");
    if (tty_) {
      fmt::print(stderr, "\r{}\x1b[K", line);
      if (p.done == p.total) fmt::print(stderr, "\n");
    } else {
      const std::size_t decile = p.total ? p.done * 10 / p.total : 10;
      if (decile != last_decile_ || p.done == p.total) fmt::print(stderr, "{}\n", line);
      last_decile_ = decile;
    }
  }

 private:
  bool tty_;
  bool started_ = false;
  std::size_t first_done_ = 0;
  std::size_t last_decile_ = 99;
};

bool parse_shard(const std::string& text, int& k, int& n) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  auto a = std::from_chars(text.data(), text.data() + slash, k);
  auto b = std::from_chars(text.data() + slash + 1, text.data() + text.size(), n);
  return a.ec == std::errc() && a.ptr == text.data() + slash && b.ec == std::errc() &&
         b.ptr == text.data() + text.size() && n >= 1 && k >= 1 && k <= n;
}

}  // namespace

int fuzz_command(const std::vector<std::string>& args) {
  po::options_description options("fuzz options");
  std::vector<std::string> files, bugs;
  std::string seeds_text = "1..100", shard_text = "1/1", db_path, label;
  int jobs = 1;
  double budget = 0, seed_timeout = 600;
  options.add_options()
      ("seeds", po::value(&seeds_text)->default_value("1..100"), "seed range A..B (inclusive)")
      ("jobs,j", po::value(&jobs)->default_value(1), "worker processes")
      ("db", po::value(&db_path), "trace database (SQLite); a campaign on it resumes where it stopped")
      ("time-budget", po::value(&budget)->default_value(0), "stop handing out seeds after S wall seconds (0: none)")
      ("seed-timeout", po::value(&seed_timeout)->default_value(600),
       "kill a seed that runs longer than S wall seconds and record it as a crash (0: never)")
      ("shard", po::value(&shard_text)->default_value("1/1"), "K/N: run the K-th of N interleaved shares of the seeds")
      ("no-swarm", "run every seed with the scenario's own parameters, ignoring its [swarm] bounds")
      ("bug", po::value(&bugs)->composing(), "switch on a zoo bug in every scenario (repeatable; README: the bug zoo)")
      ("campaign", po::value(&label), "a label stored with every run (runs.campaign)")
      ("scenario", po::value(&files)->multitoken(), "scenario files (positional)");
  po::positional_options_description positional;
  positional.add("scenario", -1);
  int exit_code = 0;
  auto vm = parse_options("fuzz",
                          "SCENARIO... --seeds A..B [--jobs N] [--db FILE] [--time-budget S] [--shard K/N]\n\n"
                          "exit codes: 0 every scenario as declared (pass scenarios pass on every seed, fail "
                          "scenarios are caught on some seed), 1 otherwise, 2 usage or bad scenario",
                          options, args, exit_code, &positional);
  if (!vm) return exit_code;
  runner::CampaignOptions campaign;
  const auto range = parse_seed_range(seeds_text);
  if (!range) {
    fmt::print(stderr, "slotsim fuzz: --seeds: expected A..B, got '{}'\n", seeds_text);
    return 2;
  }
  if (!parse_shard(shard_text, campaign.shard, campaign.shards)) {
    fmt::print(stderr, "slotsim fuzz: --shard: expected K/N with 1 <= K <= N, got '{}'\n", shard_text);
    return 2;
  }
  if (files.empty()) {
    fmt::print(stderr, "slotsim fuzz: give one or more scenario files (see scenarios/)\n");
    return 2;
  }
  for (const auto& file : files) {
    try {
      campaign.scenarios.push_back(runner::load_scenario(file));
    } catch (const runner::ScenarioError& e) {
      fmt::print(stderr, "slotsim fuzz: {}\n", e.what());
      return 2;
    }
    if (vm->count("no-swarm")) campaign.scenarios.back().swarm.enabled = false;
    if (auto error = runner::apply_bugs(campaign.scenarios.back(), bugs)) {
      fmt::print(stderr, "slotsim fuzz: --bug: {}\n", *error);
      return 2;
    }
  }
  campaign.first_seed = range->first;
  campaign.last_seed = range->last;
  campaign.jobs = jobs;
  campaign.db_path = db_path;
  campaign.label = label;
  campaign.time_budget_seconds = budget;
  campaign.seed_timeout_seconds = seed_timeout;

  ProgressPrinter printer;
  runner::CampaignResult result = runner::run_campaign(campaign, std::ref(printer));
  // Completion order depends on the machine; the report does not.
  std::sort(result.outcomes.begin(), result.outcomes.end(),
            [](const runner::SeedOutcome& a, const runner::SeedOutcome& b) {
              return std::tie(a.scenario, a.seed) < std::tie(b.scenario, b.seed);
            });

  // Per scenario: verdict counts, and whether the seeds together are what it declares.
  bool all_expected = true;
  std::int64_t sim_ns = 0;
  std::size_t ran = 0;
  for (const auto& o : result.outcomes) {
    if (!o.resumed) {
      sim_ns += o.sim_ns;
      ++ran;
    }
  }
  fmt::print("build {}; seeds {}..{}{}; {} runs ({} resumed from the database){}\n", runner::build_id(),
             range->first, range->last, campaign.shards > 1 ? " shard " + shard_text : "", result.outcomes.size(),
             result.outcomes.size() - ran, result.not_run ? fmt::format("; {} not run (time budget)", result.not_run) : "");
  std::size_t name_width = 0;
  for (const auto& s : campaign.scenarios) name_width = std::max(name_width, s.name.size());
  for (std::size_t i = 0; i < campaign.scenarios.size(); ++i) {
    const auto& s = campaign.scenarios[i];
    std::map<std::string, std::size_t> verdicts;
    std::size_t caught = 0, total = 0;
    for (const auto& o : result.outcomes) {
      if (o.scenario != i) continue;
      ++total;
      ++verdicts[o.verdict];
      caught += o.verdict != "pass" && o.invariant == s.expect_invariant;
    }
    const bool expected = runner::campaign_as_expected(s, result.outcomes, i);
    all_expected = all_expected && expected;
    std::string counts;
    for (const auto& [verdict, n] : verdicts) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, verdict);
    fmt::print("  {:<{}} {:>5} seeds: {:<28} {}\n", s.name, name_width, total, counts,
               expected ? (s.expect_pass ? "as expected (pass)"
                                         : fmt::format("as expected (caught {} on {}/{} seeds)", s.expect_invariant,
                                                       caught, total))
                        : (s.expect_pass ? "NOT as expected: should pass on every seed"
                                         : fmt::format("NOT as expected: should break {}", s.expect_invariant)));
    // The first few surprises, with the commands that bring them back.
    std::size_t shown = 0;
    for (const auto& o : result.outcomes) {
      if (o.scenario != i || shown >= 5) continue;
      const bool surprising = s.expect_pass ? o.verdict != "pass" : o.verdict == "crash";
      if (!surprising) continue;
      ++shown;
      fmt::print("      seed {}: {} {}{}\n", o.seed, o.verdict, o.invariant,
                 o.run_id ? fmt::format("  (slotsim replay {} --run {})", db_path, o.run_id)
                          : fmt::format("  (slotsim run {} --seed {}{}{})", s.file, o.seed,
                                        vm->count("no-swarm") ? " --no-swarm" : "", runner::bug_flags(bugs)));
    }
  }
  const double sim_seconds = static_cast<double>(sim_ns) / 1e9;
  fmt::print("{} runs in {:.1f}s wall, {:.1f}s CPU: {:.2f} seeds/s, {:.0f} seeds per CPU-hour, {:.0f}x real time "
             "per CPU\n",
             ran, result.wall_seconds, result.cpu_seconds, ran / std::max(result.wall_seconds, 1e-9),
             ran * 3600.0 / std::max(result.cpu_seconds, 1e-9), sim_seconds / std::max(result.cpu_seconds, 1e-9));
  return all_expected ? 0 : 1;
}

}  // namespace slotsim::cli
