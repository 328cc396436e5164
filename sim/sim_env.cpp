#include "sim/sim_env.h"

#include <fmt/format.h>

namespace slotsim::sim {

namespace {

class SimConnection final : public Connection {
 public:
  SimConnection(SimEnv& env, Network& network, Network::ConnRef ref)
      : env_(env), network_(network), ref_(std::move(ref)) {}
  ~SimConnection() override { close(); }

  ReadResult read(char* buffer, std::size_t capacity, Nanos deadline) override {
    if (!env_.alive()) return env_.dead_block(ReadResult{IoError::closed, 0});
    return network_.read(ref_, buffer, capacity, env_.to_true(deadline));
  }
  IoError write(std::string_view data) override {
    if (!env_.alive()) return env_.dead_block(IoError::closed);
    return network_.write(ref_, data);
  }
  void close() override {
    if (env_.alive()) network_.close(ref_);
  }
  Address peer_address() const override { return network_.peer_address(ref_); }
  Address local_address() const override { return network_.local_address(ref_); }

 private:
  SimEnv& env_;
  Network& network_;
  Network::ConnRef ref_;
};

class SimListener final : public Listener {
 public:
  SimListener(SimEnv& env, Network& network, std::shared_ptr<Network::ListenerState> state)
      : env_(env), network_(network), state_(std::move(state)) {}
  ~SimListener() override { close(); }

  Result<std::unique_ptr<Connection>> accept(Nanos deadline) override {
    if (!env_.alive()) return env_.dead_block(IoError::closed);
    auto ref = network_.accept(*state_, env_.to_true(deadline));
    if (!ref) return ref.error();
    return std::unique_ptr<Connection>(std::make_unique<SimConnection>(env_, network_, std::move(ref).value()));
  }
  void close() override {
    if (env_.alive()) network_.close_listener(*state_);
  }

 private:
  SimEnv& env_;
  Network& network_;
  std::shared_ptr<Network::ListenerState> state_;
};

class SimFile final : public File {
 public:
  SimFile(SimEnv& env, Disk& disk, std::shared_ptr<Disk::FileData> data)
      : env_(env), disk_(disk), data_(std::move(data)) {}

  IoError append(std::string_view data) override {
    if (!env_.alive()) return IoError::io_failure;
    data_->append(data);
    return IoError::ok;
  }
  IoError write_at(std::uint64_t offset, std::string_view data) override {
    if (!env_.alive()) return IoError::io_failure;
    data_->write_at(offset, data);
    return IoError::ok;
  }
  IoError truncate(std::uint64_t size) override {
    if (!env_.alive()) return IoError::io_failure;
    data_->truncate(size);
    return IoError::ok;
  }
  IoError sync() override {
    if (!env_.alive()) return IoError::io_failure;
    disk_.sync(*data_);
    return IoError::ok;
  }
  std::uint64_t size() const override { return data_->content().size(); }
  Result<std::string> read_at(std::uint64_t offset, std::size_t length) const override {
    const std::string& content = data_->content();
    if (offset >= content.size()) return std::string();
    return content.substr(offset, length);
  }

 private:
  SimEnv& env_;
  Disk& disk_;
  std::shared_ptr<Disk::FileData> data_;
};

class SimCondition final : public Condition {
 public:
  SimCondition(SimEnv& env, Scheduler& scheduler) : env_(env), scheduler_(scheduler) {}
  bool wait_until(Nanos deadline) override {
    if (!env_.alive()) return env_.dead_block(false);
    return scheduler_.wait(waiters_, env_.to_true(deadline));
  }
  void notify_all() override { scheduler_.notify_all(waiters_); }

 private:
  SimEnv& env_;
  Scheduler& scheduler_;
  WaitList waiters_;
};

}  // namespace

SimEnv::SimEnv(World& world, ProcessId process, OwnerId owner, HostId host, Rng rng)
    : world_(world), process_(process), owner_(owner), host_(host), rng_(rng) {
  rng_.observe(&world_.trace().hash());
}

Nanos SimEnv::now() const { return world_.local_time(process_, world_.now()); }

Nanos SimEnv::to_true(Nanos local_deadline) const {
  if (local_deadline == kForever) return kForever;
  return world_.true_time(process_, local_deadline);
}

void SimEnv::sleep_until(Nanos deadline) {
  if (!alive_) {
    world_.scheduler().check_dead_block();
    return;
  }
  world_.scheduler().sleep_until(to_true(deadline));
}

std::uint64_t SimEnv::random_u64() { return rng_.next_u64(); }
std::uint64_t SimEnv::random_below(std::uint64_t bound) { return rng_.below(bound); }

void SimEnv::spawn(std::string name, std::function<void()> fn) {
  if (!alive_) return;
  world_.scheduler().spawn(world_.process_name(process_) + "/" + name, owner_, std::move(fn));
}

std::unique_ptr<Condition> SimEnv::make_condition() {
  return std::make_unique<SimCondition>(*this, world_.scheduler());
}

Result<std::unique_ptr<Listener>> SimEnv::listen(std::uint16_t port) {
  if (!alive_) return IoError::closed;
  auto state = world_.network().listen(host_, port);
  if (!state) return state.error();
  return std::unique_ptr<Listener>(std::make_unique<SimListener>(*this, world_.network(), std::move(state).value()));
}

Result<std::unique_ptr<Connection>> SimEnv::connect(const Address& to, Nanos deadline) {
  if (!alive_) return dead_block(IoError::closed);
  auto ref = world_.network().connect(host_, to, to_true(deadline));
  if (!ref) return ref.error();
  return std::unique_ptr<Connection>(std::make_unique<SimConnection>(*this, world_.network(), std::move(ref).value()));
}

std::string SimEnv::host() const { return world_.network().host_name(host_); }

Result<std::unique_ptr<File>> SimEnv::open_file(std::string_view name, OpenMode mode) {
  if (!alive_) return IoError::io_failure;
  Disk& disk = world_.disk(process_);
  std::shared_ptr<Disk::FileData> data;
  if (mode == OpenMode::open_existing) {
    data = disk.find(name);
    if (!data) return IoError::not_found;
  } else {
    data = disk.create(name, mode == OpenMode::create_truncate);
  }
  return std::unique_ptr<File>(std::make_unique<SimFile>(*this, disk, std::move(data)));
}

IoError SimEnv::rename_file(std::string_view from, std::string_view to) {
  if (!alive_) return IoError::io_failure;
  return world_.disk(process_).rename(from, to);
}

IoError SimEnv::remove_file(std::string_view name) {
  if (!alive_) return IoError::io_failure;
  return world_.disk(process_).remove(name);
}

std::vector<std::string> SimEnv::list_files() const { return world_.disk(process_).list(); }

IoError SimEnv::sync_directory() {
  if (!alive_) return IoError::io_failure;
  world_.disk(process_).sync_directory();
  return IoError::ok;
}

bool SimEnv::buggify(std::string_view site) {
  if (!alive_ || !world_.buggify_options().enabled) return false;
  if (!world_.buggify_site_enabled(site)) return false;
  if (!rng_.chance(world_.buggify_options().fire_probability)) return false;
  trace("buggify", fmt::format("site={}", site));
  return true;
}

void SimEnv::trace(std::string_view kind, std::string_view detail) {
  if (!alive_) return;
  world_.trace().record(world_.now(), world_.process_name(process_), kind, detail);
}

}  // namespace slotsim::sim
