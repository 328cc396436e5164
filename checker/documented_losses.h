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
};

// A key that arrived on another primary by MIGRATE (RESTORE): from then on
// its writes also live or die with that holder's replication.
struct KeyMove {
  Nanos time = 0;
  std::string key;
  std::string node_id;
  std::uint64_t offset = 0;  // the holder's offset right after the RESTORE
};

// Operation ids of acknowledged writes whose loss a promotion explains: one
// that replaced the acknowledging primary, within the term in which it
// acknowledged the write (possibly before the ack reached the client, for a
// cut-off primary), with a winner whose offset was below the write's; and no
// read between the ack and that promotion already lacked the write. A write
// whose key later moved is also explained by such a promotion of a later
// holder, measured against the offset of the RESTORE that brought the key.
std::set<std::size_t> documented_losses(const std::vector<Operation>& operations,
                                        const std::map<std::size_t, WriteAck>& acks,
                                        const std::vector<Promotion>& promotions,
                                        const std::vector<KeyMove>& moves = {});

// Reads answered by a primary that a promotion had replaced before it
// answered (and that was not promoted again since): a deposed primary serves
// from its old state until it hears of the failover, which Redis allows
// (Redis Cluster promises no linearizability across a failover; D4). Their
// acks (from the recorder's probe) name the node that answered.
std::set<std::size_t> deposed_reads(const std::vector<Operation>& operations,
                                    const std::map<std::size_t, WriteAck>& acks,
                                    const std::vector<Promotion>& promotions);

// The list-append check, forgiving documented losses and deposed reads. The explanation of a
// valid result says how many losses were forgiven and why.
CheckResult check_list_append_with_failovers(const std::vector<Operation>& operations,
                                             const std::map<std::size_t, WriteAck>& acks,
                                             const std::vector<Promotion>& promotions,
                                             std::size_t* forgiven = nullptr,
                                             const std::vector<KeyMove>& moves = {});

}  // namespace slotsim::checker
