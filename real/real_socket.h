// TCP connections and listeners for the real runtime: non-blocking sockets
// on the EventLoop, with the blocking semantics env/env.h asks for (a call
// suspends only its fiber). TCP_NODELAY on every connection (replies are
// small and must not wait for Nagle); SO_REUSEADDR on listeners, so a node
// restarts on its port at once.
//
// close() is graceful as far as TCP allows: a write returns only once the
// kernel has every byte, and close() lets the kernel deliver them, then FIN.
// Closing wakes any fiber blocked on the socket; it then sees `closed`.
#pragma once

#include <memory>
#include <string>

#include "env/env.h"
#include "real/event_loop.h"

namespace slotsim::real {

// Binds bind_host:port (a numeric IPv4/IPv6 address or a name) and listens.
// On failure, *why says what failed in words, for the log.
Result<std::unique_ptr<Listener>> listen_tcp(EventLoop& loop, const std::string& bind_host, std::uint16_t port,
                                             std::string* why);
// Connects to `to`, waiting until the deadline (RealClock time).
Result<std::unique_ptr<Connection>> connect_tcp(EventLoop& loop, const Address& to, Nanos deadline,
                                                std::string* why);

}  // namespace slotsim::real
