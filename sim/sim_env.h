// The simulator's implementation of Env for one incarnation of a process.
// Once the process crashes the Env is dead: every call fails or returns at
// once, so destructors running while its fibers unwind change nothing.
#pragma once

#include <string>

#include "env/env.h"
#include "sim/random.h"
#include "sim/scheduler.h"
#include "sim/world.h"

namespace slotsim::sim {

class SimEnv final : public Env {
 public:
  SimEnv(World& world, ProcessId process, OwnerId owner, HostId host, Rng rng);

  void kill() { alive_ = false; }
  bool alive() const { return alive_; }
  OwnerId owner() const { return owner_; }
  ProcessId process() const { return process_; }

  Nanos now() const override;
  void sleep_until(Nanos deadline) override;
  std::uint64_t random_u64() override;
  std::uint64_t random_below(std::uint64_t bound) override;
  void spawn(std::string name, std::function<void()> fn) override;
  std::unique_ptr<Condition> make_condition() override;
  Result<std::unique_ptr<Listener>> listen(std::uint16_t port) override;
  Result<std::unique_ptr<Connection>> connect(const Address& to, Nanos deadline) override;
  std::string host() const override;
  Result<std::unique_ptr<File>> open_file(std::string_view name, OpenMode mode) override;
  IoError rename_file(std::string_view from, std::string_view to) override;
  IoError remove_file(std::string_view name) override;
  std::vector<std::string> list_files() const override;
  IoError sync_directory() override;
  bool buggify(std::string_view site) override;
  void trace(std::string_view kind, std::string_view detail) override;

  // What a blocking call of a dead process returns (see Scheduler::check_dead_block).
  template <class T>
  T dead_block(T value) const {
    world_.scheduler().check_dead_block();
    return value;
  }

  // Local deadline -> true virtual time, for the scheduler and the network.
  Nanos to_true(Nanos local_deadline) const;

 private:
  World& world_;
  ProcessId process_;
  OwnerId owner_;
  HostId host_;
  Rng rng_;
  bool alive_ = true;
};

}  // namespace slotsim::sim
