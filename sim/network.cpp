#include "sim/network.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace slotsim::sim {

struct Network::Segment {
  enum class Kind : std::uint8_t { data, fin, syn, syn_ack, rst };
  Kind kind = Kind::data;
  std::string bytes;
  Nanos ready = 0;
};

struct Network::Direction {
  std::deque<Segment> queue;
  Nanos last_ready = 0;
  bool pump_scheduled = false;
  Nanos pump_at = 0;  // the one pump event that counts; others are stale
  bool held = false;  // waiting in held_ for a blocked link
  // Bytes written and not yet read by the peer (in the queue or in its
  // receive buffer): the writer blocks when this reaches the buffer size.
  std::size_t in_flight = 0;
  WaitList writers;
};

struct Network::Endpoint {
  HostId host = 0;
  std::uint16_t port = 0;
  std::string recv;
  std::size_t recv_pos = 0;
  bool established = false;
  bool fin_received = false;
  bool reset = false;
  bool refused = false;
  bool closed = false;  // closed (or abandoned) by its own process
  WaitList readers;

  bool done() const { return closed || reset || refused; }
};

struct Network::Conn {
  std::uint64_t id = 0;
  Endpoint ep[2];
  Direction dir[2];  // dir[s] carries segments from ep[s] to ep[1 - s]
};

struct Network::ListenerState {
  HostId host = 0;
  std::uint16_t port = 0;
  std::deque<std::shared_ptr<Conn>> backlog;
  WaitList acceptors;
  bool closed = false;
};

Network::Network(Scheduler& scheduler, Trace& trace, Rng rng, NetworkOptions options)
    : scheduler_(scheduler), trace_(trace), rng_(rng), options_(options) {
  rng_.observe(&trace_.hash());
}

Network::~Network() = default;

HostId Network::host_id(std::string_view host) {
  if (auto it = host_ids_.find(host); it != host_ids_.end()) return it->second;
  const auto id = static_cast<HostId>(hosts_.size());
  hosts_.emplace_back(host);
  host_ids_.emplace(std::string(host), id);
  next_ephemeral_port_.push_back(32768);
  // Grow the link matrix, keeping existing states.
  const std::size_t n = hosts_.size();
  std::vector<LinkState> grown(n * n);
  for (std::size_t from = 0; from + 1 < n; ++from) {
    for (std::size_t to = 0; to + 1 < n; ++to) grown[from * n + to] = links_[from * link_stride_ + to];
  }
  links_ = std::move(grown);
  link_stride_ = n;
  return id;
}

Network::LinkState& Network::link(HostId from, HostId to) { return links_[from * link_stride_ + to]; }

const Network::LinkState* Network::find_link(HostId from, HostId to) const {
  return &links_[from * link_stride_ + to];
}

bool Network::is_blocked(HostId from, HostId to) const { return find_link(from, to)->blocked; }

void Network::trace_event(std::string_view kind, std::string_view detail) {
  trace_.record(scheduler_.now(), "net", kind, detail);
}

Nanos Network::draw_latency(HostId from, HostId to) {
  Nanos latency = options_.latency.draw(rng_);
  const LinkState* state = find_link(from, to);
  if (state->slow_until > scheduler_.now()) {
    latency = static_cast<Nanos>(static_cast<double>(latency) * state->slow_factor);
  }
  return latency;
}

// --- listeners and connection set-up ---

Result<std::shared_ptr<Network::ListenerState>> Network::listen(HostId host, std::uint16_t port) {
  const auto key = std::make_pair(host, port);
  if (auto it = listeners_.find(key); it != listeners_.end() && !it->second->closed) {
    return IoError::address_in_use;
  }
  auto state = std::make_shared<ListenerState>();
  state->host = host;
  state->port = port;
  listeners_[key] = state;
  trace_event("listen", fmt::format("addr={}:{}", hosts_[host], port));
  return state;
}

Result<Network::ConnRef> Network::accept(ListenerState& listener, Nanos deadline) {
  for (;;) {
    if (listener.closed) return IoError::closed;
    if (!listener.backlog.empty()) {
      auto conn = std::move(listener.backlog.front());
      listener.backlog.pop_front();
      return ConnRef{std::move(conn), 1};
    }
    if (!scheduler_.wait(listener.acceptors, deadline)) {
      return scheduler_.is_killed_context() ? IoError::closed : IoError::timeout;
    }
  }
}

