// A simulated world: one seed, a virtual clock, a network, and processes, each
// with its own disk, clock skew and random stream.
//
// Processes are built by factories (env/service.h). Fault operations (crash,
// restart, pause, skew, network faults) may be called from a test, from the
// scheduler context, or from a fiber (a nemesis); from a fiber they take
// effect right after it blocks, at the same virtual time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/service.h"
#include "sim/disk.h"
#include "sim/network.h"
#include "sim/random.h"
#include "sim/scheduler.h"
#include "sim/trace.h"

namespace slotsim::sim {

class SimEnv;

struct BuggifyOptions {
  bool enabled = false;
  double site_enabled_probability = 0.25;  // per site, per run
  double fire_probability = 0.25;          // per call of an enabled site
};

struct WorldOptions {
  std::uint64_t seed = 1;
  NetworkOptions network;
  DiskOptions disk;
  BuggifyOptions buggify;
  std::size_t fiber_stack_bytes = 256 * 1024;
  bool keep_trace = false;
  // Installed before anything happens, so they see the whole run (replay
  // compares every event from the first).
  std::vector<Trace::Listener> trace_listeners;
};

struct ProcessFailure {
  Nanos time;
  std::string process;
  std::string fiber;
  std::string what;
};

using ProcessId = std::uint32_t;

class World {
 public:
  explicit World(WorldOptions options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  std::uint64_t seed() const { return options_.seed; }
  Scheduler& scheduler() { return scheduler_; }
  Network& network() { return network_; }
  Trace& trace() { return trace_; }
  Nanos now() const { return scheduler_.now(); }
  // A stream for a simulator subsystem (workload, nemesis), derived by label.
  Rng stream(std::string_view label);

  // --- processes ---
  // The name is also the host name other processes connect to. Started at once
  // unless start is false (then restart() starts it, e.g. after its files are laid out).
  ProcessId add_process(std::string name, ServiceFactory factory, bool start = true);
  ProcessId process_id(std::string_view name) const;
  const std::string& process_name(ProcessId id) const;
  std::size_t process_count() const { return processes_.size(); }
  bool is_up(ProcessId id) const;
  int incarnation(ProcessId id) const;
  Service* service(ProcessId id);  // null while down
  Env& env(ProcessId id);          // the current incarnation's; only while up
  Disk& disk(ProcessId id);

  // --- faults ---
  void crash(ProcessId id);
  void restart(ProcessId id);
  void pause(ProcessId id);
  void resume(ProcessId id);
  bool is_paused(ProcessId id) const;
  // From now on the process's clock reads now + offset, then runs at rate
  // 1 + drift_ppm / 1e6: local(t) = t + offset + (t - now) * drift_ppm / 1e6.
  // |drift_ppm| <= kMaxDriftPpm (10%). The clock jumps once, to now + offset;
  // the trace's jump= says by how much (negative: backward), for the checker.
  static constexpr std::int64_t kMaxDriftPpm = 100'000;
  void set_clock(ProcessId id, Nanos offset, std::int64_t drift_ppm);
  // Inline for the common case, a process whose clock is exact (every node
  // asks for the time many times per operation).
  Nanos local_time(ProcessId id, Nanos true_time) const {
    const Process& p = processes_[id];
    if (p.clock_offset == 0 && p.clock_drift_ppm == 0 && true_time > -kForever) return true_time;
    return local_time_skewed(id, true_time);
  }
  Nanos true_time(ProcessId id, Nanos local_time) const;

  // --- running ---
  void run_for(Nanos duration) { scheduler_.run_until(saturating_add(now(), duration)); }
  void run_until(Nanos time) { scheduler_.run_until(time); }

  const std::vector<ProcessFailure>& failures() const { return failures_; }

 private:
  Nanos local_time_skewed(ProcessId id, Nanos true_time) const;

 public:
  // Records a simulator-level event in the trace.
  void trace_event(std::string_view kind, std::string_view detail);
  bool buggify_site_enabled(std::string_view site);
  const BuggifyOptions& buggify_options() const { return options_.buggify; }

 private:
  struct Process {
    std::string name;
    HostId host = 0;
    ServiceFactory factory;
    std::unique_ptr<Disk> disk;
    std::unique_ptr<SimEnv> env;
    std::unique_ptr<Service> service;
    OwnerId owner = 0;
    int incarnation = 0;
    bool up = false;
    bool paused = false;
    Nanos clock_offset = 0;
    std::int64_t clock_drift_ppm = 0;
    Nanos clock_anchor = 0;  // true time of the last set_clock: drift counts from here
  };

  void start(ProcessId id);
  void do_crash(ProcessId id, std::string_view reason);
  // Runs fn now if in scheduler context, else right after the calling fiber blocks.
  template <class Fn>
  void in_scheduler_context(Fn fn);

  WorldOptions options_;
  Trace trace_;
  Scheduler scheduler_;
  Network network_;
  Rng disk_rng_;
  std::vector<Process> processes_;
  NameMap<ProcessId> process_ids_;
  std::map<std::string, bool, std::less<>> buggify_sites_;
  std::vector<ProcessFailure> failures_;
  // Envs of past incarnations stay alive: a stray reference is then harmless.
  std::vector<std::unique_ptr<SimEnv>> graveyard_;
  OwnerId next_owner_ = 1;
};

}  // namespace slotsim::sim
