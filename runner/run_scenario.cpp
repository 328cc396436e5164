#include "runner/run_scenario.h"

#include <algorithm>

#include "checker/documented_losses.h"
#include "checker/linearizability.h"
#include "checker/list_append.h"
#include "cluster/convergence.h"
#include "cluster/invariant_monitor.h"
#include "cluster/sim_cluster.h"
#include "env/function_service.h"
#include "workload/cluster_operator.h"
#include "workload/workload.h"

namespace slotsim::runner {

namespace {

constexpr Nanos kHealSettle = seconds(5);
constexpr Nanos kConvergenceBound = seconds(60);

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

RunResult run_scenario(const Scenario& scenario, std::uint64_t seed) {
  cluster::SimClusterOptions options;
  options.primaries = scenario.primaries;
  options.replicas = scenario.replicas;
  options.world.seed = seed;
  options.node.node_timeout = scenario.node_timeout;
  options.node.appendfsync = scenario.appendfsync;
  options.node.variants = scenario.variants;
  cluster::SimCluster c(options);
  cluster::InvariantMonitor monitor(c);
  workload::HistoryRecorder recorder([&] { return c.world().now(); }, [&c](const Address& node) {
    const node::Node* n = c.has_node(node.host) ? c.node(node.host) : nullptr;
    if (n == nullptr) return std::optional<checker::WriteAck>();
    checker::WriteAck ack;
    ack.node_id = n->cluster().myself_id();
    ack.offset = n->repl_offset();
    return std::optional<checker::WriteAck>(ack);
  });
  workload::WorkloadOptions load = scenario.workload;
  std::vector<Address> addresses;
  for (const auto& name : c.names()) addresses.push_back({name, 6379});
  load.seeds = addresses;
  const Nanos start = c.world().now();

  // Safety phase: clients, the operator's plan, the faults.
  bool stop = false;
  for (int i = 0; i < scenario.clients; ++i) {
    c.world().add_process("client" + std::to_string(i), function_process([&, i](Env& env) {
      workload::run_client(env, load, i, recorder, &stop);
    }));
  }
  if (!scenario.plan.empty()) {
    c.world().add_process("operator", function_process([&](Env& env) {
      workload::ClusterOperator op(env, addresses);
      const Nanos began = env.now();
      for (const OperatorStep& step : scenario.plan) {
        env.sleep_until(began + step.at);
        workload::OperatorResult r;
        if (step.action == "move_slot") r = op.move_slot(step.slot, Address{step.to, 6379});
        else if (step.action == "begin_move") r = op.begin_move(step.slot, Address{step.to, 6379}, step.keys);
        else if (step.action == "failover") r = op.failover(Address{step.node, 6379}, step.mode);
        else r = op.fix();
        env.trace("operator_step", "action=" + step.action + " ok=" + (r.ok ? "1" : "0"));
      }
    }));
  }
  std::vector<FaultStep> faults = scenario.faults;
  std::stable_sort(faults.begin(), faults.end(), [](const FaultStep& a, const FaultStep& b) { return a.at < b.at; });
  for (const FaultStep& fault : faults) {
    if (fault.at >= scenario.duration) break;
    c.world().run_until(start + fault.at);
    c.world().trace_event("fault", "action=" + fault.action + (fault.node.empty() ? "" : " node=" + fault.node));
    const auto process = fault.node.empty() ? sim::ProcessId{0} : c.process(fault.node);
    if (fault.action == "crash" && c.world().is_up(process)) c.crash(fault.node);
    else if (fault.action == "restart" && !c.world().is_up(process)) c.restart(fault.node);
    else if (fault.action == "pause" && c.world().is_up(process)) c.world().pause(process);
    else if (fault.action == "resume" && c.world().is_paused(process)) c.world().resume(process);
    else if (fault.action == "partition") c.partition(fault.groups);
    else if (fault.action == "heal") c.heal();
  }
  c.world().run_until(start + scenario.duration);
  stop = true;

  // Liveness phase: heal everything, let the operator fix, then everyone must agree.
  c.heal();
  for (const auto& name : c.names()) {
    const auto process = c.process(name);
    if (c.world().is_paused(process)) c.world().resume(process);
    if (!c.world().is_up(process)) c.restart(name);
  }
  c.run_for(kHealSettle);
  bool fixed = false;
  c.world().add_process("fixer", function_process([&](Env& env) {
    workload::ClusterOperator op(env, addresses);
    op.fix();
    fixed = true;
  }));
  const Nanos fix_deadline = c.world().now() + kConvergenceBound;
  while (!fixed && c.world().now() < fix_deadline) c.run_for(ms(100));
  const Nanos converge_deadline = c.world().now() + kConvergenceBound;
  std::vector<checker::Violation> convergence = cluster::check_convergence(c);
  while (!convergence.empty() && c.world().now() < converge_deadline) {
    c.run_for(seconds(1));
    convergence = cluster::check_convergence(c);
  }

  // A last read of every key, through a smart client.
  bool read_done = false;
  const bool lists = load.kind == workload::WorkloadKind::list_append;
  c.world().add_process("final-reader", function_process([&](Env& env) {
    client::ClusterClientOptions client_options;
    client_options.seeds = addresses;
    client::ClusterClient client(env, client_options);
    for (const auto& key : workload::workload_keys(load)) {
      for (int attempt = 0; attempt < 10; ++attempt) {
        recorder.record(1'000'000, checker::EventType::invoke, checker::Function::read, key, {});
        const auto r = client.call(lists ? std::vector<std::string>{"LRANGE", key, "0", "-1"}
                                         : std::vector<std::string>{"GET", key},
                                   env.now() + seconds(5));
        const bool ok = r.outcome == client::Outcome::ok;
        recorder.record(1'000'000, ok ? checker::EventType::ok : checker::EventType::fail, checker::Function::read, key,
                        ok ? workload::history_value(r.reply) : checker::Value());
        if (ok) break;
        env.sleep(ms(500));
      }
    }
    read_done = true;
  }));
  const Nanos read_deadline = c.world().now() + kConvergenceBound * 2;
  while (!read_done && c.world().now() < read_deadline) c.run_for(ms(100));

  RunResult result;
  result.promotions = monitor.promotions().size();
  const auto paired = checker::pair_operations(recorder.history());
  result.operations = paired.operations.size();
  if (!c.world().failures().empty()) {
    result.verdict = Verdict::crash;
    result.invariant = "process-failure";
    result.detail = c.world().failures().front().what;
  } else if (!monitor.invariants().violations().empty()) {
    const auto& v = monitor.invariants().violations().front();
    result.verdict = Verdict::safety;
    result.invariant = v.invariant;
    result.detail = v.detail;
  } else if (load.kind != workload::WorkloadKind::counter && !paired.error) {
    checker::CheckResult check;
    if (lists) {
      check = checker::check_list_append_with_failovers(paired.operations, recorder.acks(), monitor.promotions(),
                                                        &result.forgiven_losses, monitor.key_moves());
    } else {
      check = checker::check_register(paired.operations);
    }
    if (check.verdict == checker::Verdict::invalid) {
      result.verdict = Verdict::safety;
      result.invariant = anomaly_of(check.explanation, lists ? "list-append" : "linearizability");
      result.detail = check.explanation;
    }
  }
  if (result.verdict == Verdict::pass && (!convergence.empty() || !read_done)) {
    result.verdict = Verdict::liveness;
    result.invariant = convergence.empty() ? "L6" : convergence.front().invariant;
    result.detail = convergence.empty() ? "the final reads did not finish" : convergence.front().detail;
  }
  result.trace_hash = c.world().trace().hash_value();
  result.trace_events = c.world().trace().count();
  result.simulated = c.world().now();
  return result;
}

}  // namespace slotsim::runner
