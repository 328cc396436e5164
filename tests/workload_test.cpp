// Workloads, the operator and the online invariants, end to end: clients
// record histories while the operator reshards, and the checkers judge them.
#include <catch2/catch.hpp>

#include <charconv>
#include <cstring>

#include "checker/linearizability.h"
#include "checker/list_append.h"
#include "checker/online_invariants.h"
#include "cluster/convergence.h"
#include "cluster/invariant_monitor.h"
#include "cluster_test_util.h"
#include "env/function_service.h"
#include "node_test_util.h"
#include "node/reply.h"
#include "workload/cluster_operator.h"
#include "workload/history_reply.h"
#include "workload/workload.h"

using namespace slotsim;
using slotsim::test::bus_cluster;
using slotsim::test::raw;
using slotsim::test::run_until_converged;
using slotsim::test::run_until_every;

namespace {

checker::NodeView view(std::string name, std::uint64_t config_epoch, std::vector<int> slots) {
  checker::NodeView v;
  v.name = std::move(name);
  v.up = true;
  v.primary = true;
  v.serving = true;
  v.current_epoch = 10;
  v.config_epoch = config_epoch;
  for (int slot : slots) v.own_slots.set(static_cast<std::size_t>(slot));
  return v;
}

std::vector<Address> addresses(cluster::SimCluster& c) {
  std::vector<Address> out;
  for (const auto& name : c.names()) out.push_back({name, 6379});
  return out;
}

struct AppendRun {
  checker::CheckResult verdict;
  workload::OperatorResult moved;
  std::size_t operations = 0;
  std::vector<checker::Violation> violations;
};

// Clients append to keys of slot 449 while the operator moves it n1 -> n2,
// one key per MIGRATE; then everyone reads every key once more.
AppendRun append_during_migration(node::Variants::Asking asking, client::ClientKind kind, std::uint64_t seed) {
  auto options = bus_cluster(3, 0, seed);
  options.node.variants.asking = asking;
  cluster::SimCluster c(options);
  cluster::InvariantMonitor monitor(c);
  workload::HistoryRecorder recorder([&] { return c.world().now(); });
  workload::WorkloadOptions load;
  load.kind = workload::WorkloadKind::list_append;
  load.client_kind = kind;
  load.seeds = addresses(c);
  load.key_names = {"{k2}0", "{k2}1", "{k2}2", "{k2}3", "{k2}4", "{k2}5"};
  load.think_time = ms(5);
  bool stop = false;
  for (int i = 0; i < 4; ++i) {
    c.world().add_process("client" + std::to_string(i), function_process([&, i](Env& env) {
      workload::run_client(env, load, i, recorder, &stop);
    }));
  }
  AppendRun run;
  bool moved = false;
  c.world().add_process("operator", function_process([&](Env& env) {
    env.sleep(ms(300));
    workload::ClusterOperator op(env, load.seeds);
    run.moved = op.move_slot(449, Address{"n2", 6379}, 1);
    moved = true;
  }));
  REQUIRE(run_until_every(c, [&] { return moved; }, seconds(60)));
  c.run_for(ms(500));
  stop = true;
  c.run_for(seconds(3));
  // A last read of every key, after everything settled.
  bool read_done = false;
  c.world().add_process("final-reader", function_process([&](Env& env) {
    workload::WorkloadOptions reader = load;
    reader.client_kind = client::ClientKind::smart;
    client::ClusterClientOptions client_options;
    client_options.seeds = load.seeds;
    client::ClusterClient client(env, client_options);
    for (const auto& key : load.key_names) {
      recorder.record(100, checker::EventType::invoke, checker::Function::read, key, {});
      const auto r = client.call({"LRANGE", key, "0", "-1"}, env.now() + seconds(5));
      std::vector<checker::Value> items;
      for (const auto& e : r.reply.elements) items.push_back(checker::Value::of(static_cast<std::int64_t>(std::stoll(e.text))));
      recorder.record(100, r.outcome == client::Outcome::ok ? checker::EventType::ok : checker::EventType::fail,
                      checker::Function::read, key, checker::Value::list_of(std::move(items)));
    }
    read_done = true;
  }));
  REQUIRE(run_until_every(c, [&] { return read_done; }, seconds(60)));
  const auto paired = checker::pair_operations(recorder.history());
  REQUIRE_FALSE(paired.error);
  run.operations = paired.operations.size();
  run.verdict = checker::check_list_append(paired.operations);
  run.violations = monitor.invariants().violations();
  return run;
}

}  // namespace

TEST_CASE("the online invariants fire on constructed bad states", "[workload]") {
  checker::OnlineInvariants invariants;
  invariants.observe(ms(1), {view("n1", 3, {1, 2, 3}), view("n2", 4, {3, 4})});  // different epochs: allowed
  CHECK(invariants.violations().empty());
  invariants.observe(ms(2), {view("n1", 4, {1, 2, 3}), view("n2", 4, {3, 4})});
  REQUIRE(invariants.violations().size() == 1);
  CHECK(invariants.violations()[0].invariant == "two-owners");
  CHECK(invariants.violations()[0].detail.find("slot 3") != std::string::npos);
  // The same state again is not a new finding.
  invariants.observe(ms(3), {view("n1", 4, {1, 2, 3}), view("n2", 4, {3, 4})});
  CHECK(invariants.violations().size() == 1);
  // Epochs going back, on a node that restarted with an old nodes.conf.
  invariants.observe(ms(4), {view("n1", 2, {1})});
  REQUIRE(invariants.violations().size() == 2);
  CHECK(invariants.violations()[1].invariant == "S1");
  // Two votes in one epoch; two winners of one epoch.
  invariants.on_event(ms(5), "n3", "vote_granted", "to=a epoch=7", 41);
  invariants.on_event(ms(6), "n3", "vote_granted", "to=b epoch=7", 57);
  invariants.on_event(ms(7), "n4", "election_won", "epoch=7 votes=2");
  invariants.on_event(ms(8), "n5", "election_won", "epoch=7 votes=2");
  REQUIRE(invariants.violations().size() == 4);
  CHECK(invariants.violations()[2].invariant == "S2");
  CHECK(invariants.violations()[2].trace_events == std::vector<std::uint64_t>{41, 57});  // both votes cited
  CHECK(invariants.violations()[3].invariant == "S3");
}

