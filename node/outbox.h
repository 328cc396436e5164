// A send queue with its own writer fiber, so code that sends (the bus cron,
// packet handlers, command execution feeding replicas) never blocks on a slow
// or partitioned peer: it queues and goes on, as Redis queues into a link's or
// client's output buffer and lets the event loop write it out.
//
// The connection may be attached later (a link queues while it connects).
// Past `limit_bytes` of queued data the outbox closes itself: a peer that
// never reads must not grow memory without bound (Redis's output-buffer
// limits). Closing is final; the writer fiber then exits.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "env/env.h"

namespace slotsim::node {

class Outbox : public std::enable_shared_from_this<Outbox> {
 public:
  static std::shared_ptr<Outbox> create(Env& env, std::string fiber_name, std::size_t limit_bytes);

  // Starts writing to conn; data queued before is sent first.
  void attach(std::shared_ptr<Connection> conn);
  // Queues data; false if the outbox is closed (or just closed itself for
  // exceeding its limit).
  bool send(std::string data);
  // Closes the connection too (the peer sees eof after what was already written).
  void close();
  bool closed() const { return closed_; }
  std::size_t pending_bytes() const { return pending_bytes_; }

 private:
  Outbox(Env& env, std::size_t limit_bytes);
  void write_loop();

  Env& env_;
  std::size_t limit_bytes_;
  std::shared_ptr<Connection> conn_;
  std::deque<std::string> queue_;
  std::size_t pending_bytes_ = 0;
  bool closed_ = false;
  std::unique_ptr<Condition> wake_;
};

}  // namespace slotsim::node