void Network::close_listener(ListenerState& listener) {
  if (listener.closed) return;
  listener.closed = true;
  const auto key = std::make_pair(listener.host, listener.port);
  if (auto it = listeners_.find(key); it != listeners_.end() && it->second.get() == &listener) {
    listeners_.erase(it);
  }
  for (auto& conn : listener.backlog) {
    reset_endpoint(*conn, 1);
    send_reset(*conn, 1);
  }
  listener.backlog.clear();
  scheduler_.notify_all(listener.acceptors);
}

Result<Network::ConnRef> Network::connect(HostId from, const Address& to, Nanos deadline) {
  auto target = host_ids_.find(to.host);
  if (target == host_ids_.end()) return IoError::refused;  // no such host
  auto conn = std::make_shared<Conn>();
  conn->id = next_conn_id_++;
  conn->ep[0].host = from;
  conn->ep[0].port = next_ephemeral_port_[from]++;
  if (next_ephemeral_port_[from] == 0) next_ephemeral_port_[from] = 32768;
  conn->ep[1].host = target->second;
  conn->ep[1].port = to.port;
  if (conns_.size() <= conn->id) conns_.resize(conn->id + 1);
  conns_[conn->id] = conn;
  ++open_connections_;
  trace_event("connect", fmt::format("conn={} from={}:{} to={}", conn->id, hosts_[from],
                                     conn->ep[0].port, to.to_string()));
  send_segment(*conn, 0, Segment{Segment::Kind::syn, {}, 0});
  Endpoint& ep = conn->ep[0];
  while (!ep.established && !ep.reset && !ep.refused) {
    if (!scheduler_.wait(ep.readers, deadline)) {
      abandon_connect(*conn);
      return scheduler_.is_killed_context() ? IoError::closed : IoError::timeout;
    }
  }
  if (ep.refused || ep.reset) {
    const IoError error = ep.refused ? IoError::refused : IoError::reset;
    abandon_connect(*conn);
    return error;
  }
  return ConnRef{std::move(conn), 0};
}

// --- data path ---

ReadResult Network::read(const ConnRef& ref, char* buffer, std::size_t capacity, Nanos deadline) {
  Endpoint& ep = ref.conn->ep[ref.side];
  for (;;) {
    if (ep.closed) return {IoError::closed, 0};
    if (ep.recv_pos < ep.recv.size()) {
      const std::size_t n = std::min(capacity, ep.recv.size() - ep.recv_pos);
      std::memcpy(buffer, ep.recv.data() + ep.recv_pos, n);
      ep.recv_pos += n;
      Direction& incoming = ref.conn->dir[1 - ref.side];
      incoming.in_flight -= std::min(incoming.in_flight, n);
      scheduler_.notify_all(incoming.writers);
      if (ep.recv_pos == ep.recv.size()) {
        ep.recv.clear();
        ep.recv_pos = 0;
      }
      return {IoError::ok, n};
    }
    if (ep.reset) return {IoError::reset, 0};
    if (ep.fin_received) return {IoError::eof, 0};
    if (!scheduler_.wait(ep.readers, deadline)) {
      return {scheduler_.is_killed_context() ? IoError::closed : IoError::timeout, 0};
    }
  }
}

IoError Network::write(const ConnRef& ref, std::string_view data) {
  Conn& conn = *ref.conn;
  Endpoint& ep = conn.ep[ref.side];
  Direction& dir = conn.dir[ref.side];
  for (;;) {
    if (ep.closed) return IoError::closed;
    if (ep.reset) return IoError::reset;
    if (dir.in_flight < options_.send_buffer_bytes) break;
    // The send buffer is full (a partitioned or slow peer): block like TCP.
    scheduler_.wait(dir.writers, kForever);
    if (scheduler_.is_killed_context()) return IoError::closed;
  }
  if (data.empty()) return IoError::ok;
  send_segment(conn, ref.side, Segment{Segment::Kind::data, take_buffer(data), 0});
  return IoError::ok;
}

std::string Network::take_buffer(std::string_view data) {
  if (spare_buffers_.empty()) return std::string(data);
  std::string buffer = std::move(spare_buffers_.back());
  spare_buffers_.pop_back();
  buffer.assign(data);
  return buffer;
}

