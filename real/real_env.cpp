#include "real/real_env.h"

#include <sys/random.h>

#include <stdexcept>

#include "real/real_socket.h"

namespace slotsim::real {

namespace {

class RealCondition final : public Condition {
 public:
  explicit RealCondition(FiberScheduler& fibers) : fibers_(fibers) {}
  bool wait_until(Nanos deadline) override { return fibers_.wait(waiters_, deadline); }
  void notify_all() override { fibers_.notify_all(waiters_); }

 private:
  FiberScheduler& fibers_;
  WaitList waiters_;
};

std::uint64_t seed_from_os() {
  std::uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
    throw std::runtime_error("getrandom failed: cannot seed the node's random stream (pass --seed)");
  }
  return seed;
}

bool is_wildcard(const std::string& host) { return host == "0.0.0.0" || host == "::" || host.empty(); }

}  // namespace

RealEnv::RealEnv(EventLoop& loop, RealEnvOptions options, TraceLog& log)
    : loop_(loop),
      options_(std::move(options)),
      log_(log),
      dir_(options_.dir),
      advertised_host_(!options_.advertised_host.empty() ? options_.advertised_host
                       : is_wildcard(options_.bind_host) ? "127.0.0.1"
                                                         : options_.bind_host),
      rng_(sim::Rng::derive(options_.seed ? *options_.seed : seed_from_os(), "real/" + options_.process_name)) {}

void RealEnv::spawn(std::string name, std::function<void()> fn) {
  loop_.fibers().spawn(options_.process_name + "/" + name, std::move(fn));
}

std::unique_ptr<Condition> RealEnv::make_condition() { return std::make_unique<RealCondition>(loop_.fibers()); }

Result<std::unique_ptr<Listener>> RealEnv::listen(std::uint16_t port) {
  std::string why;
  auto listener = listen_tcp(loop_, options_.bind_host, port, &why);
  if (!listener) trace("listen_error", "port=" + std::to_string(port) + " error=\"" + why + "\"");
  return listener;
}

Result<std::unique_ptr<Connection>> RealEnv::connect(const Address& to, Nanos deadline) {
  // Failures are not logged here: the node retries peers that are down every
  // cron tick and traces link state itself.
  return connect_tcp(loop_, to, deadline, nullptr);
}

}  // namespace slotsim::real
