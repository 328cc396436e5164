// The operator: what `redis-cli --cluster` does, as a simulated process on
// Env. It creates a cluster (MEET, ADDSLOTS, REPLICATE), moves slots the way
// `reshard` does (SETSLOT IMPORTING on the target, MIGRATING on the source,
// GETKEYSINSLOT + MIGRATE in batches, then SETSLOT NODE on the target, the
// source and every other primary), triggers manual failovers, and repairs
// half-done migrations as `--cluster fix` does.
//
// Every step is a command to a node and can fail (the node crashed, moved,
// refuses); the operator reports the first failure instead of guessing, and
// fix() is written to be run again after anything went wrong.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/resp_client.h"
#include "env/env.h"
#include "node/variants.h"

namespace slotsim::workload {

// The points of a slot migration where a failure matters most, in order.
enum class MovePhase { after_importing, after_migrating, midway, between_setslot_node, during_broadcast };
const char* to_string(MovePhase phase);
bool parse_move_phase(std::string_view text, MovePhase& out);

struct OperatorResult {
  bool ok = true;
  std::string error;  // the command and the reply that stopped it
  // It stopped on a key held by two nodes with different values (BUSYKEY):
  // redis-cli then says to retry with --cluster-replace.
  bool copies_differ = false;
};

// What fix does with a key two nodes hold with different values: stop (and
// let a human choose, as redis-cli does), or keep one copy, as a human does
// with --cluster-replace: the copy of the node the slot's keys move from
// when finishing a migration, the importing node's when bringing keys back
// to the owner (valkey-cli moves them over with MIGRATE ... REPLACE).
enum class DifferingCopies { stop, replace };

class ClusterOperator {
 public:
  ClusterOperator(Env& env, std::vector<Address> nodes, Nanos command_timeout = seconds(5));

  // MEET everyone to the first node, split the slots over the first
  // `primaries` nodes, and make the rest replicas (round robin), then wait
  // until every node reports cluster_state:ok (at most `settle`).
  OperatorResult create(int primaries, Nanos settle = seconds(30));
  // Moves one slot and its keys from its owner to `to`, `batch` keys per MIGRATE.
  OperatorResult move_slot(int slot, const Address& to, int batch = 10);
  // The first half of move_slot, for scenarios that fail something midway:
  // IMPORTING on the target and MIGRATING on the source, then `keys` keys moved.
  OperatorResult begin_move(int slot, const Address& to, int keys);
  // Called as a migration passes each phase ("midway": after the first batch
  // of keys moved), with both ends' hosts: a nemesis fails a node at an exact
  // point of the protocol, whatever the timing.
  using PhaseHook = std::function<void(MovePhase, int slot, const std::string& source, const std::string& target)>;
  void on_phase(PhaseHook hook) { phase_hook_ = std::move(hook); }
  // The zoo's redis-cli bugs (finalize-source-first, migrate-dup-on-timeout,
  // abort-orphans-ask-writes) are read from here; node bugs are ignored.
  void set_variants(const node::Variants& variants) { variants_ = variants; }
  // CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica; mode "" for the default.
  OperatorResult failover(const Address& replica, const std::string& mode = "");
  // Closes every open slot, as `redis-cli --cluster fix`: finishes a
  // migration whose both ends are known, moves stranded keys to the slot's
  // owner, and sets slots stable. Beyond redis-cli, it also closes a slot open on a
  // replica only (a replicated SETSLOT its primary then refused, valkey#1664).
  OperatorResult fix(DifferingCopies differing = DifferingCopies::stop);

  // What the operator learned about a node (from CLUSTER NODES).
  struct NodeInfo {
    Address address;
    std::string id;
    bool primary = false;
    bool failed = false;
    std::string primary_id;
    std::vector<int> slots;
    std::map<int, std::string> migrating;  // slot -> target id
    std::map<int, std::string> importing;  // slot -> source id
  };
  // Reads CLUSTER NODES from the first node that answers; empty on failure.
  std::vector<NodeInfo> cluster_view();

 private:
  DifferingCopies differing_ = DifferingCopies::stop;  // of the fix under way
  client::CallResult call(const Address& node, const std::vector<std::string>& args);
  OperatorResult expect_ok(const Address& node, const std::vector<std::string>& args);
  // retry_timeouts: a batch that timed out or met BUSYKEY within this move
  // is sent again at once with REPLACE (the source holds the live copies;
  // the target's are stale ones from RESTOREs whose replies were lost).
  // Without it either stops the move, as redis-cli without --cluster-replace
  // (the fix: after a failover the target's copy may be the live one).
  OperatorResult migrate_keys(const Address& from, const Address& to, int slot, int batch,
                              const std::function<void()>& after_first_batch, bool retry_timeouts = false);
  void phase(MovePhase phase, int slot, const Address& source, const Address& target);
  const NodeInfo* by_id(const std::vector<NodeInfo>& view, const std::string& id) const;
  OperatorResult fix_slot(const std::vector<NodeInfo>& view, int slot);
  OperatorResult drop_stale_copies(const Address& holder, const Address& owner, int slot);
  // Movable, not copyable: the pointers point into `view`'s buffer, which a move keeps.
  struct MoveEnds {
    MoveEnds() = default;
    MoveEnds(MoveEnds&&) = default;
    MoveEnds(const MoveEnds&) = delete;
    MoveEnds& operator=(const MoveEnds&) = delete;
    std::vector<NodeInfo> view;
    const NodeInfo* source = nullptr;
    const NodeInfo* target = nullptr;
  };
  MoveEnds move_ends(int slot, const Address& to);

  Env& env_;
  std::vector<Address> nodes_;
  Nanos command_timeout_;
  std::map<Address, std::unique_ptr<client::RespClient>> connections_;
  PhaseHook phase_hook_;
  node::Variants variants_;
};

}  // namespace slotsim::workload
