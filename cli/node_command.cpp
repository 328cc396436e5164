// `slotsim node`: the node code of the simulator, unchanged, serving real
// clients over TCP on the real runtime (real/). Options mirror redis.conf's
// names so a redis-server command line translates directly.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "node/node.h"
#include "real/real_env.h"
#include "real/real_socket.h"

namespace slotsim::cli {

namespace {

std::optional<bool> parse_yes_no(const std::string& text) {
  if (text == "yes") return true;
  if (text == "no") return false;
  return std::nullopt;
}

// SIGINT/SIGTERM arrive as readable bytes on a signalfd, handled by a fiber
// like any other input: no async-signal-safety concerns, no lost signal.
class SignalWatcher {
 public:
  explicit SignalWatcher(real::EventLoop& loop) : loop_(loop) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    watch_.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (watch_.fd < 0 || !loop_.add(watch_)) throw std::runtime_error("cannot watch SIGINT/SIGTERM (signalfd)");
  }
  ~SignalWatcher() {
    loop_.remove(watch_);
    ::close(watch_.fd);
  }

  // on_signal runs in the signal fiber, once per SIGINT/SIGTERM received.
  void start(std::function<void(int)> on_signal) {
    loop_.fibers().spawn("signals", [this, on_signal = std::move(on_signal)] {
      for (;;) {
        signalfd_siginfo info{};
        const ssize_t n = ::read(watch_.fd, &info, sizeof info);
        if (n == static_cast<ssize_t>(sizeof info)) {
          on_signal(static_cast<int>(info.ssi_signo));
          continue;
        }
        loop_.wait_readable(watch_, kForever);
      }
    });
  }

 private:
  real::EventLoop& loop_;
  real::Watch watch_;
};

// Two nodes sharing a directory would corrupt each other's nodes.conf and AOF.
bool lock_directory(const std::string& dir, int& fd) {
  fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0;
}

}  // namespace