TEST_CASE("S5 fires when a cut-off primary serves past the bound, and only then", "[workload]") {
  checker::OnlineInvariants invariants(seconds(1));
  auto cut = view("n1", 1, {1});
  cut.reaches_majority = false;
  invariants.observe(seconds(10), {cut});
  invariants.observe(seconds(10) + ms(900), {cut});
  CHECK(invariants.violations().empty());
  // Paused, it cannot act: the clock restarts when it runs again.
  cut.paused = true;
  invariants.observe(seconds(12), {cut});
  cut.paused = false;
  invariants.observe(seconds(13), {cut});
  invariants.observe(seconds(13) + ms(500), {cut});
  CHECK(invariants.violations().empty());
  // Held by one command (a MIGRATE to a target it cannot reach), its cron
  // runs no failure detection either: the same.
  cut.blocked = true;
  invariants.observe(seconds(13) + ms(800), {cut});
  invariants.observe(seconds(15), {cut});
  cut.blocked = false;
  invariants.observe(seconds(15) + ms(100), {cut});
  CHECK(invariants.violations().empty());
  invariants.observe(seconds(16) + ms(200), {cut});
  REQUIRE(invariants.violations().size() == 1);
  CHECK(invariants.violations()[0].detail.find("1100 ms") != std::string::npos);
  invariants = checker::OnlineInvariants(seconds(1));
  invariants.observe(seconds(13), {cut});
  invariants.observe(seconds(13) + ms(500), {cut});
  // Stopping in time is fine; serving past the bound is not.
  cut.serving = false;
  invariants.observe(seconds(14) + ms(500), {cut});
  CHECK(invariants.violations().empty());
  cut.serving = true;
  invariants.observe(seconds(14) + ms(600), {cut});
  REQUIRE(invariants.violations().size() == 1);
  CHECK(invariants.violations()[0].invariant == "S5");
}

TEST_CASE("S5's clock restarts when a heal or a resume releases held data", "[workload]") {
  // Found by nemesis_mix: n2 isolated, then frozen just before the heal; the
  // heal delivered n2's buffered pings to n1, which rightly restarted its
  // failure detection, while the peer stayed unreachable throughout.
  for (const char* release : {"heal", "resume"}) {
    checker::OnlineInvariants invariants(seconds(1));
    auto cut = view("n1", 1, {1});
    cut.reaches_majority = false;
    invariants.observe(seconds(10), {cut});
    invariants.on_event(seconds(10) + ms(800), release == std::string("heal") ? "net" : "sim", release, "");
    invariants.observe(seconds(11) + ms(500), {cut});
    CHECK(invariants.violations().empty());
    invariants.observe(seconds(11) + ms(900), {cut});
    REQUIRE(invariants.violations().size() == 1);
    CHECK(invariants.violations()[0].detail.find("cut off since 10800 ms") != std::string::npos);
  }
}

TEST_CASE("S5 gives a node whose clock was set back that much longer", "[workload]") {
  // Found by nemesis_mix seed 4704: n2's clock went back during its cut, and
  // Redis times PFAIL on its own clock. A jump long before the cut, or a
  // forward one, earns nothing.
  checker::OnlineInvariants invariants(seconds(1));
  invariants.on_event(seconds(5), "sim", "clock", "process=n1 offset=-600000000 drift_ppm=0 jump=-600000000");
  invariants.on_event(seconds(10) + ms(200), "sim", "clock", "process=n1 offset=0 drift_ppm=0 jump=-400000000");
  invariants.on_event(seconds(10) + ms(300), "sim", "clock", "process=n1 offset=0 drift_ppm=0 jump=900000000");
  invariants.on_event(seconds(10) + ms(300), "sim", "clock", "process=n2 offset=0 drift_ppm=0 jump=-900000000");
  auto cut = view("n1", 1, {1});
  cut.reaches_majority = false;
  invariants.observe(seconds(10), {cut});
  invariants.observe(seconds(11) + ms(350), {cut});
  CHECK(invariants.violations().empty());
  invariants.observe(seconds(11) + ms(450), {cut});
  REQUIRE(invariants.violations().size() == 1);
  CHECK(invariants.violations()[0].invariant == "S5");
}

TEST_CASE("list-append during a migration is clean with ASKING, smart or dumb clients", "[workload]") {
  for (std::uint64_t seed : {1, 2, 3}) {
    for (auto kind : {client::ClientKind::smart, client::ClientKind::dumb}) {
      CAPTURE(seed, client::to_string(kind));
      const AppendRun run = append_during_migration(node::Variants::Asking::required, kind, seed);
      CHECK(run.moved.ok);
      CAPTURE(run.moved.error, run.verdict.explanation);
      CHECK(run.operations > 200);
      CHECK(run.verdict.verdict == checker::Verdict::valid);
      CHECK(run.violations.empty());
    }
  }
}

TEST_CASE("without ASKING, dumb clients split a key during a migration and the checker sees it", "[workload]") {
  int caught = 0;
  for (std::uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    const AppendRun run = append_during_migration(node::Variants::Asking::none, client::ClientKind::dumb, seed);
    if (run.verdict.verdict == checker::Verdict::invalid) {
      ++caught;
      INFO(run.verdict.explanation);
      // The split shows as appends that later reads of the key do not have.
      CHECK(run.verdict.explanation.find("{k2}") != std::string::npos);
    }
  }
  CHECK(caught >= 2);
}

TEST_CASE("the operator creates a cluster from blank nodes", "[workload]") {
  auto options = bus_cluster(3, 1, 7);
  options.preconfigured = false;
  cluster::SimCluster c(options);
  workload::OperatorResult result;
  bool done = false;
  c.world().add_process("operator", function_process([&](Env& env) {
    workload::ClusterOperator op(env, addresses(c));
    result = op.create(3);
    done = true;
  }));
  REQUIRE(run_until_every(c, [&] { return done; }, seconds(60)));
  CAPTURE(result.error);
  CHECK(result.ok);
  REQUIRE(run_until_converged(c, seconds(30)));
  CHECK(c.node("n4")->cluster().myself().primary_id == c.node("n1")->cluster().myself_id());
}

namespace {

// The operator's fix, run as a process of the cluster until it returns.
workload::OperatorResult run_fix(cluster::SimCluster& c,
                                 workload::DifferingCopies differing = workload::DifferingCopies::stop) {
  workload::OperatorResult result;
  bool done = false;
  c.world().add_process("operator", function_process([&](Env& env) {
    workload::ClusterOperator op(env, addresses(c));
    result = op.fix(differing);
    done = true;
  }));
  REQUIRE(run_until_every(c, [&] { return done; }, seconds(30)));
  return result;
}

}  // namespace

TEST_CASE("bug migrate-dup-on-timeout skips only the batch that timed out and moves the rest", "[workload]") {
  // The target's links clog after the first batch, past the MIGRATE timeout
  // (5 s) but not its node timeout: the second batch times out and is taken
  // as moved; the third waits out the clog and moves. The slot is finalized
  // with every key on the target (the second one as its stale copy).
  auto options = bus_cluster(3, 0, 8);
  options.node.node_timeout = seconds(15);
  cluster::SimCluster c(options);
  for (int i = 0; i < 3; ++i) REQUIRE(raw(c, "n1", {"SET", "{k2}" + std::to_string(i), "v"}) == "+OK\r\n");
  workload::OperatorResult result;
  bool done = false;
  c.world().add_process("operator", function_process([&](Env& env) {
    workload::ClusterOperator op(env, addresses(c));
    node::Variants variants;
    variants.bugs |= 1U << static_cast<unsigned>(node::Bug::migrate_dup_on_timeout);
    op.set_variants(variants);
    op.on_phase([&](workload::MovePhase phase, int, const std::string&, const std::string& target) {
      if (phase == workload::MovePhase::midway) c.world().network().clog(target, "n1", c.world().now() + seconds(7));
      if (phase == workload::MovePhase::midway) c.world().network().clog("n1", target, c.world().now() + seconds(7));
    });
    result = op.move_slot(449, Address{"n2", 6379}, 1);
    done = true;
  }));
  REQUIRE(run_until_every(c, [&] { return done; }, seconds(60)));
  CAPTURE(result.error);
  CHECK(result.ok);
  CHECK(test::events(c, "migrate_io_error", "n1").size() >= 1);  // the timed-out batch
  REQUIRE(run_until_converged(c, seconds(30)));
  CHECK(c.node("n2")->keyspace().count_in_slot(449) == 3);  // abandoning the slot left the last key behind
  CHECK(c.node("n1")->keyspace().count_in_slot(449) == 0);
}

