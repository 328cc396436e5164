// What a node knows about replication, on both sides of it.
//
// As in Redis, the replication id and offset name a history: a primary numbers
// the bytes of its stream; a replica adopts its primary's id and counts the
// bytes it has applied. A promoted replica keeps its old id as replid2 (valid
// up to second_replid_offset), so siblings and the old primary can continue
// from it with a partial resync if they hold nothing the new primary lacks.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "env/env.h"
#include "node/outbox.h"
#include "node/repl_backlog.h"

namespace slotsim::node {

// A replica attached to this node (primary side).
struct ReplicaLink {
  std::shared_ptr<Outbox> out;
  std::string address;            // ip:listening-port, as INFO shows it
  std::uint64_t ack_offset = 0;   // the largest REPLCONF ACK
  std::int64_t ack_time_ms = 0;
};

struct ReplicationState {
  static constexpr std::size_t kBacklogBytes = 1 << 20;  // repl-backlog-size
  static constexpr std::uint64_t kNoOffset = std::numeric_limits<std::uint64_t>::max();

  std::string replid;
  std::string replid2;  // empty: none
  std::uint64_t second_replid_offset = kNoOffset;
  std::uint64_t offset = 0;  // master_repl_offset (primary) or bytes applied (replica)
  ReplBacklog backlog{kBacklogBytes};

  // Primary side.
  std::map<std::uint64_t, ReplicaLink> replicas;  // by serial
  std::uint64_t next_replica_serial = 1;
  Nanos last_ping_to_replicas = 0;

  // Replica side.
  std::uint64_t generation = 0;  // bumped when the primary changes: old link fibers stop
  bool link_up = false;
  std::shared_ptr<Connection> primary_conn;
  std::int64_t last_io_ms = 0;   // last data from the primary
  std::int64_t down_since_ms = 0;
  // Following a primary of another shard and not yet synced with it: the
  // offset we hold counts in another history, so we report 0 until the sync
  // (valkey#885: a migrated replica or a primary that lost its last slot won
  // elections on its old history's offset and lost the shard's data).
  bool offset_from_other_shard = false;
  std::uint64_t full_syncs = 0;
  std::uint64_t partial_syncs = 0;
};

}  // namespace slotsim::node