int node_command(const std::vector<std::string>& args) {
  po::options_description options("node options (names as in redis.conf)");
  int port = 6379;
  int cluster_port = 0;
  std::string cluster_enabled = "no";
  std::string dir = ".";
  std::string bind = "127.0.0.1";
  std::string announce_ip;
  std::string requirepass;
  std::int64_t node_timeout_ms = 15000;
  std::string require_full_coverage = "yes";
  std::string appendonly = "yes";
  std::string appendfsync = "everysec";
  std::string logfile;
  std::uint64_t seed = 0;
  options.add_options()
      ("port", po::value(&port)->default_value(6379), "client port (the cluster bus listens on port + 10000)")
      ("cluster-enabled", po::value(&cluster_enabled)->default_value("no"), "yes|no: run as a cluster node")
      ("cluster-port", po::value(&cluster_port)->default_value(0), "cluster bus port (0: port + 10000)")
      ("dir", po::value(&dir)->default_value("."), "directory for nodes.conf and appendonly.aof (must exist)")
      ("bind", po::value(&bind)->default_value("127.0.0.1"),
       "address to listen on; 0.0.0.0 exposes the node to the network")
      ("cluster-announce-ip", po::value(&announce_ip),
       "address other nodes and clients use to reach this one (default: the bind address)")
      ("requirepass", po::value(&requirepass), "password clients must AUTH with")
      ("cluster-node-timeout", po::value(&node_timeout_ms)->default_value(15000),
       "milliseconds without a PONG before a node is suspected (PFAIL)")
      ("cluster-require-full-coverage", po::value(&require_full_coverage)->default_value("yes"),
       "yes|no: stop serving when any slot is uncovered")
      ("appendonly", po::value(&appendonly)->default_value("yes"),
       "yes|no: log writes to appendonly.aof (the only persistence: there are no RDB snapshots)")
      ("appendfsync", po::value(&appendfsync)->default_value("everysec"), "always|everysec|no")
      ("logfile", po::value(&logfile), "append the trace log here (default: stderr)")
      ("seed", po::value(&seed), "seed the node's random stream (default: from the OS)");
  int exit_code = 0;
  auto vm = parse_options("node", "[OPTIONS]", options, args, exit_code);
  if (!vm) return exit_code;

  auto fail = [](const std::string& message) {
    fmt::print(stderr, "slotsim node: {}\n", message);
    return 2;
  };
  const auto cluster_on = parse_yes_no(cluster_enabled);
  const auto coverage_on = parse_yes_no(require_full_coverage);
  const auto aof_on = parse_yes_no(appendonly);
  const auto fsync_mode = node::parse_appendfsync(appendfsync);
  if (!cluster_on) return fail("--cluster-enabled must be yes or no, not '" + cluster_enabled + "'");
  if (!coverage_on) return fail("--cluster-require-full-coverage must be yes or no");
  if (!aof_on) return fail("--appendonly must be yes or no, not '" + appendonly + "'");
  if (!fsync_mode) return fail("--appendfsync must be always, everysec or no, not '" + appendfsync + "'");
  if (port < 1 || port > 65535) return fail(fmt::format("--port {} is not a TCP port (1-65535)", port));
  const int bus_port = cluster_port != 0 ? cluster_port : port + 10000;
  if (*cluster_on && (bus_port < 1 || bus_port > 65535)) {
    return fail(fmt::format("the cluster bus port {} is not a TCP port: pick --port below 55536 or set --cluster-port",
                            bus_port));
  }
  if (node_timeout_ms < 100 || node_timeout_ms > 3'600'000) {
    return fail("--cluster-node-timeout must be between 100 and 3600000 milliseconds");
  }
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return fail("--dir '" + dir + "' is not a directory (create it first)");
  }
  int dir_lock_fd = -1;
  if (!lock_directory(dir, dir_lock_fd)) {
    return fail("--dir '" + dir + "' is locked by another slotsim node (each node needs its own directory)");
  }

  std::FILE* log_out = stderr;
  if (!logfile.empty()) {
    log_out = std::fopen(logfile.c_str(), "a");
    if (log_out == nullptr) return fail("cannot open --logfile '" + logfile + "' for appending");
  }
  real::TraceLog log(log_out, log_out != stderr, fmt::format("{}:{}", bind, port));
  std::signal(SIGPIPE, SIG_IGN);  // a peer gone mid-write is an error value, not a signal

  real::EventLoop loop;
  real::RealEnvOptions env_options;
  env_options.bind_host = bind;
  env_options.advertised_host = announce_ip;
  env_options.dir = dir;
  if (vm->count("seed") != 0) env_options.seed = seed;
  env_options.process_name = fmt::format("node:{}", port);
  real::RealEnv env(loop, env_options, log);

  // Fail fast with the reason when a port is taken: the node itself would
  // only log that and keep running without it.
  for (const int p : *cluster_on ? std::vector<int>{port, bus_port} : std::vector<int>{port}) {
    std::string why;
    auto probe = real::listen_tcp(loop, bind, static_cast<std::uint16_t>(p), &why);
    if (!probe) return fail("cannot listen: " + why);
  }

  node::NodeConfig config;
  config.port = static_cast<std::uint16_t>(port);
  config.bus_port = static_cast<std::uint16_t>(cluster_port);
  config.cluster_enabled = *cluster_on;
  config.require_full_coverage = *coverage_on;
  config.node_timeout = ms(node_timeout_ms);
  config.appendonly = *aof_on;
  config.appendfsync = *fsync_mode;
  config.requirepass = requirepass;

  loop.fibers().on_failure([&](const std::string& fiber, const std::string& what) {
    env.trace("fiber_failed", "fiber=" + fiber + " error=\"" + what + "\"");
  });
  SignalWatcher signals(loop);
  int stop_signal = 0;
  signals.start([&](int signal_number) {
    stop_signal = signal_number;
    loop.stop();
  });

  std::unique_ptr<node::Node> service;
  try {
    service = std::make_unique<node::Node>(env, config);
  } catch (const std::exception& e) {
    // A corrupt nodes.conf, say: Redis refuses to start on it too.
    return fail(fmt::format("cannot start the node in '{}': {}", dir, e.what()));
  }
  env.trace("serving", fmt::format("port={} bus_port={} bind={} host={} dir={} cluster_enabled={}", port,
                                   *cluster_on ? bus_port : 0, bind, env.host(), dir, *cluster_on ? "yes" : "no"));
  loop.run();
  env.trace("stopping", fmt::format("signal={}", stop_signal == SIGINT ? "SIGINT" : "SIGTERM"));
  // Unwind every fiber before the node they point into goes away.
  loop.kill_all_fibers();
  service.reset();
  ::close(dir_lock_fd);
  return 0;
}

}  // namespace slotsim::cli
