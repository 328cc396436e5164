#include "demo/pingpong.h"

#include <charconv>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "env/service.h"
#include "sim/world.h"

namespace slotsim::demo {

namespace {

constexpr std::uint16_t kPort = 7000;

struct Counters {
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
  std::uint64_t failed_exchanges = 0;
  std::uint64_t restarts_with_state = 0;
};

// Reads newline-terminated lines from a connection.
class LineReader {
 public:
  explicit LineReader(Connection& conn) : conn_(conn) {}
  Result<std::string> next(Nanos deadline) {
    for (;;) {
      if (auto pos = buffer_.find('\n'); pos != std::string::npos) {
        std::string line = buffer_.substr(0, pos);
        buffer_.erase(0, pos + 1);
        return line;
      }
      char chunk[256];
      ReadResult r = conn_.read(chunk, sizeof chunk, deadline);
      if (r.error != IoError::ok) return r.error;
      buffer_.append(chunk, r.n);
    }
  }

 private:
  Connection& conn_;
  std::string buffer_;
};

class PingPongNode final : public Service {
 public:
  PingPongNode(Env& env, std::vector<std::string> peers, double rate, Counters& counters)
      : env_(env), peers_(std::move(peers)), rate_(rate), counters_(counters) {
    load_counter();
    env_.spawn("accept", [this] { accept_loop(); });
    env_.spawn("client", [this] { client_loop(); });
  }

 private:
  void load_counter() {
    auto file = env_.open_file("counter", OpenMode::open_existing);
    if (!file) return;
    auto text = (*file)->read_at(0, 32);
    if (!text || text->empty()) return;
    std::from_chars(text->data(), text->data() + text->size(), counter_);
    ++counters_.restarts_with_state;
    env_.trace("counter_loaded", fmt::format("value={}", counter_));
  }

  void save_counter() {
    auto file = env_.open_file("counter.tmp", OpenMode::create_truncate);
    if (!file) return;
    (*file)->append(std::to_string(counter_));
    (*file)->sync();
    env_.rename_file("counter.tmp", "counter");
    env_.sync_directory();
  }

  void accept_loop() {
    auto listener = env_.listen(kPort);
    if (!listener) {
      env_.trace("listen_failed", std::string(to_string(listener.error())));
      return;
    }
    for (;;) {
      auto conn = (*listener)->accept();
      if (!conn) return;
      auto shared = std::shared_ptr<Connection>(std::move(conn).value());
      env_.spawn("serve", [this, shared] { serve(*shared); });
    }
  }

  void serve(Connection& conn) {
    LineReader reader(conn);
    for (;;) {
      auto line = reader.next(kForever);
      if (!line) return;
      if (conn.write("PONG" + line->substr(4) + "\n") != IoError::ok) return;
    }
  }

  Nanos next_interval() {
    // Uniform jitter around the mean interval keeps processes out of lockstep.
    const auto mean = static_cast<Nanos>(1e9 / rate_);
    return mean / 2 + static_cast<Nanos>(env_.random_below(static_cast<std::uint64_t>(mean)));
  }

  void client_loop() {
    for (;;) {
      env_.sleep(next_interval());
      const std::string& peer = peers_[env_.random_below(peers_.size())];
      auto& slot = links_[peer];
      if (!slot.conn) {
        auto conn = env_.connect(Address{peer, kPort}, env_.now() + ms(500));
        if (!conn) {
          ++counters_.failed_exchanges;
          continue;
        }
        slot.conn = std::move(conn).value();
        slot.reader = std::make_unique<LineReader>(*slot.conn);
      }
      const std::string id = fmt::format("{} {}", env_.host(), counter_);
      ++counters_.pings_sent;
      bool ok = slot.conn->write("PING " + id + "\n") == IoError::ok;
      if (ok) {
        auto reply = slot.reader->next(env_.now() + ms(300));
        ok = reply && *reply == "PONG " + id;
      }
      if (!ok) {
        ++counters_.failed_exchanges;
        slot.reader.reset();
        slot.conn.reset();
        continue;
      }
      ++counters_.pongs_received;
      if (++counter_ % 10 == 0) save_counter();
    }
  }

