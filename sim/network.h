// The virtual network: TCP-like connections between hosts.
//
// Each direction of a connection is a FIFO of segments, each with the time it
// may arrive (send time + a latency draw, never before the previous segment).
// Faults act on links (ordered host pairs):
//   - blocked (partition, one-way or symmetric): segments wait, the peer sees
//     nothing, writes pile up until the send buffer is full, then block; after
//     the heal, everything arrives in order, as with TCP retransmission;
//   - clogged until T: segments wait until T (or a heal), then flow;
//   - slow: latency multiplied for a while;
//   - reset: both ends of every connection between two hosts see a reset.
// Flow control: a writer blocks while the bytes it wrote and its peer has not
// yet read reach the send buffer size, so a paused or slow reader pushes back.
// A host whose process crashed resets its connections and refuses new ones.
// All deadlines here are true virtual time; Env adapters convert skewed clocks.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "env/env.h"
#include "sim/latency.h"
#include "sim/random.h"
#include "sim/scheduler.h"
#include "sim/trace.h"

namespace slotsim::sim {

struct NetworkOptions {
  LatencyModel latency;
  std::uint64_t bandwidth_bytes_per_second = 0;  // 0: unlimited
  std::size_t send_buffer_bytes = 4 << 20;
};

using HostId = std::uint32_t;

// Process and host names are looked up on every connect, client call and
// monitor snapshot: hashed, not ordered. Nothing iterates these maps, so the
// hash order never reaches a run.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
};
template <class T>
using NameMap = std::unordered_map<std::string, T, NameHash, std::equal_to<>>;

class Network {
 public:
  struct Conn;
  struct ListenerState;
  struct ConnRef {
    std::shared_ptr<Conn> conn;
    int side = 0;  // 0: the connecting side, 1: the accepting side
  };

  Network(Scheduler& scheduler, Trace& trace, Rng rng, NetworkOptions options);
  ~Network();

  HostId host_id(std::string_view host);  // registers the host on first use
  const std::string& host_name(HostId id) const { return hosts_.at(id); }
  const NetworkOptions& options() const { return options_; }

  // --- used by process Env adapters (from fibers) ---
  Result<std::shared_ptr<ListenerState>> listen(HostId host, std::uint16_t port);
  Result<ConnRef> accept(ListenerState& listener, Nanos deadline);
  void close_listener(ListenerState& listener);
  Result<ConnRef> connect(HostId from, const Address& to, Nanos deadline);
  ReadResult read(const ConnRef& ref, char* buffer, std::size_t capacity, Nanos deadline);
  IoError write(const ConnRef& ref, std::string_view data);
  void close(const ConnRef& ref);
  Address local_address(const ConnRef& ref) const;
  Address peer_address(const ConnRef& ref) const;

  // --- faults ---
  // Hosts in different groups cannot reach each other; hosts in no group keep
  // their links. Replaces any earlier partition.
  void partition(const std::vector<std::vector<std::string>>& groups);
  void block(std::string_view from, std::string_view to);  // one way
  void heal();  // unblocks every link, ends clogs and slowness
  void clog(std::string_view from, std::string_view to, Nanos until);
  void slow(std::string_view from, std::string_view to, double factor, Nanos until);
  void reset_between(std::string_view a, std::string_view b);
  // The process on host died: its connections reset, its listeners vanish.
  void host_crashed(HostId host);

  bool is_blocked(HostId from, HostId to) const;
  std::size_t open_connections() const { return open_connections_; }
  std::uint64_t segments_delivered() const { return segments_delivered_; }

 private:
  struct Segment;
  struct Direction;
  struct Endpoint;
  struct LinkState {
    bool blocked = false;
    Nanos clogged_until = 0;
    double slow_factor = 1.0;
    Nanos slow_until = 0;
    Nanos busy_until = 0;  // with a bandwidth limit: when the link has sent what it was given
  };

  LinkState& link(HostId from, HostId to);
  const LinkState* find_link(HostId from, HostId to) const;
  Nanos draw_latency(HostId from, HostId to);
  void send_segment(Conn& conn, int from_side, Segment segment);
  void schedule_pump(Conn& conn, int from_side, Nanos time);
  void pump(std::uint64_t conn_id, int from_side);
  void deliver(Conn& conn, int to_side, Segment& segment);
  void reset_endpoint(Conn& conn, int side);
  void send_reset(Conn& conn, int from_side);
  void release_if_done(Conn& conn);
  void abandon_connect(Conn& conn);
  void resume_held();
  void trace_event(std::string_view kind, std::string_view detail);
  // Data segments take their buffers from here and give them back on
  // delivery: a run sends ~10^5 segments, and each would allocate.
  std::string take_buffer(std::string_view data);
  void give_back(std::string&& buffer);

  Scheduler& scheduler_;
  Trace& trace_;
  Rng rng_;
  NetworkOptions options_;
  std::vector<std::string> hosts_;
  NameMap<HostId> host_ids_;
  std::vector<LinkState> links_;  // hosts_.size()^2, row = from
  std::size_t link_stride_ = 0;
  // Open connections by id (ids count up from 1; a closed one leaves a null):
  // every segment delivery looks its connection up, and iterating in index
  // order is iterating in id order.
  std::vector<std::shared_ptr<Conn>> conns_;
  std::size_t open_connections_ = 0;
  Conn* find_conn(std::uint64_t id) const { return id < conns_.size() ? conns_[id].get() : nullptr; }
  std::map<std::pair<HostId, std::uint16_t>, std::shared_ptr<ListenerState>> listeners_;
  std::set<std::pair<std::uint64_t, int>> held_;     // directions waiting for a blocked link
  std::set<std::pair<std::uint64_t, int>> clogged_;  // directions waiting for a clog to end
  std::vector<std::uint16_t> next_ephemeral_port_;
  std::vector<std::string> spare_buffers_;
  std::uint64_t next_conn_id_ = 1;
  std::uint64_t segments_delivered_ = 0;
};

}  // namespace slotsim::sim
