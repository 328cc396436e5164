#include "sim/world.h"

#include <stdexcept>

#include <fmt/format.h>

#include "sim/sim_env.h"

namespace slotsim::sim {

World::World(WorldOptions options)
    : options_(options),
      scheduler_(trace_, options.fiber_stack_bytes),
      network_(scheduler_, trace_, Rng::derive(options.seed, "network"), options.network),
      disk_rng_(Rng::derive(options.seed, "disk")) {
  trace_.keep_events(options.keep_trace);
  for (const auto& listener : options.trace_listeners) trace_.add_listener(listener);
  disk_rng_.observe(&trace_.hash());
  scheduler_.on_failure([this](OwnerId owner, const std::string& fiber, const std::string& what) {
    if (owner == 0) {
      // A simulator fiber (a nemesis, a checker): a bug in the testbed itself.
      failures_.push_back({now(), "sim", fiber, what});
      trace_event("process_failure", fmt::format("process=sim fiber={} what={}", fiber, what));
      return;
    }
    for (ProcessId id = 0; id < processes_.size(); ++id) {
      if (processes_[id].up && processes_[id].owner == owner) {
        failures_.push_back({now(), processes_[id].name, fiber, what});
        trace_event("process_failure", fmt::format("process={} fiber={} what={}", processes_[id].name, fiber, what));
        // A fiber that dies of an exception takes its process down, like an assertion would.
        scheduler_.at(now(), [this, id, owner] {
          if (processes_[id].up && processes_[id].owner == owner) do_crash(id, "failure");
        });
        return;
      }
    }
  });
}

World::~World() {
  // Unwind fibers while the services they point into still exist.
  for (ProcessId id = 0; id < processes_.size(); ++id) {
    Process& p = processes_[id];
    if (!p.up) continue;
    p.env->kill();
    scheduler_.kill_owner(p.owner);
    p.service.reset();
  }
}

Rng World::stream(std::string_view label) {
  Rng rng = Rng::derive(options_.seed, label);
  rng.observe(&trace_.hash());
  return rng;
}

void World::trace_event(std::string_view kind, std::string_view detail) {
  trace_.record(now(), "sim", kind, detail);
}

template <class Fn>
void World::in_scheduler_context(Fn fn) {
  if (scheduler_.in_fiber()) {
    scheduler_.at(now(), std::move(fn));
  } else {
    fn();
  }
}

ProcessId World::add_process(std::string name, ServiceFactory factory, bool start_now) {
  if (process_ids_.count(name) != 0) throw std::invalid_argument("duplicate process name: " + name);
  const auto id = static_cast<ProcessId>(processes_.size());
  Process p;
  p.name = name;
  p.host = network_.host_id(name);
  p.factory = std::move(factory);
  p.disk = std::make_unique<Disk>(options_.disk);
  processes_.push_back(std::move(p));
  process_ids_.emplace(std::move(name), id);
  if (start_now) in_scheduler_context([this, id] { start(id); });
  return id;
}

ProcessId World::process_id(std::string_view name) const {
  auto it = process_ids_.find(name);
  if (it == process_ids_.end()) throw std::invalid_argument(fmt::format("no process named {}", name));
  return it->second;
}

const std::string& World::process_name(ProcessId id) const { return processes_.at(id).name; }
bool World::is_up(ProcessId id) const { return processes_.at(id).up; }
int World::incarnation(ProcessId id) const { return processes_.at(id).incarnation; }
Service* World::service(ProcessId id) { return processes_.at(id).service.get(); }
Disk& World::disk(ProcessId id) { return *processes_.at(id).disk; }
bool World::is_paused(ProcessId id) const { return processes_.at(id).paused; }

Env& World::env(ProcessId id) {
  Process& p = processes_.at(id);
  if (!p.up) throw std::logic_error("env of a process that is down: " + p.name);
  return *p.env;
}

void World::start(ProcessId id) {
  Process& p = processes_[id];
  if (p.up) return;
  p.up = true;
  p.paused = false;
  p.owner = next_owner_++;
  ++p.incarnation;
  Rng rng = Rng::derive(options_.seed, fmt::format("process/{}/{}", p.name, p.incarnation));
  if (p.env) graveyard_.push_back(std::move(p.env));
  p.env = std::make_unique<SimEnv>(*this, id, p.owner, p.host, rng);
  trace_event("start", fmt::format("process={} incarnation={}", p.name, p.incarnation));
  try {
    p.service = p.factory(*p.env);
  } catch (const std::exception& e) {
    // A process that cannot start (say, a corrupt file) is down, and that is worth reporting.
    failures_.push_back({now(), p.name, "start", e.what()});
    trace_event("process_failure", fmt::format("process={} fiber=start what={}", p.name, e.what()));
    do_crash(id, "failed_start");
  }
}

void World::do_crash(ProcessId id, std::string_view reason) {
  Process& p = processes_[id];
  if (!p.up) return;
  p.up = false;
  p.paused = false;
  p.env->kill();
  network_.host_crashed(p.host);
  scheduler_.kill_owner(p.owner);
  scheduler_.set_paused(p.owner, false);
  p.service.reset();
  const std::string lost = p.disk->crash(disk_rng_);
  trace_event("crash", fmt::format("process={} reason={} {}", p.name, reason, lost));
}

void World::crash(ProcessId id) {
  in_scheduler_context([this, id] { do_crash(id, "fault"); });
}

void World::restart(ProcessId id) {
  in_scheduler_context([this, id] {
    if (processes_[id].up) do_crash(id, "restart");
    start(id);
  });
}

void World::pause(ProcessId id) {
  in_scheduler_context([this, id] {
    Process& p = processes_[id];
    if (!p.up || p.paused) return;
    p.paused = true;
    scheduler_.set_paused(p.owner, true);
    trace_event("pause", "process=" + p.name);
  });
}

void World::resume(ProcessId id) {
  in_scheduler_context([this, id] {
    Process& p = processes_[id];
    if (!p.up || !p.paused) return;
    p.paused = false;
    scheduler_.set_paused(p.owner, false);
    trace_event("resume", "process=" + p.name);
  });
}

void World::set_clock(ProcessId id, Nanos offset, std::int64_t drift_ppm) {
  if (drift_ppm < -kMaxDriftPpm || drift_ppm > kMaxDriftPpm) {
    throw std::invalid_argument(fmt::format("clock drift {} ppm is outside [-{}, {}]", drift_ppm, kMaxDriftPpm,
                                            kMaxDriftPpm));
  }
  Process& p = processes_.at(id);
  const Nanos before = local_time(id, now());
  p.clock_offset = offset;
  p.clock_drift_ppm = drift_ppm;
  p.clock_anchor = now();
  trace_event("clock", fmt::format("process={} offset={} drift_ppm={} jump={}", p.name, offset, drift_ppm,
                                   local_time(id, now()) - before));
}

namespace {

// Saturates at the ends of Nanos, so that far deadlines stay far.
Nanos clamp_nanos(__int128 value) {
  if (value >= static_cast<__int128>(kForever)) return kForever;
  if (value <= static_cast<__int128>(-kForever)) return -kForever;
  return static_cast<Nanos>(value);
}

__int128 wide_local_time(__int128 true_time, Nanos offset, std::int64_t drift_ppm) {
  if (drift_ppm == 0) return true_time + offset;
  // The product usually fits 64 bits: divide there (a multiply by a constant,
  // not a 128-bit division call); truncation toward zero is the same either way.
  constexpr __int128 kLimit = __int128{1} << 62;
  if (true_time > -kLimit && true_time < kLimit) {
    std::int64_t product;
    if (!__builtin_mul_overflow(static_cast<std::int64_t>(true_time), drift_ppm, &product)) {
      return true_time + product / 1'000'000 + offset;
    }
  }
  return true_time + true_time * drift_ppm / 1'000'000 + offset;
}

}  // namespace

Nanos World::local_time_skewed(ProcessId id, Nanos true_time) const {
  const Process& p = processes_[id];
  return clamp_nanos(p.clock_anchor +
                     wide_local_time(static_cast<__int128>(true_time) - p.clock_anchor, p.clock_offset, p.clock_drift_ppm));
}

Nanos World::true_time(ProcessId id, Nanos local) const {
  if (local == kForever) return kForever;
  const Process& p = processes_[id];
  // Solved in time since the anchor, where the clock reads s * scale + offset.
  const __int128 shifted = static_cast<__int128>(local) - p.clock_anchor - p.clock_offset;
  if (p.clock_drift_ppm == 0) return clamp_nanos(shifted + p.clock_anchor);  // exact: the loop below would not move it
  const __int128 scale = 1'000'000 + p.clock_drift_ppm;  // > 0: drift is bounded in set_clock
  __int128 result;
  constexpr __int128 kLimit = std::int64_t{1} << 42;  // shifted * 1e6 then fits 64 bits
  if (shifted > -kLimit && shifted < kLimit) {
    result = static_cast<std::int64_t>(shifted) * 1'000'000 / static_cast<std::int64_t>(scale);
  } else {
    result = shifted * 1'000'000 / scale;
  }
  // Round up, so that a deadline is never reached early on the local clock;
  // integer division is off by at most a couple of nanoseconds.
  const __int128 since_anchor = static_cast<__int128>(local) - p.clock_anchor;
  for (int i = 0; i < 4 && wide_local_time(result, p.clock_offset, p.clock_drift_ppm) < since_anchor; ++i) ++result;
  return clamp_nanos(result + p.clock_anchor);
}

bool World::buggify_site_enabled(std::string_view site) {
  auto it = buggify_sites_.find(site);
  if (it != buggify_sites_.end()) return it->second;
  // A function of (seed, site) only, so the order sites are first reached does not matter.
  Rng rng = Rng::derive(options_.seed, fmt::format("buggify/{}", site));
  const bool enabled = rng.chance(options_.buggify.site_enabled_probability);
  buggify_sites_.emplace(std::string(site), enabled);
  trace_event("buggify_site", fmt::format("site={} enabled={}", site, enabled ? 1 : 0));
  return enabled;
}

}  // namespace slotsim::sim