  struct Link {
    std::unique_ptr<Connection> conn;
    std::unique_ptr<LineReader> reader;
  };

  Env& env_;
  std::vector<std::string> peers_;
  double rate_;
  Counters& counters_;
  std::uint64_t counter_ = 0;
  std::map<std::string, Link> links_;
};

// Random faults, one every 0.5-3 s, each healed or undone 0.5-4 s later.
void nemesis(sim::World& world, const std::vector<std::string>& names, Nanos end, std::uint64_t& crashes) {
  sim::Rng rng = world.stream("nemesis");
  auto& sched = world.scheduler();
  const auto n = static_cast<std::uint64_t>(names.size());
  while (sched.now() < end) {
    sched.sleep_until(sched.now() + rng.between(ms(500), seconds(3)));
    const Nanos undo_after = rng.between(ms(500), seconds(4));
    const auto a = static_cast<sim::ProcessId>(rng.below(n));
    auto b = static_cast<sim::ProcessId>(rng.below(n - 1));
    if (b >= a) ++b;
    switch (rng.below(7)) {
      case 0: {  // random two-sided partition
        std::vector<std::vector<std::string>> groups(2);
        for (const auto& name : names) groups[rng.below(2)].push_back(name);
        world.network().partition(groups);
        sched.sleep_until(sched.now() + undo_after);
        world.network().heal();
        break;
      }
      case 1:  // one-way block
        world.network().block(names[a], names[b]);
        sched.sleep_until(sched.now() + undo_after);
        world.network().heal();
        break;
      case 2:
        ++crashes;
        world.crash(a);
        sched.sleep_until(sched.now() + undo_after);
        world.restart(a);
        break;
      case 3:
        world.network().clog(names[a], names[b], sched.now() + undo_after);
        break;
      case 4:
        world.network().reset_between(names[a], names[b]);
        break;
      case 5:
        world.pause(a);
        sched.sleep_until(sched.now() + undo_after);
        world.resume(a);
        break;
      case 6:
        world.set_clock(a, rng.between(-ms(500), ms(500)), rng.between(-1000, 1000));
        world.network().slow(names[a], names[b], 10.0, sched.now() + undo_after);
        break;
    }
  }
}

}  // namespace

PingPongResult run_pingpong(const PingPongOptions& options) {
  sim::WorldOptions world_options;
  world_options.seed = options.seed;
  world_options.keep_trace = options.keep_trace;
  world_options.disk.torn_write_probability = 0.5;
  // Declared before the world: its fibers may point at them until it is gone.
  Counters counters;
  std::uint64_t crashes = 0;
  sim::World world(world_options);
  std::vector<std::string> names;
  for (int i = 1; i <= options.processes; ++i) names.push_back(fmt::format("n{}", i));
  for (const auto& name : names) {
    std::vector<std::string> peers;
    for (const auto& other : names) {
      if (other != name) peers.push_back(other);
    }
    world.add_process(name, [peers, &options, &counters](Env& env) {
      return std::make_unique<PingPongNode>(env, peers, options.messages_per_second, counters);
    });
  }
  if (options.faults) {
    world.scheduler().spawn("sim/nemesis", 0, [&] { nemesis(world, names, options.duration, crashes); });
  }
  world.run_until(options.duration);

  PingPongResult result;
  result.trace_hash = world.trace().hash_value();
  result.trace_events = world.trace().count();
  result.scheduler_events = world.scheduler().events_dispatched();
  result.pings_sent = counters.pings_sent;
  result.pongs_received = counters.pongs_received;
  result.failed_exchanges = counters.failed_exchanges;
  result.crashes = crashes;
  result.restarts_with_state = counters.restarts_with_state;
  result.process_failures = world.failures().size();
  result.simulated = world.now();
  if (options.keep_trace) result.trace = world.trace().events();
  return result;
}

}  // namespace slotsim::demo
