// Prints history-checking throughput: a correct register history (100k
// operations over 1k keys from 30 clients, some concurrency, 1% timeouts) through
// the linearizability checker, and a list-append history of the same size
// through the list-append checker; plus JSON-lines parsing of the register one.
// Run: build/bench_checker [operations] [keys] [clients] [seed]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "checker/history_generator.h"
#include "checker/history_json.h"
#include "checker/linearizability.h"
#include "checker/list_append.h"
#include "sim/random.h"

using namespace slotsim;
using namespace slotsim::checker;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::size_t arg(int argc, char** argv, int i, std::size_t fallback) {
  return argc > i ? static_cast<std::size_t>(std::atoll(argv[i])) : fallback;
}

// Pairs and checks; prints one line; false when the verdict is not valid.
template <class Check>
bool run(const char* name, const History& history, const GeneratorOptions& options, Check check) {
  const auto start = std::chrono::steady_clock::now();
  const PairedHistory paired = pair_operations(history);
  const double pair_wall = seconds_since(start);
  const CheckResult result = check(paired.operations);
  const double wall = seconds_since(start);
  const double ops = static_cast<double>(paired.operations.size());
  std::printf("%-12s %zu ops, %zu keys, %zu clients: %s in %.3fs wall (pairing %.3fs) = %.0f ops/s%s\n", name,
              paired.operations.size(), result.keys_checked, options.clients, verdict_line(result).c_str(), wall,
              pair_wall, ops / wall,
              result.steps > 0 ? (", " + std::to_string(result.steps) + " search steps").c_str() : "");
  return result.verdict == Verdict::valid;
}

}  // namespace

int main(int argc, char** argv) {
  GeneratorOptions options;
  options.operations = arg(argc, argv, 1, 100'000);
  options.keys = arg(argc, argv, 2, 1'000);
  options.clients = arg(argc, argv, 3, 30);
  const std::uint64_t seed = arg(argc, argv, 4, 1);
  options.read_fraction = 0.5;
  options.cas_fraction = 0.1;
  options.info_fraction = 0.01;
  // Latency up to 5x the think time: each client overlaps several others.
  options.latency_ns_max = 100'000;
  options.think_ns_max = 20'000;

  sim::Rng register_rng = sim::Rng::derive(seed, "bench_checker/register");
  const History registers = generate_register_history(register_rng, options);
  bool ok = run("register", registers, options,
                [](const std::vector<Operation>& ops) { return check_register(ops); });
  // Every read returns its whole list, so a list-append history grows with
  // the square of the operations per key: skip sizes that would not fit.
  if (options.operations / std::max<std::size_t>(options.keys, 1) <= 5'000) {
    sim::Rng list_rng = sim::Rng::derive(seed, "bench_checker/list_append");
    const History lists = generate_list_append_history(list_rng, options);
    ok = run("list-append", lists, options,
             [](const std::vector<Operation>& ops) { return check_list_append(ops); }) &&
         ok;
  } else {
    std::printf("list-append  skipped: %zu operations per key would make reads of quadratic total size\n",
                options.operations / std::max<std::size_t>(options.keys, 1));
  }

  // A hotter workload: the same operations over 10 keys, 3 concurrent clients per key on average.
  GeneratorOptions hot = options;
  hot.keys = 10;
  sim::Rng hot_rng = sim::Rng::derive(seed, "bench_checker/hot");
  const History hot_registers = generate_register_history(hot_rng, hot);
  ok = run("register-hot", hot_registers, hot,
           [](const std::vector<Operation>& ops) { return check_register(ops); }) &&
       ok;

  const std::string text = to_jsonl(registers);
  const auto start = std::chrono::steady_clock::now();
  const ParsedHistory parsed = parse_history_jsonl(text);
  const double wall = seconds_since(start);
  std::printf("json-lines   %zu events, %.1f MB parsed in %.3fs wall = %.0f events/s, %.0f MB/s%s\n",
              parsed.history.size(), static_cast<double>(text.size()) / 1e6, wall,
              static_cast<double>(parsed.history.size()) / wall, static_cast<double>(text.size()) / 1e6 / wall,
              parsed.error ? " (ERROR)" : "");
  return ok && !parsed.error ? 0 : 1;
}