void Network::give_back(std::string&& buffer) {
  // A few of modest size cover the steady state; big ones are rare (bulk transfers).
  constexpr std::size_t kMaxSpare = 64;
  constexpr std::size_t kMaxSpareCapacity = 16 << 10;
  const std::size_t capacity = buffer.capacity();
  if (spare_buffers_.size() >= kMaxSpare || capacity > kMaxSpareCapacity || capacity <= std::string().capacity()) {
    return;
  }
  spare_buffers_.push_back(std::move(buffer));
}

void Network::close(const ConnRef& ref) {
  Conn& conn = *ref.conn;
  Endpoint& ep = conn.ep[ref.side];
  if (ep.closed) return;
  ep.closed = true;
  if (!ep.reset && ep.established) send_segment(conn, ref.side, Segment{Segment::Kind::fin, {}, 0});
  scheduler_.notify_all(ep.readers);
  scheduler_.notify_all(conn.dir[ref.side].writers);
  release_if_done(conn);
}

Address Network::local_address(const ConnRef& ref) const {
  const Endpoint& ep = ref.conn->ep[ref.side];
  return Address{hosts_[ep.host], ep.port};
}

Address Network::peer_address(const ConnRef& ref) const {
  const Endpoint& ep = ref.conn->ep[1 - ref.side];
  return Address{hosts_[ep.host], ep.port};
}

