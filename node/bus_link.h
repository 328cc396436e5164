// One cluster-bus connection. Every known node gets an outbound link that we
// open (our PINGs, broadcasts, votes and UPDATEs go there); peers open inbound
// links to us, on which we answer their PINGs. As in Redis, only a PONG that
// comes back on our own outbound link proves a node alive.
//
// A link is freed by closing it: its fibers (connect, read, write) notice and
// end. `freed` is checked after every blocking call, because the node may
// have dropped the link while the fiber was blocked.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "env/env.h"
#include "node/outbox.h"

namespace slotsim::node {

struct BusLink {
  std::uint64_t serial = 0;
  bool inbound = false;
  std::string node_id;  // outbound: the node we connect to; inbound: the sender, once known
  std::int64_t created_ms = 0;
  bool freed = false;
  std::shared_ptr<Connection> conn;  // null while connecting
  std::shared_ptr<Outbox> out;
};

}  // namespace slotsim::node
