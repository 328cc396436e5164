#include "runner/run_scenario.h"

#include <algorithm>

#include "checker/documented_losses.h"
#include "checker/linearizability.h"
#include "checker/list_append.h"
#include "cluster/convergence.h"
#include "cluster/invariant_monitor.h"
#include "cluster/sim_cluster.h"
#include "runner/danger_tracker.h"
#include "env/function_service.h"
#include "node/hash_slot.h"
#include "runner/fault_injector.h"
#include "workload/cluster_operator.h"
#include "workload/history_reply.h"
#include "workload/workload.h"

namespace slotsim::runner {

namespace {

constexpr Nanos kHealSettle = seconds(5);
constexpr Nanos kConvergenceBound = seconds(60);
constexpr int kFixAttempts = 3;

// The anomaly class of a history checker's explanation ("key k: lost write: ...").
std::string anomaly_of(const std::string& explanation, const char* fallback) {
  for (const char* kind : {"lost write", "duplicate", "phantom", "reorder", "not linearizable"}) {
    if (explanation.find(kind) != std::string::npos) {
      std::string name = kind;
      std::replace(name.begin(), name.end(), ' ', '-');
      return name == "not-linearizable" ? "linearizability" : name;
    }
  }
  return fallback;
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::safety: return "safety";
    case Verdict::liveness: return "liveness";
    case Verdict::crash: return "crash";
  }
  return "?";
}

bool RunResult::as_expected(const Scenario& scenario) const {
  if (scenario.expect_pass) return verdict == Verdict::pass;
  return verdict != Verdict::pass && verdict != Verdict::crash && invariant == scenario.expect_invariant;
}

RunResult run_scenario(const Scenario& scenario, std::uint64_t seed, const RunOptions& run_options) {
  cluster::SimClusterOptions options;
  options.primaries = scenario.primaries;
  options.replicas = scenario.replicas;
  options.empty_primaries = scenario.empty_primaries;
  options.world.seed = seed;
  options.world.keep_trace = run_options.keep_trace;
  options.world.network.latency = scenario.latency;
  options.world.buggify.enabled = scenario.buggify;
  options.node.node_timeout = scenario.node_timeout;
  options.node.appendfsync = scenario.appendfsync;
  options.node.variants = scenario.variants;
  // Coverage: how often each kind of event happened (heterogeneous lookup: no allocation per event).
  std::map<std::string, std::int64_t, std::less<>> coverage;
  options.world.trace_listeners.push_back([&coverage](const sim::TraceEvent& e) {
    auto it = coverage.find(e.kind);
    if (it == coverage.end()) it = coverage.emplace(e.kind, 0).first;
    ++it->second;
  });
  DangerTracker danger(coverage, scenario.empty_primaries != 0);
  options.world.trace_listeners.push_back([&danger](const sim::TraceEvent& e) { danger.on_event(e); });
  if (run_options.on_event) options.world.trace_listeners.push_back(run_options.on_event);
  cluster::SimCluster c(options);
  danger.set_replica_probe([&c](std::string_view name, int slot) {
    const auto replicas = c.live_replicas_of(std::string(name));
    return std::any_of(replicas.begin(), replicas.end(),
                       [&](const std::string& replica) { return c.node(replica)->keyspace().count_in_slot(slot) > 0; });
  });
  RunResult result;
  // Snapshots every 200 ms (half the cost of 100 ms; S5's bound grows with the period).
  cluster::InvariantMonitor monitor(c, ms(200));
  // The probe runs once per acknowledged operation: node names resolve to
  // processes once, in a small cache, instead of two map lookups per call.
  workload::HistoryRecorder recorder([&] { return c.world().now(); },
                                     [&c, known = std::vector<std::pair<std::string, sim::ProcessId>>()](
                                         const Address& node) mutable {
    auto it = std::find_if(known.begin(), known.end(), [&](const auto& entry) { return entry.first == node.host; });
    if (it == known.end()) {
      if (!c.has_node(node.host)) return std::optional<checker::WriteAck>();
      it = known.insert(known.end(), {node.host, c.process(node.host)});
    }
    const node::Node* n = dynamic_cast<const node::Node*>(c.world().service(it->second));
    if (n == nullptr) return std::optional<checker::WriteAck>();
    checker::WriteAck ack;
    ack.node_id = n->cluster().myself_id();
    ack.offset = n->repl_offset();
    ack.history = checker::history_tag(n->replication().replid);
    return std::optional<checker::WriteAck>(std::move(ack));
  });
  workload::WorkloadOptions load = scenario.workload;
  std::vector<Address> addresses;
  for (const auto& name : c.names()) addresses.push_back({name, 6379});
  load.seeds = addresses;
  const Nanos start = c.world().now();
  // Every advance of time goes through here, so --until can cut the run anywhere.
  auto advance_to = [&](Nanos time) {
    const bool cut = time >= run_options.until;
    const Nanos target = cut ? std::max(c.world().now(), run_options.until) : time;
    const bool halted =
        run_options.halt ? !c.world().scheduler().run_until(target, run_options.halt) : (c.world().run_until(target), false);
    if (cut || halted) result.stopped_early = true;
    return !result.stopped_early;
  };
  auto finish = [&] {
    result.trace_hash = c.world().trace().hash_value();
    result.trace_events = c.world().trace().count();
    result.scheduler_events = c.world().scheduler().events_dispatched();
    result.simulated = c.world().now();
    if (run_options.keep_trace) result.trace = c.world().trace().events();
    result.history = recorder.history();
    result.coverage.insert(coverage.begin(), coverage.end());
    result.promotions = monitor.promotions().size();
    return std::move(result);  // the history is large: move it out, never copy
  };

  // Safety phase: clients, the operator's plan, the faults.
  std::vector<std::string> hosts = c.names();
  bool stop = false;
  for (int i = 0; i < scenario.clients; ++i) {
    hosts.push_back("client" + std::to_string(i));
    c.world().add_process(hosts.back(), function_process([&, i](Env& env) {
      workload::run_client(env, load, i, recorder, &stop);
    }));
  }
  FaultInjector injector(c, hosts);
  injector.schedule(scenario.faults, start, start + scenario.duration);
  if (!scenario.plan.empty()) {
    c.world().add_process("operator", function_process([&](Env& env) {
      workload::ClusterOperator op(env, addresses);
      op.set_variants(scenario.variants);
      op.on_phase([&](workload::MovePhase phase, int, const std::string& source, const std::string& target) {
        injector.on_phase(phase, source, target);
      });
      const Nanos began = env.now();
      for (const OperatorStep& step : scenario.plan) {
        env.sleep_until(began + step.at);
        workload::OperatorResult r;
        if (step.action == "move_slot") r = op.move_slot(step.slot, Address{step.to, 6379}, step.batch);
        else if (step.action == "begin_move") r = op.begin_move(step.slot, Address{step.to, 6379}, step.keys);
        else if (step.action == "failover") r = op.failover(Address{step.node, 6379}, step.mode);
        else r = op.fix();
        env.trace("operator_step", "action=" + step.action + " ok=" + (r.ok ? "1" : "0"));
      }
    }));
  }
  const bool safety_done = advance_to(start + scenario.duration);
  stop = true;
  if (!safety_done) {
    result.faults = injector.applied();
    return finish();
  }
  // An operator still mid-plan is interrupted (the fix below closes what it
  // left open), and no fault strikes the liveness phase.
  injector.disarm();
  if (!scenario.plan.empty()) {
    const auto op = c.world().process_id("operator");
    if (c.world().is_up(op)) c.world().crash(op);
  }
  result.faults = injector.applied();

  // Liveness phase: heal everything, let the operator fix, then everyone must agree.
  c.heal();
  for (const auto& name : c.names()) {
    const auto process = c.process(name);
    if (c.world().is_paused(process)) c.world().resume(process);
    if (!c.world().is_up(process)) c.restart(name);
  }
  if (!advance_to(c.world().now() + kHealSettle)) return finish();
  bool fixed = false;
  c.world().add_process("fixer", function_process([&](Env& env) {
    workload::ClusterOperator op(env, addresses);
    op.set_variants(scenario.variants);
    // As an operator does: run fix again when it stops (a replica slow to
    // acknowledge a SETSLOT, a timeout), and with --cluster-replace when it
    // stopped on a key two nodes hold with different values.
    auto differing = workload::DifferingCopies::stop;
    for (int attempt = 1; attempt <= kFixAttempts; ++attempt) {
      const workload::OperatorResult r = op.fix(differing);
      if (r.ok) break;
      env.trace("operator_fix_failed", "attempt=" + std::to_string(attempt) + " error=" + r.error);
      if (r.copies_differ) differing = workload::DifferingCopies::replace;
      if (attempt < kFixAttempts) env.sleep(seconds(1));
    }
    fixed = true;
  }));
  const Nanos fix_deadline = c.world().now() + kConvergenceBound;
  while (!fixed && c.world().now() < fix_deadline) {
    if (!advance_to(c.world().now() + ms(100))) return finish();
  }
  const Nanos converge_deadline = c.world().now() + kConvergenceBound;
  // Keys a failover left in two shards may stay where no fix looks (L4).
  cluster::StrandedKeyCauses stranded_causes;
  bool causes_found = false;
  auto find_causes = [&] {
    const auto so_far = checker::pair_operations(recorder.history());
    for (const auto& [key, split] : checker::split_keys(monitor.promotions(), monitor.key_moves(), so_far.operations,
                                                        recorder.acks(), node::key_hash_slot)) {
      stranded_causes.split_keys[key] = split.holders;
    }
    stranded_causes.unclaimed_rebinds = monitor.unclaimed_rebinds();
    stranded_causes.kept_by_deposed = monitor.promotion_keys();
    causes_found = true;
  };
  std::vector<checker::Violation> convergence = cluster::check_convergence(c);
  while (!convergence.empty() && c.world().now() < converge_deadline) {
    if (!advance_to(c.world().now() + seconds(1))) return finish();
    if (!causes_found) find_causes();
    convergence = cluster::check_convergence(c, stranded_causes);
  }

  // A last read of every key, through a smart client.
  bool read_done = false;
  const bool lists = load.kind == workload::WorkloadKind::list_append;
  c.world().add_process("final-reader", function_process([&](Env& env) {
    client::ClusterClientOptions client_options;
    client_options.seeds = addresses;
    client::ClusterClient client(env, client_options);
    std::vector<std::string> keys;
    for (const auto& key : workload::workload_keys(load)) {
      for (auto& name : recorder.generation_names(key)) keys.push_back(std::move(name));
    }
    workload::HistoryReplyReader reader;
    for (const auto& key : keys) {
      for (int attempt = 0; attempt < 10; ++attempt) {
        recorder.record(1'000'000, checker::EventType::invoke, checker::Function::read, key, {});
        const auto r = client.call(lists ? std::vector<std::string>{"LRANGE", key, "0", "-1"}
                                         : std::vector<std::string>{"GET", key},
                                   env.now() + seconds(5), &reader);
        const bool ok = r.outcome == client::Outcome::ok;
        recorder.record(1'000'000, ok ? checker::EventType::ok : checker::EventType::fail, checker::Function::read, key,
                        ok ? reader.take() : checker::Value());
        if (ok) break;
        env.sleep(ms(500));
      }
    }
    read_done = true;
  }));
  const Nanos read_deadline = c.world().now() + kConvergenceBound * 2;
  while (!read_done && c.world().now() < read_deadline) {
    if (!advance_to(c.world().now() + ms(100))) return finish();
  }

  // Every violation is recorded; the first forbidden one decides the verdict,
  // in order of gravity: the simulator's own failure, online invariants, the
  // history, then liveness.
  auto consider = [&](Verdict verdict, const std::string& invariant, Nanos time, const std::string& detail) {
    result.violations.push_back({invariant, time, detail});
    if (verdict != Verdict::crash && !scenario.forbids(invariant)) {
      ++result.tolerated;
      return;
    }
    if (result.verdict != Verdict::pass) return;
    result.verdict = verdict;
    result.invariant = invariant;
    result.detail = detail;
  };
  const auto paired = checker::pair_operations(recorder.history());
  result.operations = paired.operations.size();
  for (const auto& failure : c.world().failures()) {
    consider(Verdict::crash, "process-failure", failure.time, failure.process + ": " + failure.what);
  }
  for (const auto& v : monitor.invariants().violations()) consider(Verdict::safety, v.invariant, v.time, v.detail);
  if (load.kind != workload::WorkloadKind::counter && !paired.error) {
    checker::CheckResult check;
    if (lists) {
      check = checker::check_list_append_with_failovers(paired.operations, recorder.acks(), monitor.promotions(),
                                                        &result.forgiven_losses, monitor.key_moves(),
                                                        node::key_hash_slot, monitor.aof_losses());
    } else {
      check = checker::check_register(paired.operations);
    }
    if (check.verdict == checker::Verdict::invalid) {
      consider(Verdict::safety, anomaly_of(check.explanation, lists ? "list-append" : "linearizability"),
               c.world().now(), check.explanation);
    }
  }
  if (!convergence.empty()) {
    consider(Verdict::liveness, convergence.front().invariant, convergence.front().time, convergence.front().detail);
  } else if (!read_done) {
    consider(Verdict::liveness, "L6", c.world().now(), "the final reads did not finish");
  }
  return finish();
}

}  // namespace slotsim::runner