void Network::send_segment(Conn& conn, int from_side, Segment segment) {
  Direction& dir = conn.dir[from_side];
  const HostId from = conn.ep[from_side].host;
  const HostId to = conn.ep[1 - from_side].host;
  const Nanos now = scheduler_.now();
  Nanos ready = now + draw_latency(from, to);
  if (options_.bandwidth_bytes_per_second > 0) {
    // The link sends one segment after another: it is busy until the last one is out.
    LinkState& state = link(from, to);
    const Nanos start = std::max(now, state.busy_until);
    state.busy_until =
        start + static_cast<Nanos>(segment.bytes.size() * 1'000'000'000ull / options_.bandwidth_bytes_per_second);
    ready = state.busy_until + (ready - now);
  }
  ready = std::max(ready, dir.last_ready);  // a stream never reorders
  dir.last_ready = ready;
  segment.ready = ready;
  dir.in_flight += segment.bytes.size();
  dir.queue.push_back(std::move(segment));
  if (!dir.pump_scheduled && !dir.held) schedule_pump(conn, from_side, dir.queue.front().ready);
}

void Network::schedule_pump(Conn& conn, int from_side, Nanos time) {
  Direction& dir = conn.dir[from_side];
  time = std::max(time, scheduler_.now());
  if (dir.pump_scheduled && dir.pump_at == time) return;
  dir.pump_scheduled = true;
  dir.pump_at = time;
  // Packed into one word so the closure fits std::function's local buffer.
  const std::uint64_t key = (conn.id << 1) | static_cast<std::uint64_t>(from_side);
  scheduler_.at(time, [this, key] { pump(key >> 1, static_cast<int>(key & 1)); });
}

void Network::pump(std::uint64_t conn_id, int from_side) {
  if (find_conn(conn_id) == nullptr) return;
  std::shared_ptr<Conn> conn = conns_[conn_id];  // deliver() may release it from conns_
  Direction& dir = conn->dir[from_side];
  if (!dir.pump_scheduled || dir.pump_at != scheduler_.now()) return;  // superseded
  dir.pump_scheduled = false;
  const HostId from = conn->ep[from_side].host;
  const HostId to = conn->ep[1 - from_side].host;
  while (!dir.queue.empty()) {
    const Nanos now = scheduler_.now();
    if (dir.queue.front().ready > now) {
      schedule_pump(*conn, from_side, dir.queue.front().ready);
      return;
    }
    const LinkState* state = find_link(from, to);
    if (state->blocked) {
      dir.held = true;
      held_.insert({conn_id, from_side});
      return;
    }
    if (state->clogged_until > now) {
      clogged_.insert({conn_id, from_side});
      schedule_pump(*conn, from_side, state->clogged_until);
      return;
    }
    Segment segment = std::move(dir.queue.front());
    dir.queue.pop_front();
    ++segments_delivered_;
    deliver(*conn, 1 - from_side, segment);
  }
  release_if_done(*conn);
}

void Network::deliver(Conn& conn, int to_side, Segment& segment) {
  Endpoint& ep = conn.ep[to_side];
  switch (segment.kind) {
    case Segment::Kind::syn: {
      auto it = listeners_.find({ep.host, ep.port});
      if (ep.done() || it == listeners_.end() || it->second->closed) {
        ep.closed = true;
        trace_event("refused", fmt::format("conn={} to={}:{}", conn.id, hosts_[ep.host], ep.port));
        send_segment(conn, to_side, Segment{Segment::Kind::rst, {}, 0});
        return;
      }
      ep.established = true;
      it->second->backlog.push_back(conns_[conn.id]);
      scheduler_.notify_all(it->second->acceptors);
      send_segment(conn, to_side, Segment{Segment::Kind::syn_ack, {}, 0});
      return;
    }
    case Segment::Kind::syn_ack:
      if (ep.done()) {
        send_reset(conn, to_side);  // the connecting side gave up meanwhile
        return;
      }
      ep.established = true;
      scheduler_.notify_all(ep.readers);
      return;
    case Segment::Kind::data:
      if (ep.done()) {
        Direction& from = conn.dir[1 - to_side];
        from.in_flight -= std::min(from.in_flight, segment.bytes.size());
        scheduler_.notify_all(from.writers);
        // Data for a socket its process closed is answered with a reset, as TCP does.
        if (ep.closed && !ep.reset) send_reset(conn, to_side);
        return;
      }
      // Into an empty receive buffer the segment's own buffer moves whole.
      if (ep.recv.empty()) ep.recv.swap(segment.bytes);
      else ep.recv.append(segment.bytes);
      give_back(std::move(segment.bytes));
      scheduler_.notify_all(ep.readers);
      return;
    case Segment::Kind::fin:
      ep.fin_received = true;
      scheduler_.notify_all(ep.readers);
      return;
    case Segment::Kind::rst:
      if (ep.done()) return;
      if (!ep.established) {
        ep.refused = true;
        scheduler_.notify_all(ep.readers);
        return;
      }
      reset_endpoint(conn, to_side);
      return;
  }
}

void Network::reset_endpoint(Conn& conn, int side) {
  Endpoint& ep = conn.ep[side];
  ep.reset = true;
  Direction& incoming = conn.dir[1 - side];
  incoming.in_flight -= std::min(incoming.in_flight, ep.recv.size() - ep.recv_pos);
  scheduler_.notify_all(incoming.writers);
  ep.recv.clear();
  ep.recv_pos = 0;
  Direction& out = conn.dir[side];
  out.queue.clear();  // unsent data dies with the socket
  out.in_flight = 0;
  scheduler_.notify_all(ep.readers);
  scheduler_.notify_all(out.writers);
}

void Network::send_reset(Conn& conn, int from_side) {
  if (conn.ep[1 - from_side].done()) return;
  send_segment(conn, from_side, Segment{Segment::Kind::rst, {}, 0});
}

void Network::abandon_connect(Conn& conn) {
  // The connecting side gives up: it stops retransmitting its SYN, and resets
  // a half-open connection the peer may already hold.
  conn.ep[0].closed = true;
  if (!conn.ep[1].established) {
    conn.dir[0].queue.clear();
    conn.dir[0].in_flight = 0;
    conn.ep[1].closed = true;
  } else {
    send_reset(conn, 0);
  }
  release_if_done(conn);
}

void Network::release_if_done(Conn& conn) {
  if (!conn.ep[0].done() || !conn.ep[1].done()) return;
  if (!conn.dir[0].queue.empty() || !conn.dir[1].queue.empty()) return;
  held_.erase({conn.id, 0});
  held_.erase({conn.id, 1});
  clogged_.erase({conn.id, 0});
  clogged_.erase({conn.id, 1});
  if (conns_[conn.id] != nullptr) {
    --open_connections_;
    conns_[conn.id] = nullptr;
  }
}

// --- faults ---

void Network::resume_held() {
  const Nanos now = scheduler_.now();
  for (auto it = held_.begin(); it != held_.end();) {
    Conn* found = find_conn(it->first);
    if (found == nullptr) {
      it = held_.erase(it);
      continue;
    }
    Conn& conn = *found;
    const int side = it->second;
    const HostId from = conn.ep[side].host;
    const HostId to = conn.ep[1 - side].host;
    if (find_link(from, to)->blocked) {
      ++it;
      continue;
    }
    Direction& dir = conn.dir[side];
    dir.held = false;
    // Retransmission after the heal: everything arrives, in order, from now on.
    Nanos previous = now;
    for (Segment& segment : dir.queue) {
      segment.ready = std::max({segment.ready, now + draw_latency(from, to), previous});
      previous = segment.ready;
    }
    dir.last_ready = std::max(dir.last_ready, previous);
    if (!dir.queue.empty()) schedule_pump(conn, side, dir.queue.front().ready);
    it = held_.erase(it);
  }
}

void Network::partition(const std::vector<std::vector<std::string>>& groups) {
  std::vector<int> group_of(hosts_.size(), -1);
  std::string description;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) description += "|";
    for (std::size_t i = 0; i < groups[g].size(); ++i) {
      const HostId id = host_id(groups[g][i]);
      group_of.resize(hosts_.size(), -1);
      group_of[id] = static_cast<int>(g);
      description += (i > 0 ? "," : "") + groups[g][i];
    }
  }
  for (HostId from = 0; from < hosts_.size(); ++from) {
    for (HostId to = 0; to < hosts_.size(); ++to) {
      link(from, to).blocked = group_of[from] >= 0 && group_of[to] >= 0 && group_of[from] != group_of[to];
    }
  }
  trace_event("partition", "groups=" + description);
  resume_held();
}