TEST_CASE("the operator's fix closes a migration left open by a crash", "[workload]") {
  cluster::SimCluster c(bus_cluster(3, 0, 8));
  CHECK(raw(c, "n1", {"SET", "{k2}a", "1"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"SET", "{k2}b", "2"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "5000"}) == "+OK\r\n");
  const workload::OperatorResult result = run_fix(c);
  CAPTURE(result.error);
  CHECK(result.ok);
  REQUIRE(run_until_converged(c, seconds(30)));
  for (const auto& name : c.names()) {
    CHECK(c.node(name)->cluster().owner(449) == c.node_id("n2"));
    CHECK(c.node(name)->cluster().migrating().empty());
    CHECK(c.node(name)->cluster().importing().empty());
  }
  CHECK(c.node("n2")->keyspace().count_in_slot(449) == 2);
}

namespace {

// Slot 449 is n1's and stable; n2 imports it and holds copies of keys n1 has
// too (as after a crash brought back unsynced ones). Each pair is the owner's
// and the holder's command writing one key. Returns fix()'s result.
using Write = std::vector<std::string>;
workload::OperatorResult fix_with_copies(cluster::SimCluster& c, const std::vector<std::pair<Write, Write>>& keys,
                                         const std::vector<Write>& holder_only = {},
                                         workload::DifferingCopies differing = workload::DifferingCopies::stop) {
  for (const auto& [owner_write, holder_write] : keys) REQUIRE(raw(c, "n1", owner_write).rfind("-", 0) != 0);
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  std::vector<Write> holder_writes = holder_only;
  for (const auto& [owner_write, holder_write] : keys) holder_writes.push_back(holder_write);
  for (const auto& write : holder_writes) {
    REQUIRE(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
    REQUIRE(raw(c, "n2", write).rfind("-", 0) != 0);
  }
  return run_fix(c, differing);
}

std::size_t dropped(cluster::SimCluster& c, const std::string& key) {
  std::size_t count = 0;
  for (const auto& e : test::events(c, "operator_drop_stale")) {
    if (test::detail_field(e.detail, "key") == key) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("the operator's fix drops a holder's copy equal to the owner's or that the owner's list continues",
          "[workload]") {
  cluster::SimCluster c(bus_cluster(3, 0, 9));
  const auto result = fix_with_copies(c,
                                      {{{"SET", "{k2}same", "v"}, {"SET", "{k2}same", "v"}},
                                       {{"RPUSH", "{k2}list", "a", "b", "c"}, {"RPUSH", "{k2}list", "a", "b"}}},
                                      {{"SET", "{k2}only", "x"}});
  CAPTURE(result.error);
  CHECK(result.ok);
  CHECK(dropped(c, "{k2}same") == 1);
  CHECK(dropped(c, "{k2}list") == 1);
  // A key only the holder has is no stale copy: fix moves it to the owner instead.
  CHECK(dropped(c, "{k2}only") == 0);
  CHECK(raw(c, "n1", {"GET", "{k2}only"}) == "$1\r\nx\r\n");
  CHECK(c.node("n2")->keyspace().count_in_slot(449) == 0);
  CHECK(c.node("n2")->cluster().importing_from(449) == nullptr);
  // The owner's copies are the ones kept (not the holder's shorter list).
  CHECK(raw(c, "n1", {"GET", "{k2}same"}) == "$1\r\nv\r\n");
  CHECK(raw(c, "n1", {"LRANGE", "{k2}list", "0", "-1"}) == "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
}

TEST_CASE("the operator's fix stops on a holder's copy that differs from the owner's", "[workload]") {
  struct Case {
    const char* what;
    std::vector<std::string> owner_write;
    std::vector<std::string> holder_write;
  };
  const std::vector<Case> cases = {
      {"another value", {"SET", "{k2}k", "new"}, {"SET", "{k2}k", "old"}},
      {"a list the owner's does not continue", {"RPUSH", "{k2}k", "a", "b", "c"}, {"RPUSH", "{k2}k", "a", "x"}},
      {"a list longer than the owner's", {"RPUSH", "{k2}k", "a", "b"}, {"RPUSH", "{k2}k", "a", "b", "c"}},
  };
  for (const auto& k : cases) {
    CAPTURE(k.what);
    cluster::SimCluster c(bus_cluster(3, 0, 9));
    const auto result = fix_with_copies(c, {{k.owner_write, k.holder_write}});
    CHECK_FALSE(result.ok);
    CHECK(result.error == "key {k2}k of slot 449 differs on n2:6379 and its owner n1:6379: fix it by hand");
    CHECK(result.copies_differ);
    CHECK(dropped(c, "{k2}k") == 0);
    // Neither copy is deleted, and the slot stays open for a human.
    CHECK(c.node("n1")->keyspace().peek("{k2}k") != nullptr);
    CHECK(c.node("n2")->keyspace().peek("{k2}k") != nullptr);
    CHECK(c.node("n2")->cluster().importing_from(449) != nullptr);
  }
}

TEST_CASE("the operator's fix with --cluster-replace moves the holder's copy of a key that differs over the owner's",
          "[workload]") {
  // As valkey-cli's fix does: it moves the importing node's keys to the owner with MIGRATE ... REPLACE.
  cluster::SimCluster c(bus_cluster(3, 0, 9));
  const auto result = fix_with_copies(c, {{{"RPUSH", "{k2}k", "a", "b", "c"}, {"RPUSH", "{k2}k", "a", "x"}}}, {},
                                      workload::DifferingCopies::replace);
  CAPTURE(result.error);
  CHECK(result.ok);
  CHECK(dropped(c, "{k2}k") == 0);
  CHECK(test::events(c, "operator_replace_copy").size() == 1);
  CHECK(raw(c, "n1", {"LRANGE", "{k2}k", "0", "-1"}) == "*2\r\n$1\r\na\r\n$1\r\nx\r\n");
  CHECK(c.node("n2")->keyspace().count_in_slot(449) == 0);
  CHECK(c.node("n2")->cluster().importing_from(449) == nullptr);
}

TEST_CASE("the operator's fix finishing a migration replaces the target's copy only with --cluster-replace",
          "[workload]") {
  for (const auto differing : {workload::DifferingCopies::stop, workload::DifferingCopies::replace}) {
    const bool replace = differing == workload::DifferingCopies::replace;
    CAPTURE(replace);
    cluster::SimCluster c(bus_cluster(3, 0, 8));
    // The source's DEL of a moved key was lost (say with a failover): both ends hold it, with different values.
    CHECK(raw(c, "n1", {"SET", "{k2}a", "source"}) == "+OK\r\n");
    CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
    CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
    CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
    CHECK(raw(c, "n2", {"SET", "{k2}a", "target"}) == "+OK\r\n");
    const workload::OperatorResult result = run_fix(c, differing);
    CAPTURE(result.error);
    CHECK(result.ok == replace);
    CHECK(result.copies_differ == !replace);
    if (!replace) {
      CHECK(c.node("n1")->cluster().migrating_to(449) != nullptr);
      continue;
    }
    REQUIRE(run_until_converged(c, seconds(30)));
    CHECK(c.node("n1")->cluster().owner(449) == c.node_id("n2"));
    CHECK(raw(c, "n2", {"GET", "{k2}a"}) == "$6\r\nsource\r\n");
  }
}

namespace {

struct ChaosRun {
  checker::CheckResult verdict;
  std::size_t forgiven = 0;
  std::size_t operations = 0;
  std::size_t promotions = 0;
  std::vector<checker::Violation> violations;
  bool converged = false;
  std::vector<checker::Violation> convergence;  // L1-L5 after a settling bound
  std::string fix_error;
};

// Everyone reads every key once more through a smart client, retrying until
// the cluster answers, as the last events of the history.
void final_reads(cluster::SimCluster& c, workload::HistoryRecorder& recorder, const std::vector<std::string>& keys) {
  bool done = false;
  c.world().add_process("final-reader", function_process([&](Env& env) {
    client::ClusterClientOptions client_options;
    client_options.seeds = addresses(c);
    client::ClusterClient client(env, client_options);
    for (const auto& key : keys) {
      for (;;) {
        recorder.record(100, checker::EventType::invoke, checker::Function::read, key, {});
        const auto r = client.call({"LRANGE", key, "0", "-1"}, env.now() + seconds(5));
        std::vector<checker::Value> items;
        for (const auto& e : r.reply.elements) items.push_back(checker::Value::of(static_cast<std::int64_t>(std::stoll(e.text))));
        const bool ok = r.outcome == client::Outcome::ok;
        recorder.record(100, ok ? checker::EventType::ok : checker::EventType::fail, checker::Function::read, key,
                        ok ? checker::Value::list_of(std::move(items)) : checker::Value());
        if (ok) break;
        env.sleep(ms(500));
      }
    }
    done = true;
  }));
  REQUIRE(run_until_every(c, [&] { return done; }, seconds(120)));
}

// Runs the operator's fix (redis-cli --cluster fix) to its end; its error, or "".
std::string operator_fix(cluster::SimCluster& c) {
  std::string error;
  bool fixed = false;
  c.world().add_process("fixer", function_process([&](Env& env) {
    workload::ClusterOperator op(env, addresses(c));
    error = op.fix().error;
    fixed = true;
  }));
  REQUIRE(run_until_every(c, [&] { return fixed; }, seconds(60)));
  return error;
}

workload::HistoryRecorder::AckProbe ack_probe(cluster::SimCluster& c) {
  return [&c](const Address& node) -> std::optional<checker::WriteAck> {
    const node::Node* n = c.has_node(node.host) ? c.node(node.host) : nullptr;
    if (n == nullptr) return std::nullopt;
    checker::WriteAck ack;
    ack.node_id = n->cluster().myself_id();
    ack.offset = n->repl_offset();
    return ack;
  };
}

ChaosRun judge(cluster::SimCluster& c, cluster::InvariantMonitor& monitor, workload::HistoryRecorder& recorder) {
  ChaosRun run;
  const auto paired = checker::pair_operations(recorder.history());
  REQUIRE_FALSE(paired.error);
  run.operations = paired.operations.size();
  run.verdict = checker::check_list_append_with_failovers(paired.operations, recorder.acks(), monitor.promotions(),
                                                          &run.forgiven, monitor.key_moves());
  run.promotions = monitor.promotions().size();
  run.violations = monitor.invariants().violations();
  run.converged = test::converged(c);
  run_until_every(c, [&] { return cluster::check_convergence(c).empty(); }, seconds(30), seconds(1));
  run.convergence = cluster::check_convergence(c);
  return run;
}

// A 3x2 cluster under list-append while the operator moves slots and a
// nemesis crashes and restarts one node at a time.
ChaosRun list_append_chaos(std::uint64_t seed) {
  auto options = bus_cluster(3, 2, seed);
  // With everysec, a primary that crashes and restarts before any failover
  // loses its last second of writes: Redis documents that too, but rule D1
  // only forgives failovers, so this scenario syncs every write.
  options.node.appendfsync = node::AppendFsync::always;
  cluster::SimCluster c(options);
  cluster::InvariantMonitor monitor(c);
  workload::HistoryRecorder recorder([&] { return c.world().now(); }, ack_probe(c));
  workload::WorkloadOptions load;
  load.seeds = addresses(c);
  load.key_names = {"{k2}0", "{k2}1", "key:1", "key:2", "key:3", "key:4", "key:5", "key:6"};
  load.think_time = ms(20);
  bool stop = false;
  for (int i = 0; i < 5; ++i) {
    c.world().add_process("client" + std::to_string(i), function_process([&, i](Env& env) {
      workload::run_client(env, load, i, recorder, &stop);
    }));
  }
  c.world().add_process("operator", function_process([&](Env& env) {
    workload::ClusterOperator op(env, load.seeds);
    for (const char* to : {"n2", "n3", "n1"}) {
      env.sleep(seconds(5));
      op.move_slot(449, Address{to, 6379}, 1);  // may fail under crashes: fix() runs at the end
    }
  }));
  sim::Rng rng = c.world().stream("test/nemesis");
  for (int round = 0; round < 4; ++round) {
    const std::string& victim = c.names()[rng.below(c.names().size())];
    c.crash(victim);
    c.run_for(seconds(3 + static_cast<std::int64_t>(rng.below(6))));
    c.restart(victim);
    c.run_for(seconds(8));
  }
  stop = true;
  REQUIRE(run_until_converged(c, seconds(60)));
  const std::string fix_error = operator_fix(c);
  REQUIRE(run_until_converged(c, seconds(60)));
  final_reads(c, recorder, load.key_names);
  ChaosRun run = judge(c, monitor, recorder);
  run.fix_error = fix_error;
  return run;
}

// Clients append to slot 449's keys; the operator opens its migration n1 -> n2,
// moves half the keys, and the source n1 crashes: n4 takes over. Then the
// operator fixes what it can and everyone reads.
ChaosRun source_failover_mid_migration(node::Variants::MigrationStateReplication variant, std::uint64_t seed) {
  auto options = bus_cluster(3, 1, seed);
  options.node.variants.migration_state_replication = variant;
  cluster::SimCluster c(options);
  cluster::InvariantMonitor monitor(c);
  workload::HistoryRecorder recorder([&] { return c.world().now(); }, ack_probe(c));
  workload::WorkloadOptions load;
  load.seeds = addresses(c);
  load.key_names = {"{k2}0", "{k2}1", "{k2}2", "{k2}3", "{k2}4", "{k2}5"};
  load.think_time = ms(20);
  bool stop = false;
  for (int i = 0; i < 4; ++i) {
    c.world().add_process("client" + std::to_string(i), function_process([&, i](Env& env) {
      workload::run_client(env, load, i, recorder, &stop);
    }));
  }
  c.run_for(seconds(1));
  bool opened = false;
  c.world().add_process("operator", function_process([&](Env& env) {
    client::RespClient source(env, {"n1", 6379});
    client::RespClient target(env, {"n2", 6379});
    target.call({"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}, env.now() + seconds(5));
    source.call({"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}, env.now() + seconds(5));
    source.call({"MIGRATE", "n2", "6379", "", "0", "5000", "KEYS", "{k2}0", "{k2}1", "{k2}2"}, env.now() + seconds(5));
    opened = true;
  }));
  REQUIRE(run_until_every(c, [&] { return opened; }, seconds(20)));
  c.run_for(seconds(1));
  c.crash("n1");
  c.run_for(seconds(15));
  c.restart("n1");
  c.run_for(seconds(5));
  stop = true;
  c.run_for(seconds(5));
  // With Redis 7 the target ignores the new source's claim on a slot it
  // imports, so the cluster may stay down until the operator's fix.
  const std::string fix_error = operator_fix(c);
  run_until_converged(c, seconds(60));
  final_reads(c, recorder, load.key_names);
  ChaosRun run = judge(c, monitor, recorder);
  run.fix_error = fix_error;
  return run;
}

}  // namespace

TEST_CASE("a 3x2 cluster under list-append, resharding and crashes loses nothing Redis does not document",
          "[workload]") {
  std::size_t promotions = 0;
  for (std::uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    const ChaosRun run = list_append_chaos(seed);
    CAPTURE(run.verdict.explanation, run.fix_error, run.forgiven);
    CHECK(run.verdict.verdict == checker::Verdict::valid);
    CHECK(run.violations.empty());
    CHECK(run.operations > 1000);
    for (const auto& v : run.convergence) FAIL_CHECK(v.invariant + ": " + v.detail);
    promotions += run.promotions;
  }
  CHECK(promotions > 0);  // the crashes did hit primaries
}

TEST_CASE("a source failover mid-migration loses writes with Redis 7's unreplicated migration state, not with Valkey's",
          "[workload]") {
  int caught = 0;
  for (std::uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    const ChaosRun off = source_failover_mid_migration(node::Variants::MigrationStateReplication::off, seed);
    CAPTURE(off.verdict.explanation, off.fix_error);
    if (off.verdict.verdict == checker::Verdict::invalid) ++caught;
    const ChaosRun on = source_failover_mid_migration(node::Variants::MigrationStateReplication::on, seed);
    CAPTURE(on.verdict.explanation, on.fix_error, on.forgiven);
    CHECK(on.verdict.verdict == checker::Verdict::valid);
    CHECK(on.violations.empty());
    CHECK(on.converged);
    for (const auto& v : on.convergence) FAIL_CHECK(v.invariant + ": " + v.detail);
  }
  CHECK(caught >= 2);
}

TEST_CASE("register histories are linearizable through a migration and replica crashes", "[workload]") {
  for (std::uint64_t seed : {1, 2}) {
    CAPTURE(seed);
    cluster::SimCluster c(bus_cluster(3, 1, seed));
    cluster::InvariantMonitor monitor(c);
    workload::HistoryRecorder recorder([&] { return c.world().now(); });
    workload::WorkloadOptions load;
    load.kind = workload::WorkloadKind::register_value;
    load.seeds = addresses(c);
    load.key_names = {"{k2}0", "{k2}1", "{k2}2", "key:1", "key:2", "key:3"};
    load.read_fraction = 0.5;
    load.think_time = ms(10);
    bool stop = false;
    for (int i = 0; i < 5; ++i) {
      c.world().add_process("client" + std::to_string(i), function_process([&, i](Env& env) {
        workload::run_client(env, load, i, recorder, &stop);
      }));
    }
    bool moved = false;
    c.world().add_process("operator", function_process([&](Env& env) {
      env.sleep(seconds(1));
      workload::ClusterOperator op(env, load.seeds);
      CHECK(op.move_slot(449, Address{"n2", 6379}, 1).ok);
      moved = true;
    }));
    c.run_for(seconds(2));
    c.crash("n5");  // a replica: no failover, so D4 promises linearizability
    c.run_for(seconds(3));
    c.restart("n5");
    REQUIRE(run_until_every(c, [&] { return moved; }, seconds(30)));
    c.run_for(seconds(2));
    stop = true;
    c.run_for(seconds(3));
    const auto paired = checker::pair_operations(recorder.history());
    REQUIRE_FALSE(paired.error);
    CHECK(paired.operations.size() > 500);
    const auto verdict = checker::check_register(paired.operations);
    CAPTURE(verdict.explanation);
    CHECK(verdict.verdict == checker::Verdict::valid);
    CHECK(monitor.invariants().violations().empty());
    CHECK(monitor.promotions().empty());
  }
}

namespace {

checker::Operation op(std::size_t id, checker::Function f, checker::Outcome outcome, Nanos invoke, Nanos complete,
                      checker::Value argument, checker::Value result = {}) {
  checker::Operation o;
  o.id = id;
  o.process = static_cast<std::int64_t>(id);
  o.f = f;
  o.key = "k";
  o.argument = std::move(argument);
  o.result = std::move(result);
  o.outcome = outcome;
  o.invoke_ns = invoke;
  o.complete_ns = complete;
  return o;
}

checker::Value list(const std::vector<std::int64_t>& items) {
  std::vector<checker::Value> values;
  for (auto i : items) values.push_back(checker::Value::of(i));
  return checker::Value::list_of(std::move(values));
}

}  // namespace

TEST_CASE("rule D1 forgives a loss only through the promotion that ended the write's term", "[workload]") {
  using checker::Function;
  using checker::Outcome;
  using checker::Value;
  // W = append 2, acknowledged by P at offset 100 at t=10; a final read lacks it.
  std::vector<checker::Operation> ops = {
      op(0, Function::append, Outcome::ok, 1, 2, Value::of(1)),
      op(1, Function::append, Outcome::ok, 5, 10, Value::of(2)),
      op(2, Function::read, Outcome::ok, 200, 210, {}, list({1})),
  };
  std::map<std::size_t, checker::WriteAck> acks = {{0, {"P", 50, 2, 0}}, {1, {"P", 100, 10, 0}}};
  checker::Promotion behind{100, "P", "R", "R", 80, 0, 0, "", 0, {}};  // R took over with offset 80 < 100
  CHECK(checker::check_list_append_with_failovers(ops, acks, {}).verdict == checker::Verdict::invalid);
  CHECK(checker::check_list_append_with_failovers(ops, acks, {behind}).verdict == checker::Verdict::valid);
  // A winner that had the write explains nothing.
  checker::Promotion ahead{100, "P", "R", "R", 120, 0, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, acks, {ahead}).verdict == checker::Verdict::invalid);
  // A sibling no fault touched held the write: Redis would have ranked it
  // first, so the loss was not needed and is not excused; one that lacked it
  // changes nothing.
  checker::Promotion needless{100, "P", "R", "R", 80, 0, 100, "S", 0, {}};
  const auto needless_check = checker::check_list_append_with_failovers(ops, acks, {needless});
  CHECK(needless_check.verdict == checker::Verdict::invalid);
  CHECK(needless_check.explanation.find("lost without need") != std::string::npos);
  checker::Promotion sibling_behind{100, "P", "R", "R", 80, 0, 90, "S", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, acks, {sibling_behind}).verdict == checker::Verdict::valid);
  // A write acknowledged in a history the winner never followed (P restarted
  // and started a new one) was lacked by the winner whatever its offset.
  auto restarted = acks;
  restarted[1].history = 7;
  checker::Promotion other_history{100, "P", "R", "R", 120, 5, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, restarted, {other_history}).verdict == checker::Verdict::valid);
  checker::Promotion same_history{100, "P", "R", "R", 120, 7, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, restarted, {same_history}).verdict == checker::Verdict::invalid);
  // valkey#885: a winner that restarted and never synced since has its own
  // history and a small raw offset. A sibling that held the write in the
  // write's history, with a larger raw offset, ranks first in Redis: needless.
  checker::Promotion fresh_winner{100, "P", "R", "R", 14, 5, 100, "S", 7, {}};
  CHECK(checker::check_list_append_with_failovers(ops, restarted, {fresh_winner}).verdict == checker::Verdict::invalid);
  fresh_winner.untouched_sibling_history = 5;  // its offset counts elsewhere: proves nothing
  CHECK(checker::check_list_append_with_failovers(ops, restarted, {fresh_winner}).verdict == checker::Verdict::valid);
  checker::Promotion fresh_winner_ahead{100, "P", "R", "R", 150, 5, 100, "S", 7, {}};  // ranked first by raw offset
  CHECK(checker::check_list_append_with_failovers(ops, restarted, {fresh_winner_ahead}).verdict ==
        checker::Verdict::valid);
  // A cut-off primary acknowledges after its replacement was promoted: still its term.
  checker::Promotion before_ack{8, "P", "R", "R", 80, 0, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, acks, {before_ack}).verdict == checker::Verdict::valid);
  // But not a promotion from an earlier term of P (P won again since).
  checker::Promotion old_term{3, "P", "R", "R", 80, 0, 0, "", 0, {}};
  checker::Promotion p_back{4, "R", "P", "P", 90, 0, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, acks, {old_term, p_back}).verdict == checker::Verdict::invalid);
  // The key moved on (MIGRATE) to Q at Q's offset 40; Q was then replaced by a winner at 30.
  std::vector<checker::KeyMove> moves = {{50, "k", "Q", 40}};
  checker::Promotion q_lost{150, "Q", "S", "S", 30, 0, 0, "", 0, {}};
  checker::Promotion q_kept{150, "Q", "S", "S", 45, 0, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, acks, {q_lost}, nullptr, moves).verdict ==
        checker::Verdict::valid);
  CHECK(checker::check_list_append_with_failovers(ops, acks, {q_kept}, nullptr, moves).verdict ==
        checker::Verdict::invalid);
  // A RESTORE between the write's invocation and its ack may carry it too (the
  // source applied it, then MIGRATE serialized the key); one before may not.
  CHECK(checker::check_list_append_with_failovers(ops, acks, {q_lost}, nullptr, {{7, "k", "Q", 40}}).verdict ==
        checker::Verdict::valid);
  CHECK(checker::check_list_append_with_failovers(ops, acks, {q_lost}, nullptr, {{4, "k", "Q", 40}}).verdict ==
        checker::Verdict::invalid);
  // W acknowledged by T, the target of a migration from P, which no failover
  // replaced. P's DEL of the key it migrated (at P's offset 60) died with a
  // failover whose winner had offset 55: the key lives on in two shards and
  // everything on it from then on is excused, but not if the winner had the DEL.
  auto on_target = acks;
  on_target[1].node_id = "T";
  std::vector<checker::KeyMove> departed = {{5, "k", "P", 60, true, 9}};
  checker::Promotion del_lost{100, "P", "R", "R", 55, 9, 0, "", 0, {}};
  checker::Promotion del_kept{100, "P", "R", "R", 65, 9, 0, "", 0, {}};
  CHECK(checker::split_keys({del_lost}, departed).count("k") == 1);
  CHECK(checker::split_keys({del_kept}, departed).empty());
  // Or P lost the DEL with its AOF's unsynced tail and restarted with the key:
  // the history splits, but L4 (no aof_losses passed) still sees the key.
  CHECK(checker::split_keys({}, departed, {}, {}, {}, {{"P", 1, 10, {"k"}, true}}).count("k") == 1);
  CHECK(checker::split_keys({}, departed, {}, {}, {}, {{"P", 6, 10, {"k"}, true}}).empty());
  // Restarted without the key (the DEL survived), or not restarted at all: no split.
  CHECK(checker::split_keys({}, departed, {}, {}, {}, {{"P", 1, 10, {}, true}}).empty());
  CHECK(checker::split_keys({}, departed, {}, {}, {}, {{"P", 1, 10, {}, false}}).empty());
  // Offsets in another history (P restarted since the DEL) prove nothing.
  checker::Promotion del_other_history{100, "P", "R", "R", 55, 8, 0, "", 0, {}};
  CHECK(checker::split_keys({del_other_history}, departed).empty());
  CHECK(checker::check_list_append_with_failovers(ops, on_target, {del_lost}, nullptr, departed).verdict ==
        checker::Verdict::valid);
  CHECK(checker::check_list_append_with_failovers(ops, on_target, {del_kept}, nullptr, departed).verdict ==
        checker::Verdict::invalid);
  // Or the winner lacked the old primary's MIGRATING state for the key's slot
  // (it was offline when P set it): keys the target T acknowledged writes to split.
  const checker::SlotOf slot_of = [](const std::string& key) { return key == "k" ? 7 : 8; };
  checker::Promotion migration_lost{100, "P", "R", "R", 120, 0, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, on_target, {migration_lost}, nullptr, {}, slot_of).verdict ==
        checker::Verdict::invalid);
  migration_lost.migrations_lost.push_back({7, "T", 1});
  CHECK(checker::split_keys({migration_lost}, {}, ops, on_target, slot_of).count("k") == 1);
  CHECK(checker::check_list_append_with_failovers(ops, on_target, {migration_lost}, nullptr, {}, slot_of).verdict ==
        checker::Verdict::valid);
  // Not for another slot, nor when the target never held the key.
  migration_lost.migrations_lost[0].slot = 8;
  CHECK(checker::split_keys({migration_lost}, {}, ops, on_target, slot_of).empty());
  migration_lost.migrations_lost[0].slot = 7;
  CHECK(checker::split_keys({migration_lost}, {}, ops, acks, slot_of).empty());
  // P crashed and lost the unsynced tail of its AOF (appendfsync everysec):
  // a write acknowledged since its last fsync may be gone, one before may not.
  CHECK(checker::check_list_append_with_failovers(ops, acks, {}, nullptr, {}, {}, {{"P", 5, 20, {}, false}}).verdict ==
        checker::Verdict::valid);
  CHECK(checker::check_list_append_with_failovers(ops, acks, {}, nullptr, {}, {}, {{"P", 15, 20, {}, false}}).verdict ==
        checker::Verdict::invalid);
  CHECK(checker::check_list_append_with_failovers(ops, acks, {}, nullptr, {}, {}, {{"Q", 5, 20, {}, false}}).verdict ==
        checker::Verdict::invalid);
  // Or the key's later holder (by RESTORE) lost it that way.
  CHECK(checker::check_list_append_with_failovers(ops, acks, {}, nullptr, moves, {}, {{"Q", 45, 60, {}, false}}).verdict ==
        checker::Verdict::valid);
  // A read between the ack and the promotion already lacked it: not the failover's doing.
  ops.push_back(op(3, Function::read, Outcome::ok, 20, 30, {}, list({1})));
  CHECK(checker::check_list_append_with_failovers(ops, acks, {behind}).verdict == checker::Verdict::invalid);
  // Unless a deposed primary answered that read (Q, replaced at 12): it showed its own stale copy.
  auto deposed = acks;
  deposed[3] = {"Q", 0, 28, 0};
  checker::Promotion q_replaced{12, "Q", "T", "T", 0, 0, 0, "", 0, {}};
  CHECK(checker::check_list_append_with_failovers(ops, deposed, {behind}).verdict == checker::Verdict::invalid);
  CHECK(checker::check_list_append_with_failovers(ops, deposed, {q_replaced, behind}).verdict ==
        checker::Verdict::valid);
  // A split key's writes are excused from the DEL on, its reads only from the failover that split it:
  // a read at 30 showing a value nobody wrote is still a phantom; at 150 it may be the other copy's.
  const auto split = checker::split_keys({del_lost}, departed);
  REQUIRE(split.count("k") == 1);
  CHECK(split.at("k").writes_from == 5);
  CHECK(split.at("k").reads_from == 100);
  auto phantom = ops;
  phantom[3].result = list({1, 999});
  CHECK(checker::check_list_append_with_failovers(phantom, on_target, {del_lost}, nullptr, departed).verdict ==
        checker::Verdict::invalid);
  phantom[3].invoke_ns = 140;
  phantom[3].complete_ns = 150;
  CHECK(checker::check_list_append_with_failovers(phantom, on_target, {del_lost}, nullptr, departed).verdict ==
        checker::Verdict::valid);
}

TEST_CASE("S4 fires when a node hands a slot to an owner that is not newer, unless an operator did it", "[workload]") {
  checker::OnlineInvariants invariants;
  auto table = [](std::vector<std::string> owners, std::map<std::string, std::uint64_t> epochs) {
    checker::NodeView v = view("n1", 1, {});
    auto compact = std::make_shared<checker::OwnerTable>();
    compact->ids = {""};
    for (const auto& owner : owners) {
      auto it = std::find(compact->ids.begin(), compact->ids.end(), owner);
      if (it == compact->ids.end()) it = compact->ids.insert(compact->ids.end(), owner);
      compact->slots.push_back(static_cast<std::uint16_t>(it - compact->ids.begin()));
    }
    v.owners = std::move(compact);
    v.owner_epochs = std::move(epochs);
    return v;
  };
  invariants.observe(ms(1), {table({"A", "A", "B"}, {{"A", 3}, {"B", 4}})});
  invariants.observe(ms(2), {table({"A", "C", "B"}, {{"A", 3}, {"B", 4}, {"C", 5}})});  // newer: fine
  invariants.observe(ms(3), {table({"A", "C", ""}, {{"A", 3}, {"B", 4}, {"C", 5}})});   // unassigned: fine
  CHECK(invariants.violations().empty());
  invariants.on_event(ms(4), "n1", "setslot", "slot=0 action=node node=B");
  invariants.observe(ms(5), {table({"B", "C", ""}, {{"A", 3}, {"B", 4}, {"C", 5}})});   // by SETSLOT: fine
  CHECK(invariants.violations().empty());
  invariants.observe(ms(6), {table({"B", "A", ""}, {{"A", 3}, {"B", 4}, {"C", 5}})});   // C (5) -> A (3): bad
  REQUIRE(invariants.violations().size() == 1);
  CHECK(invariants.violations()[0].invariant == "S4");
  CHECK(invariants.violations()[0].detail.find("slot 1") != std::string::npos);
  // A claim on a slot whose owner stopped claiming it is taken whatever the
  // epochs (redis#12344): allowed when the node said so.
  invariants.on_event(ms(7), "n1", "slots_taken_unclaimed", "owner=A epoch=3 slots=0");
  invariants.observe(ms(8), {table({"A", "A", ""}, {{"A", 3}, {"B", 4}, {"C", 5}})});   // B (4) -> A (3), said
  CHECK(invariants.violations().size() == 1);
  invariants.observe(ms(9), {table({"D", "A", ""}, {{"A", 3}, {"D", 1}})});   // A (3) -> D (1), unsaid: bad
  CHECK(invariants.violations().size() == 2);
  // Said, then down at the next snapshot: the permission waits for the first
  // snapshot that sees the node again (restart_swarm seed 236, a shard crash).
  invariants.on_event(ms(10), "n1", "slots_taken_unclaimed", "owner=E epoch=1 slots=0");
  checker::NodeView down = view("n1", 1, {});
  down.up = false;
  invariants.observe(ms(11), {down});
  invariants.observe(ms(12), {table({"E", "A", ""}, {{"A", 3}, {"E", 1}})});   // D (1) -> E (1), said
  CHECK(invariants.violations().size() == 2);
  invariants.observe(ms(13), {table({"D", "A", ""}, {{"A", 3}, {"D", 1}})});   // E (1) -> D (1), unsaid: bad
  CHECK(invariants.violations().size() == 3);
}

TEST_CASE("counter and WAIT workloads, and the operator's manual failover", "[workload]") {
  cluster::SimCluster c(bus_cluster(3, 1, 4));
  cluster::InvariantMonitor monitor(c);
  workload::HistoryRecorder recorder([&] { return c.world().now(); });
  workload::WorkloadOptions load;
  load.kind = workload::WorkloadKind::counter;
  load.seeds = addresses(c);
  load.key_names = {"{k2}counter"};
  load.read_fraction = 0.2;
  load.wait_replicas = 1;  // each INCR waits for n4 before the next operation
  bool stop = false;
  for (int i = 0; i < 3; ++i) {
    c.world().add_process("client" + std::to_string(i), function_process([&, i](Env& env) {
      workload::run_client(env, load, i, recorder, &stop);
    }));
  }
  c.run_for(seconds(5));
  stop = true;
  c.run_for(seconds(3));
  const auto paired = checker::pair_operations(recorder.history());
  REQUIRE_FALSE(paired.error);
  for (const auto& op : paired.operations) REQUIRE_FALSE(op.is_info());  // no faults: every outcome is known
  std::int64_t increments = 0;
  std::int64_t last_seen = 0;
  for (const auto& e : recorder.history()) {  // an INCR's completion carries its reply
    if (e.f == checker::Function::write && e.type == checker::EventType::ok) {
      ++increments;
      last_seen = std::max(last_seen, e.value.integer());
    }
  }
  CHECK(increments > 50);
  CHECK(last_seen == increments);  // INCR replies count every increment exactly once
  CHECK(raw(c, "n1", {"GET", "{k2}counter"}) == "$" + std::to_string(std::to_string(increments).size()) + "\r\n" +
                                                     std::to_string(increments) + "\r\n");
  // WAIT made every increment reach the replica before the next.
  CHECK(std::get<std::string>(c.node("n4")->keyspace().peek("{k2}counter")->data) == std::to_string(increments));
  // The operator hands n1's slots to its replica.
  workload::OperatorResult result;
  bool done = false;
  c.world().add_process("operator", function_process([&](Env& env) {
    workload::ClusterOperator op(env, addresses(c));
    result = op.failover(Address{"n4", 6379});
    done = true;
  }));
  REQUIRE(run_until_every(c, [&] { return done && test::is_primary(c, "n4"); }, seconds(20)));
  CHECK(result.ok);
  REQUIRE(run_until_converged(c, seconds(20)));
  CHECK(monitor.invariants().violations().empty());
}

TEST_CASE("history replies read integers exactly as from_chars does, and keep other text", "[workload]") {
  auto read = [](const std::string& reply) {
    workload::HistoryReplyReader reader;
    std::size_t consumed = 0;
    REQUIRE(reader.read(reply, consumed) == node::ReplyStep::done);
    CHECK(consumed == reply.size());
    return reader.take();
  };
  for (const char* text : {"0", "7", "007", "-5", "-0", "9223372036854775807", "-9223372036854775808", "1000000001"}) {
    std::int64_t expected = 0;
    std::from_chars(text, text + std::strlen(text), expected);
    CHECK(read(node::reply::bulk(text)) == checker::Value::of(expected));
  }
  for (const char* text : {"", "-", "+5", "12a", " 1", "9223372036854775808", "-9223372036854775809", "1e3"}) {
    CHECK(read(node::reply::bulk(text)) == checker::Value::of(std::string(text)));
  }
  CHECK(read(":-3\r\n") == checker::Value::of(-3));
  CHECK(read("+12\r\n") == checker::Value::of(12));
  CHECK(read("$-1\r\n").is_null());
  CHECK(read("*2\r\n$1\r\n1\r\n$1\r\nx\r\n") ==
        checker::Value::list_of({checker::Value::of(1), checker::Value::of("x")}));
  workload::HistoryReplyReader reader;
  std::size_t consumed = 0;
  CHECK(reader.read("*2\r\n$1\r\n1\r\n", consumed) == node::ReplyStep::need_more);
  CHECK(reader.read("*2\r\n!", consumed) == node::ReplyStep::error);
}

TEST_CASE("a read answered by a deposed primary may be stale, one by the owner may not", "[workload]") {
  using checker::Function;
  using checker::Outcome;
  using checker::Value;
  // P acknowledges 1; R replaces P at t=100 with it; R acknowledges 2; then a
  // read answered by P (frozen through the failover, say) lacks 2.
  std::vector<checker::Operation> ops = {
      op(0, Function::append, Outcome::ok, 1, 2, Value::of(1)),
      op(1, Function::append, Outcome::ok, 110, 120, Value::of(2)),
      op(2, Function::read, Outcome::ok, 130, 300, {}, list({1})),
  };
  const checker::Promotion failover{100, "P", "R", "R", 50, 0, 0, "", 0, {}};
  std::map<std::size_t, checker::WriteAck> acks = {{0, {"P", 50, 2, 0}}, {1, {"R", 70, 120, 0}}, {2, {"P", 50, 300, 0}}};
  CHECK(checker::deposed_reads(ops, acks, {failover}) == std::set<std::size_t>{2});
  const auto forgiving = checker::check_list_append_with_failovers(ops, acks, {failover});
  CHECK(forgiving.verdict == checker::Verdict::valid);
  CHECK(forgiving.explanation.find("1 read(s) answered by a primary already replaced") != std::string::npos);
  // The same read answered by R, the owner, is a lost write.
  acks[2] = {"R", 70, 300, 0};
  CHECK(checker::deposed_reads(ops, acks, {failover}).empty());
  CHECK(checker::check_list_append_with_failovers(ops, acks, {failover}).verdict == checker::Verdict::invalid);
  // And P answering before the failover was not deposed yet.
  acks[2] = {"P", 50, 90, 0};
  CHECK(checker::deposed_reads(ops, acks, {failover}).empty());
  // Nor after it won its slots back.
  acks[2] = {"P", 50, 300, 0};
  const checker::Promotion back{200, "R", "P", "P", 80, 0, 0, "", 0, {}};
  CHECK(checker::deposed_reads(ops, acks, {failover, back}).empty());
}

TEST_CASE("L4 reports a stranded key unless a split or an unclaimed-slot rebind left it there", "[workload]") {
  cluster::SimCluster c(bus_cluster(3, 0, 9));
  // n2 takes a key of n1's slot 449 through ASKING, then closes the slot: the key is stranded on n2.
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"SET", "{k2}k", "v"}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "STABLE"}) == "+OK\r\n");
  auto l4 = [&](const cluster::StrandedKeyCauses& causes) {
    std::string found;
    for (const auto& v : cluster::check_convergence(c, causes)) {
      if (v.invariant == "L4") found = v.detail;
    }
    return found;
  };
  const std::string stranded = "n2 holds key {k2}k of a slot it does not serve";
  CHECK(l4({}) == stranded);
  auto split = [](std::string key, std::string holder) {
    cluster::StrandedKeyCauses causes;
    causes.split_keys[key] = {holder};
    return causes;
  };
  // A split excuses the key in its holder's shard only.
  CHECK(l4(split("{k2}k", c.node_id("n2"))).empty());
  CHECK(l4(split("{k2}k", c.node_id("n3"))) == stranded);
  CHECK(l4(split("{k2}other", c.node_id("n2"))) == stranded);
  // A rebind excuses the keys its node held then, on that node's chain only.
  auto rebound = [](std::string node, std::string key) {
    cluster::StrandedKeyCauses causes;
    causes.unclaimed_rebinds[node] = {key};
    return causes;
  };
  CHECK(l4(rebound(c.node_id("n2"), "{k2}k")).empty());
  CHECK(l4(rebound(c.node_id("n2"), "{k2}other")) == stranded);
  CHECK(l4(rebound(c.node_id("n3"), "{k2}k")) == stranded);
  // A winner's keys as it took over, where the deposed primary kept their slot
  // (slot 449's owner is n1): migration_swarm seed 650.
  auto kept = [](std::string winner, std::string deposed, std::string key) {
    cluster::StrandedKeyCauses causes;
    causes.kept_by_deposed[winner][deposed] = {key};
    return causes;
  };
  CHECK(l4(kept(c.node_id("n2"), c.node_id("n1"), "{k2}k")).empty());
  CHECK(l4(kept(c.node_id("n2"), c.node_id("n3"), "{k2}k")) == stranded);  // n3 does not own the slot
  CHECK(l4(kept(c.node_id("n3"), c.node_id("n1"), "{k2}k")) == stranded);  // another shard's winner
  CHECK(l4(kept(c.node_id("n2"), c.node_id("n1"), "{k2}other")) == stranded);
}
