#include "runner/campaign.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "runner/build_id.h"
#include "runner/run_plan.h"
#include "runner/run_record.h"
#include "runner/trace_db.h"

namespace slotsim::runner {

namespace {

struct Task {
  std::size_t scenario = 0;
  std::uint64_t seed = 0;
};

// A worker's exit code when it cannot use the trace database: a campaign
// problem, not a seed's.
constexpr int kWorkerInfrastructureError = 3;

// Worker side: read "SCENARIO SEED" lines, run, store, answer one line each.
[[noreturn]] void worker_main(const CampaignOptions& options, int tasks_fd, int results_fd) {
  // Orphaned workers would go on writing into a database a new campaign may be resetting.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int code = 0;
  try {
    std::unique_ptr<TraceDb> db;
    if (!options.db_path.empty()) db = std::make_unique<TraceDb>(options.db_path);
    FILE* in = fdopen(tasks_fd, "r");
    std::size_t scenario_index = 0;
    unsigned long long seed = 0;
    while (in != nullptr && std::fscanf(in, "%zu %llu", &scenario_index, &seed) == 2) {
      const Scenario& scenario = options.scenarios.at(scenario_index);
      std::string line;
      {  // The run is gone before the parent hears the seed is done: dying in its teardown blames this seed.
        RunOptions run_options;
        run_options.keep_trace = db != nullptr;  // a failing run's events go to the database
        const ExecutedRun run = execute_seed(scenario, seed, run_options);
        std::int64_t id = 0;
        if (db) {
          RunRecord record = make_run_record(scenario, run.instantiated, seed, run.result, run.wall_ms);
          record.campaign = options.label;
          try {
            id = db->insert_run(record);
          } catch (const TraceDbError& e) {
            fmt::print(stderr, "slotsim fuzz: worker {}: {}\n", getpid(), e.what());
            std::fflush(stderr);
            _exit(kWorkerInfrastructureError);
          }
        }
        line = fmt::format("{} {} {} {} {} {} {}\n", scenario_index, seed, to_string(run.result.verdict),
                           run.result.invariant.empty() ? "-" : run.result.invariant, id, run.wall_ms,
                           run.result.simulated);
      }
      if (write(results_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "slotsim fuzz: worker {}: {}\n", getpid(), e.what());
    code = kWorkerInfrastructureError;
  }
  std::fflush(stderr);
  _exit(code);
}

struct Worker {
  pid_t pid = -1;
  int tasks_fd = -1;    // parent writes
  int results_fd = -1;  // parent reads
  std::string buffer;
  bool busy = false;
  Task task;
  std::chrono::steady_clock::time_point task_started;
  bool timed_out = false;
};

Worker spawn_worker(const CampaignOptions& options, const std::vector<Worker>& others) {
  int tasks[2], results[2];
  if (pipe(tasks) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (pipe(results) != 0) {
    close(tasks[0]);
    close(tasks[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {tasks[0], tasks[1], results[0], results[1]}) close(fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(tasks[1]);
    close(results[0]);
    for (const auto& w : others) {  // another worker's pipes would keep it from seeing EOF
      if (w.tasks_fd >= 0) close(w.tasks_fd);
      if (w.results_fd >= 0) close(w.results_fd);
    }
    worker_main(options, tasks[0], results[1]);
  }
  close(tasks[0]);
  close(results[1]);
  Worker w;
  w.pid = pid;
  w.tasks_fd = tasks[1];
  w.results_fd = results[0];
  return w;
}

bool send_task(Worker& w, const Task& task) {
  const std::string line = fmt::format("{} {}\n", task.scenario, task.seed);
  if (write(w.tasks_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return false;
  w.busy = true;
  w.task = task;
  w.task_started = std::chrono::steady_clock::now();
  return true;
}

void retire(Worker& w) {
  if (w.tasks_fd >= 0) close(w.tasks_fd);
  w.tasks_fd = -1;
}

// Someone stopped the campaign (not the seed's fault): no row, the seed stays unrun.
bool stopped_from_outside(int status) {
  return WIFSIGNALED(status) &&
         (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGHUP);
}

std::string exit_description(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return "ended";
}

double children_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

CampaignResult run_campaign(const CampaignOptions& options,
                            const std::function<void(const CampaignProgress&)>& progress) {
  if (options.scenarios.empty()) throw std::runtime_error("no scenario to run");
  if (options.jobs < 1) throw std::runtime_error("--jobs must be at least 1");
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  const double cpu_before = children_cpu_seconds();

  CampaignResult result;
  // Never open across fork() (SQLite's locks are per process): read what is
  // recorded, close, and open briefly again only to record a crashed seed.
  std::unique_ptr<TraceDb> db;
  if (!options.db_path.empty()) db = std::make_unique<TraceDb>(options.db_path);
  std::uint64_t tasks = 0;
  for (std::uint64_t seed = options.first_seed;; ++seed) {
    tasks += options.scenarios.size();
    if (tasks > 50'000'000) {
      throw std::runtime_error("the seed range is too large to plan (over 50 million runs); split it, or use a "
                               "smaller range with --time-budget");
    }
    if (seed == options.last_seed) break;
  }

  // Seed-major order: every scenario makes progress from the start.
  std::deque<Task> pending;
  std::vector<std::map<std::uint64_t, SeedOutcome>> recorded(options.scenarios.size());
  for (std::size_t i = 0; i < options.scenarios.size() && db; ++i) {
    const Scenario& s = options.scenarios[i];
    for (const auto& run : db->recorded_runs(s.text, build_id(), s.swarm.enabled)) {
      SeedOutcome o;
      o.scenario = i;
      o.seed = run.seed;
      o.verdict = run.verdict;
      o.invariant = run.invariant;
      o.run_id = run.id;
      o.wall_ms = run.wall_ms;
      o.sim_ns = run.sim_ns;
      o.resumed = true;
      recorded[i].emplace(run.seed, o);
    }
  }
  for (std::uint64_t seed = options.first_seed; seed <= options.last_seed; ++seed) {
    if (options.shards > 1 && static_cast<int>((seed - options.first_seed) % static_cast<std::uint64_t>(options.shards)) !=
                                  options.shard - 1) {
      continue;
    }
    for (std::size_t i = 0; i < options.scenarios.size(); ++i) {
      auto it = recorded[i].find(seed);
      if (it != recorded[i].end()) result.outcomes.push_back(it->second);
      else pending.push_back({i, seed});
    }
    if (seed == options.last_seed) break;  // last_seed may be the largest uint64
  }

  db.reset();

  CampaignProgress status;
  status.total = result.outcomes.size() + pending.size();
  status.done = result.outcomes.size();
  auto count = [&](const SeedOutcome& o) {
    status.failures += o.verdict != "pass";
    status.surprises += o.verdict == "crash" || (o.verdict != "pass" && options.scenarios[o.scenario].expect_pass);
  };
  for (const auto& o : result.outcomes) count(o);
  auto report = [&] {
    status.elapsed_seconds = elapsed();
    if (progress) progress(status);
  };
  auto finished = [&](SeedOutcome outcome) {
    ++status.done;
    count(outcome);
    result.outcomes.push_back(std::move(outcome));
    report();
  };
  report();

  // A worker that died leaves a pipe nobody reads: writing to it must fail, not kill us.
  struct IgnoreSigpipe {
    struct sigaction previous {};
    IgnoreSigpipe() {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      sigaction(SIGPIPE, &ignore, &previous);
    }
    ~IgnoreSigpipe() { sigaction(SIGPIPE, &previous, nullptr); }
  } ignore_sigpipe;
  std::vector<Worker> workers;
  auto stop_workers = [&] {
    for (auto& w : workers) {
      kill(w.pid, SIGKILL);
      int ignored = 0;
      while (waitpid(w.pid, &ignored, 0) < 0 && errno == EINTR) {
      }
      if (w.tasks_fd >= 0) close(w.tasks_fd);
      close(w.results_fd);
    }
    workers.clear();
  };
  const std::size_t wanted = std::min<std::size_t>(static_cast<std::size_t>(options.jobs), pending.size());
  auto out_of_time = [&] { return options.time_budget_seconds > 0 && elapsed() >= options.time_budget_seconds; };
  auto feed = [&](Worker& w) {
    if (!pending.empty() && !out_of_time()) {
      if (send_task(w, pending.front())) pending.pop_front();
      else retire(w);  // it died: its EOF comes next, with nothing held
      return;
    }
    retire(w);
  };
  for (std::size_t i = 0; i < wanted; ++i) {
    workers.push_back(spawn_worker(options, workers));
    feed(workers.back());
  }

  while (!workers.empty()) {
    std::vector<pollfd> fds;
    for (const auto& w : workers) fds.push_back({w.results_fd, POLLIN, 0});
    // Wake often enough to notice a seed past its timeout.
    const int poll_ms = options.seed_timeout_seconds > 0
                            ? static_cast<int>(std::clamp(options.seed_timeout_seconds * 250, 10.0, 1000.0))
                            : 1000;
    if (poll(fds.data(), fds.size(), poll_ms) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < workers.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Worker& w = workers[i];
      char chunk[4096];
      const ssize_t n = read(w.results_fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        w.buffer.append(chunk, static_cast<std::size_t>(n));
        for (auto newline = w.buffer.find('\n'); newline != std::string::npos; newline = w.buffer.find('\n')) {
          std::istringstream line(w.buffer.substr(0, newline));
          w.buffer.erase(0, newline + 1);
          SeedOutcome o;
          line >> o.scenario >> o.seed >> o.verdict >> o.invariant >> o.run_id >> o.wall_ms >> o.sim_ns;
          if (o.invariant == "-") o.invariant.clear();
          w.busy = false;
          finished(std::move(o));
          feed(w);
        }
        continue;
      }
      // EOF: the worker is gone. If it held a seed, that seed crashed the simulator.
      close(w.results_fd);
      if (w.tasks_fd >= 0) close(w.tasks_fd);
      int wait_status = 0;
      while (waitpid(w.pid, &wait_status, 0) < 0 && errno == EINTR) {
      }
      w.tasks_fd = -1;
      if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == kWorkerInfrastructureError) {
        workers.erase(workers.begin() + static_cast<long>(i));
        stop_workers();
        throw std::runtime_error("a worker could not use the trace database (its error is above); the seeds "
                                 "recorded so far are kept");
      }
      if (w.busy && stopped_from_outside(wait_status)) {
        pending.push_front(w.task);
        w.busy = false;
      }
      if (w.busy) {
        SeedOutcome o;
        o.scenario = w.task.scenario;
        o.seed = w.task.seed;
        o.verdict = "crash";
        o.invariant = w.timed_out ? "simulator-timeout" : "simulator";
        const std::string detail =
            w.timed_out ? fmt::format("the seed ran longer than {} s of wall time; its worker was killed",
                                      options.seed_timeout_seconds)
                        : "the worker running this seed " + exit_description(wait_status);
        if (!options.db_path.empty()) {
          TraceDb crash_db(options.db_path);
          const Scenario& s = options.scenarios[o.scenario];
          RunResult crashed;
          crashed.verdict = Verdict::crash;
          crashed.invariant = o.invariant;
          crashed.detail = detail;
          RunRecord record = make_run_record(s, instantiate(s, o.seed), o.seed, crashed, 0);
          record.campaign = options.label;
          o.run_id = crash_db.insert_run(record);
        }
        finished(std::move(o));
      }
      workers.erase(workers.begin() + static_cast<long>(i));
      if (!pending.empty() && !out_of_time()) {
        workers.push_back(spawn_worker(options, workers));
        feed(workers.back());
      }
      break;  // the fds vector no longer matches
    }
    // A seed that never ends (a livelock at one virtual instant) must not hold the campaign.
    if (options.seed_timeout_seconds > 0) {
      const auto now = std::chrono::steady_clock::now();
      for (auto& w : workers) {
        if (w.busy && !w.timed_out &&
            std::chrono::duration<double>(now - w.task_started).count() > options.seed_timeout_seconds) {
          w.timed_out = true;
          kill(w.pid, SIGKILL);  // its EOF records the seed
        }
      }
    }
  }
  result.not_run = pending.size();
  result.wall_seconds = elapsed();
  result.cpu_seconds = children_cpu_seconds() - cpu_before;
  return result;
}

bool campaign_as_expected(const Scenario& scenario, const std::vector<SeedOutcome>& outcomes, std::size_t index) {
  bool caught = false;
  for (const auto& o : outcomes) {
    if (o.scenario != index) continue;
    if (o.verdict == "crash") return false;
    if (scenario.expect_pass && o.verdict != "pass") return false;
    if (!scenario.expect_pass && o.verdict != "pass" && o.invariant == scenario.expect_invariant) caught = true;
  }
  return scenario.expect_pass || caught;
}

}  // namespace slotsim::runner