void Network::block(std::string_view from, std::string_view to) {
  const HostId a = host_id(from);
  const HostId b = host_id(to);
  link(a, b).blocked = true;
  trace_event("block", fmt::format("from={} to={}", from, to));
}

void Network::heal() {
  for (auto& state : links_) state = LinkState{};
  trace_event("heal", "");
  resume_held();
  // Clogs end too: what waited for them flows from now on.
  const Nanos now = scheduler_.now();
  for (auto [conn_id, side] : std::exchange(clogged_, {})) {
    Conn* found = find_conn(conn_id);
    if (found == nullptr) continue;
    Direction& dir = found->dir[side];
    if (!dir.held && !dir.queue.empty()) schedule_pump(*found, side, std::max(now, dir.queue.front().ready));
  }
}

void Network::clog(std::string_view from, std::string_view to, Nanos until) {
  const HostId a = host_id(from);
  const HostId b = host_id(to);
  link(a, b).clogged_until = until;
  trace_event("clog", fmt::format("from={} to={} until={}", from, to, until));
}

void Network::slow(std::string_view from, std::string_view to, double factor, Nanos until) {
  const HostId a = host_id(from);
  const HostId b = host_id(to);
  link(a, b).slow_factor = factor;
  link(a, b).slow_until = until;
  trace_event("slow", fmt::format("from={} to={} factor={} until={}", from, to, factor, until));
}

void Network::reset_between(std::string_view a, std::string_view b) {
  const HostId x = host_id(a);
  const HostId y = host_id(b);
  std::vector<std::shared_ptr<Conn>> victims;
  for (const auto& conn : conns_) {
    if (conn == nullptr) continue;
    const HostId h0 = conn->ep[0].host;
    const HostId h1 = conn->ep[1].host;
    if ((h0 == x && h1 == y) || (h0 == y && h1 == x)) victims.push_back(conn);
  }
  for (auto& conn : victims) {
    for (int side = 0; side < 2; ++side) {
      if (!conn->ep[side].done()) reset_endpoint(*conn, side);
    }
    release_if_done(*conn);
  }
  trace_event("reset", fmt::format("a={} b={} connections={}", a, b, victims.size()));
}

void Network::host_crashed(HostId host) {
  std::vector<std::pair<std::shared_ptr<Conn>, int>> victims;
  for (const auto& conn : conns_) {
    if (conn == nullptr) continue;
    for (int side = 0; side < 2; ++side) {
      if (conn->ep[side].host == host && !conn->ep[side].reset) victims.emplace_back(conn, side);
    }
  }
  for (auto& [conn, side] : victims) {
    // The host's kernel state is gone: unsent data and FINs die with it.
    reset_endpoint(*conn, side);
    Endpoint& peer = conn->ep[1 - side];
    if (side == 0 && !peer.established) {
      peer.closed = true;  // our SYN never arrived: for the peer this connection never existed
    } else {
      send_reset(*conn, side);
    }
    release_if_done(*conn);
  }
  std::vector<std::shared_ptr<ListenerState>> listeners;
  for (auto& [key, state] : listeners_) {
    if (key.first == host) listeners.push_back(state);
  }
  for (auto& state : listeners) close_listener(*state);
}

}  // namespace slotsim::sim
