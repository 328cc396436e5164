// The built-in demo workload: processes that ping random peers over the
// virtual network, persist a counter with fsync, and survive crashes, under a
// seeded random nemesis (partitions, crashes, restarts, clogs, resets, pauses,
// clock skew). It exercises every simulator mechanism end to end; the
// determinism test and the benchmarks run it too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "env/time.h"
#include "sim/trace.h"

namespace slotsim::demo {

struct PingPongOptions {
  std::uint64_t seed = 1;
  int processes = 6;
  double messages_per_second = 10;  // per process, simulated time
  Nanos duration = seconds(30);
  bool faults = true;
  bool keep_trace = false;
};

struct PingPongResult {
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  std::uint64_t scheduler_events = 0;
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
  std::uint64_t failed_exchanges = 0;
  std::uint64_t crashes = 0;
  std::uint64_t restarts_with_state = 0;  // restarts that found their counter on disk
  std::uint64_t process_failures = 0;
  Nanos simulated = 0;
  std::vector<sim::TraceEvent> trace;  // when keep_trace
};

PingPongResult run_pingpong(const PingPongOptions& options);

}  // namespace slotsim::demo
