// The real runtime's Env: what lets the unchanged node code serve real
// clients. Time is RealClock (monotonic, anchored to Unix time), fibers and
// timers run on one EventLoop, the network is TCP on loopback or a real
// interface, files live in one directory, randomness comes from a seed or the
// OS. buggify() is always false: faults are for the simulator.
//
// One RealEnv per process; it must outlive every fiber it spawned (stop the
// loop and kill its fibers before destroying the service, then the Env).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "env/env.h"
#include "real/event_loop.h"
#include "real/real_file.h"
#include "real/trace_log.h"
#include "sim/random.h"

namespace slotsim::real {

struct RealEnvOptions {
  std::string bind_host = "127.0.0.1";  // listen() binds here
  std::string advertised_host;          // host(); empty: bind_host (127.0.0.1 for a wildcard bind)
  std::string dir = ".";                // open_file() and friends; must exist
  std::optional<std::uint64_t> seed;    // none: from the OS
  std::string process_name = "node";    // prefixes fiber names and log lines
};

class RealEnv final : public Env {
 public:
  RealEnv(EventLoop& loop, RealEnvOptions options, TraceLog& log);

  Nanos now() const override { return loop_.now(); }
  void sleep_until(Nanos deadline) override { loop_.fibers().sleep_until(deadline); }
  std::uint64_t random_u64() override { return rng_.next_u64(); }
  std::uint64_t random_below(std::uint64_t bound) override { return rng_.below(bound); }
  void spawn(std::string name, std::function<void()> fn) override;
  std::unique_ptr<Condition> make_condition() override;
  Result<std::unique_ptr<Listener>> listen(std::uint16_t port) override;
  Result<std::unique_ptr<Connection>> connect(const Address& to, Nanos deadline) override;
  std::string host() const override { return advertised_host_; }
  Result<std::unique_ptr<File>> open_file(std::string_view name, OpenMode mode) override {
    return dir_.open_file(name, mode);
  }
  IoError rename_file(std::string_view from, std::string_view to) override { return dir_.rename_file(from, to); }
  IoError remove_file(std::string_view name) override { return dir_.remove_file(name); }
  std::vector<std::string> list_files() const override { return dir_.list_files(); }
  IoError sync_directory() override { return dir_.sync_directory(); }
  bool buggify(std::string_view) override { return false; }
  void trace(std::string_view kind, std::string_view detail) override { log_.record(now(), kind, detail); }

  EventLoop& loop() { return loop_; }

 private:
  EventLoop& loop_;
  RealEnvOptions options_;
  TraceLog& log_;
  RealDirectory dir_;
  std::string advertised_host_;
  sim::Rng rng_;
};

}  // namespace slotsim::real
