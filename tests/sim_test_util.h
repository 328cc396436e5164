// Helpers for tests that drive processes through a World.
#pragma once

#include <string>

#include "env/env.h"
#include "env/function_service.h"
#include "sim/world.h"

namespace slotsim::test {

inline sim::WorldOptions quiet_world(std::uint64_t seed = 1) {
  sim::WorldOptions options;
  options.seed = seed;
  options.network.latency = sim::LatencyModel::constant(ms(1));
  options.fiber_stack_bytes = 128 * 1024;
  return options;
}

// Reads exactly n bytes (or fewer on error/deadline).
inline std::string read_exactly(Connection& conn, std::size_t n, Nanos deadline, IoError* error = nullptr) {
  std::string out;
  char buf[512];
  while (out.size() < n) {
    ReadResult r = conn.read(buf, std::min(sizeof buf, n - out.size()), deadline);
    if (r.error != IoError::ok) {
      if (error != nullptr) *error = r.error;
      return out;
    }
    out.append(buf, r.n);
  }
  if (error != nullptr) *error = IoError::ok;
  return out;
}

// An echo server on port 7000 that records when each chunk arrived.
inline ServiceFactory echo_server(std::vector<std::pair<Nanos, std::string>>* received = nullptr) {
  return function_process([received](Env& env) {
    auto listener = env.listen(7000);
    if (!listener) return;
    for (;;) {
      auto accepted = (*listener)->accept();
      if (!accepted) return;
      auto shared = std::shared_ptr<Connection>(std::move(accepted).value());
      env.spawn("echo", [&env, shared, received] {
        char buf[512];
        for (;;) {
          ReadResult r = shared->read(buf, sizeof buf);
          if (r.error != IoError::ok) return;
          if (received != nullptr) received->emplace_back(env.now(), std::string(buf, r.n));
          if (shared->write(std::string_view(buf, r.n)) != IoError::ok) return;
        }
      });
    }
  });
}

}  // namespace slotsim::test
