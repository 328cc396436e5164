// Rule D1 of ../shared/INVARIANTS.md: Redis may lose an acknowledged write
// only through a failover whose winner had not replicated it. Given where each
// write was acknowledged (node and replication offset) and every promotion
// (old primary, winner's offset), this finds the writes whose loss is
// documented behaviour; the history checkers then treat them as `info` (may
// or may not have happened), so only unexplained losses are reported.
//
// Conservative by construction: the offset recorded for a write is read when
// its acknowledgement arrives, at or after the write, so it can only excuse
// too much, never raise a false alarm. A key carried to another node by
// MIGRATE is followed to its holder (KeyMove): a promotion replacing that
// holder explains the loss too, measured from the RESTORE's offset.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checker/history.h"
#include "checker/verdict.h"

namespace slotsim::checker {

struct WriteAck {
  std::string node_id;       // the primary that acknowledged it (for a read: that answered it)
  std::uint64_t offset = 0;  // its replication offset when the ack arrived
  Nanos time = 0;
  // Which replication history that offset counts in (history_tag of the
  // primary's replid; 0: unknown). A restarted primary starts a new one.
  std::uint64_t history = 0;
};

// A cheap tag for a replication id (random hex): its first 16 characters.
inline std::uint64_t history_tag(std::string_view replid) {
  std::uint64_t tag = 0;
  for (std::size_t i = 0; i < replid.size() && i < 16; ++i) tag = (tag << 4) | static_cast<unsigned char>(replid[i] & 0x0f);
  return tag;
}

// A slot the old primary was migrating when a replica that was not online
// as it set MIGRATING won without that state: keys the target held since
// live on in two shards (the winner serves the slot as stable).
struct LostMigration {
  int slot = 0;
  std::string target_id;
  Nanos since = 0;  // when the old primary set MIGRATING
};

struct Promotion {
  Nanos time = 0;
  std::string old_primary_id;
  std::string winner;               // its name, for messages
  std::string winner_id;
  std::uint64_t winner_offset = 0;  // the winner's offset when it took over
  std::uint64_t winner_history = 0; // the history it had followed (history_tag; 0: unknown)
  // The best offset of a sibling replica that no fault touched, for an
  // automatic election (0: none). Redis ranks the replica with more data
  // first, so a write such a sibling held was lost without need: not excused.
  std::uint64_t untouched_sibling_offset = 0;
  std::string untouched_sibling;  // its name
  std::uint64_t untouched_sibling_history = 0;  // the history its offset counts in (history_tag)
  std::vector<LostMigration> migrations_lost;
};

// A key that arrived on another primary by MIGRATE (RESTORE): from then on
// its writes also live or die with that holder's replication. Or, departed:
// the source's DEL of a key it migrated, which can be lost the same way.
struct KeyMove {
  Nanos time = 0;
  std::string key;
  std::string node_id;
  std::uint64_t offset = 0;  // the holder's offset right after the RESTORE (departed: the DEL)
  bool departed = false;
  std::uint64_t history = 0;  // departed: the source's replication history (history_tag)
};

// A crash that lost the unsynced tail of a node's append-only file
// (appendfsync everysec or no): writes it acknowledged, or keys a RESTORE
// brought it, since its last fsync may be gone when it restarts, and with
// them from its replicas, which resync from it. Documented Redis behaviour
// (up to about a second of writes with everysec).
struct AofLoss {
  std::string node_id;
  Nanos unsynced_since = 0;  // its last fsync before the crash (or its start)
  Nanos crash_time = 0;
  // Keys it had migrated away within the lost tail that it held again when it
  // restarted (its DEL was lost): only these are split (split_keys).
  std::set<std::string> returned_keys;
  bool restart_seen = false;  // returned_keys was filled (at its restart)
};

// Keys MIGRATE left in two shards: the source's DEL was lost with a failover
// whose winner lacked it (an offset below the DEL's in the same replication
// history: a source that restarted since proves nothing), so the source's new primary serves its old copy
// while the target serves the moved one. MIGRATE is not atomic with
// replication; that is documented behaviour (fixed only by Valkey 9's atomic
// slot migration). Maps each such key to the time of the lost DEL, from
// which its history is split in two: writes on either copy may be lost and
// reads may see either.
// Or the source's migration state was lost the same way (LostMigration):
// then the split keys are those of its slot that the target held since, by
// RESTORE or by acknowledging a write (new keys go there through ASK).
using SlotOf = std::function<int(const std::string& key)>;
// Writes on a split key may be lost from when the second copy began; reads
// may see either copy only from the event that split it (the failover, the
// crash): before that they are still checked.
struct Split {
  Nanos writes_from = 0;
  Nanos reads_from = 0;
  // The node whose shard keeps the copy its slot's owner does not have (the
  // failover's winner, or the migration's target): where L4 may find it.
  std::set<std::string> holders;
};
// With `aof_losses`, also keys whose DEL the source lost with its AOF's
// unsynced tail (it restarted with the key, AofLoss::returned_keys; for the history only: L4 must
// still see such keys, which a dirty slot's cleanup has to remove).
std::map<std::string, Split> split_keys(const std::vector<Promotion>& promotions, const std::vector<KeyMove>& moves,
                                        const std::vector<Operation>& operations = {},
                                        const std::map<std::size_t, WriteAck>& acks = {}, const SlotOf& slot_of = {},
                                        const std::vector<AofLoss>& aof_losses = {});

// Operation ids of acknowledged writes whose loss a promotion explains: one
// that replaced the acknowledging primary, within the term in which it
// acknowledged the write (possibly before the ack reached the client, for a
// cut-off primary), with a winner whose offset was below the write's; and no
// read between the ack and that promotion already lacked the write. A write
// whose key later moved is also explained by such a promotion of a later
// holder, measured against the offset of the RESTORE that brought the key.
// (Keys split by a lost DEL are handled by split_keys, not here.)
// Or the acknowledging primary (or the key's later holder) lost the write
// with its AOF's unsynced tail (AofLoss).
std::set<std::size_t> documented_losses(const std::vector<Operation>& operations,
                                        const std::map<std::size_t, WriteAck>& acks,
                                        const std::vector<Promotion>& promotions,
                                        const std::vector<KeyMove>& moves = {},
                                        const std::vector<AofLoss>& aof_losses = {});

// Reads answered by a primary that a promotion had replaced before it
// answered (and that was not promoted again since): a deposed primary serves
// from its old state until it hears of the failover, which Redis allows
// (Redis Cluster promises no linearizability across a failover; D4). Their
// acks (from the recorder's probe) name the node that answered.
std::set<std::size_t> deposed_reads(const std::vector<Operation>& operations,
                                    const std::map<std::size_t, WriteAck>& acks,
                                    const std::vector<Promotion>& promotions);

// The list-append check, forgiving documented losses, deposed reads and
// everything on a split key from its split on. The explanation of a valid
// result says how many losses were forgiven and why.
CheckResult check_list_append_with_failovers(const std::vector<Operation>& operations,
                                             const std::map<std::size_t, WriteAck>& acks,
                                             const std::vector<Promotion>& promotions,
                                             std::size_t* forgiven = nullptr,
                                             const std::vector<KeyMove>& moves = {}, const SlotOf& slot_of = {},
                                             const std::vector<AofLoss>& aof_losses = {});

}  // namespace slotsim::checker
