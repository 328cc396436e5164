// The real runtime (real/) on loopback and a scratch directory: timers,
// conditions, sockets (echo, deadlines, refusal, close wake-ups), files and
// stopping fibers. Wall-clock bounds are generous: CI machines are slow.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "real/real_env.h"

using namespace slotsim;
using namespace slotsim::real;

namespace {

// A port nothing listens on right now: bind port 0, read it, close.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    char pattern[] = "/tmp/slotsim-real-env-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

struct Runtime {
  EventLoop loop;
  TraceLog log{std::tmpfile(), true, "test"};
  ScratchDir dir;
  RealEnv env{loop, options(dir.path.string()), log};

  static RealEnvOptions options(std::string dir) {
    RealEnvOptions o;
    o.dir = std::move(dir);
    o.seed = 7;
    return o;
  }
  // Runs until done() or 10 s of wall time; true if done.
  bool run(const std::function<bool()>& done) { return loop.run(done, loop.now() + seconds(10)); }
};

}  // namespace

TEST_CASE("real env: timers wake fibers in deadline order, not before") {
  Runtime rt;
  std::vector<std::string> order;
  const Nanos start = rt.env.now();
  Nanos slow_woke = 0;
  rt.env.spawn("slow", [&] {
    rt.env.sleep(ms(60));
    slow_woke = rt.env.now();
    order.push_back("slow");
  });
  rt.env.spawn("fast", [&] {
    rt.env.sleep(ms(20));
    order.push_back("fast");
  });
  REQUIRE(rt.run([&] { return order.size() == 2; }));
  CHECK(order == std::vector<std::string>{"fast", "slow"});
  CHECK(slow_woke - start >= ms(60));
}

TEST_CASE("real env: a condition times out or is notified") {
  Runtime rt;
  auto condition = rt.env.make_condition();
  std::vector<bool> results;
  rt.env.spawn("timeout", [&] { results.push_back(condition->wait_until(rt.env.now() + ms(10))); });
  REQUIRE(rt.run([&] { return results.size() == 1; }));
  rt.env.spawn("waiter", [&] { results.push_back(condition->wait_until(rt.env.now() + seconds(5))); });
  rt.env.spawn("notifier", [&] {
    rt.env.sleep(ms(5));
    condition->notify_all();
  });
  REQUIRE(rt.run([&] { return results.size() == 2; }));
  CHECK(results == std::vector<bool>{false, true});
}

TEST_CASE("real env: echo over loopback TCP, larger than the socket buffers") {
  Runtime rt;
  const std::uint16_t port = free_port();
  auto listener = rt.env.listen(port);
  REQUIRE(listener.ok());
  rt.env.spawn("server", [&] {
    auto conn = (*listener)->accept();
    REQUIRE(conn.ok());
    std::shared_ptr<Connection> shared = std::move(conn).value();
    char buffer[4096];
    for (;;) {
      const ReadResult r = shared->read(buffer, sizeof buffer);
      if (r.error != IoError::ok) break;
      REQUIRE(shared->write(std::string_view(buffer, r.n)) == IoError::ok);
    }
    shared->close();
  });
  std::string payload;
  for (int i = 0; payload.size() < 4 * 1024 * 1024; ++i) payload += std::to_string(i) + ",";
  std::string echoed;
  bool done = false;
  rt.env.spawn("client", [&] {
    auto conn = rt.env.connect({"127.0.0.1", port}, rt.env.now() + seconds(2));
    REQUIRE(conn.ok());
    CHECK((*conn)->peer_address() == Address{"127.0.0.1", port});
    std::shared_ptr<Connection> shared = std::move(conn).value();
    // A separate writer: the echo fills both directions' buffers.
    rt.env.spawn("client-writer", [&, shared] {
      CHECK(shared->write(payload) == IoError::ok);
    });
    char buffer[65536];
    while (echoed.size() < payload.size()) {
      const ReadResult r = shared->read(buffer, sizeof buffer, rt.env.now() + seconds(5));
      if (r.error != IoError::ok) break;
      echoed.append(buffer, r.n);
    }
    shared->close();
    done = true;
  });
  REQUIRE(rt.run([&] { return done; }));
  CHECK(echoed.size() == payload.size());
  CHECK(echoed == payload);
}

TEST_CASE("real env: read deadlines, refused connects, a taken port, close wakes a reader") {
  Runtime rt;
  const std::uint16_t port = free_port();
  auto listener = rt.env.listen(port);
  REQUIRE(listener.ok());
  CHECK(rt.env.listen(port).error() == IoError::address_in_use);

  std::vector<IoError> results;
  std::unique_ptr<Connection> accepted;
  rt.env.spawn("acceptor", [&] {
    auto conn = (*listener)->accept();
    REQUIRE(conn.ok());
    accepted = std::move(conn).value();
  });
  rt.env.spawn("client", [&] {
    auto conn = rt.env.connect({"127.0.0.1", port}, rt.env.now() + seconds(2));
    REQUIRE(conn.ok());
    char byte;
    const Nanos before = rt.env.now();
    results.push_back(conn.value()->read(&byte, 1, rt.env.now() + ms(30)).error);
    CHECK(rt.env.now() - before >= ms(30));
    // Another fiber closes the connection while this one is blocked reading.
    Connection* raw = conn.value().get();
    rt.env.spawn("closer", [&, raw] {
      rt.env.sleep(ms(10));
      raw->close();
    });
    results.push_back(conn.value()->read(&byte, 1, rt.env.now() + seconds(5)).error);
    results.push_back(conn.value()->write("x"));
    // The server side sees the close as end of stream.
    while (!accepted) rt.env.sleep(ms(1));
    results.push_back(accepted->read(&byte, 1, rt.env.now() + seconds(5)).error);
    (*listener)->close();
    results.push_back(rt.env.connect({"127.0.0.1", port}, rt.env.now() + seconds(2)).error());
  });
  REQUIRE(rt.run([&] { return results.size() == 5; }));
  CHECK(results == std::vector<IoError>{IoError::timeout, IoError::closed, IoError::closed, IoError::eof,
                                        IoError::refused});
}

TEST_CASE("real env: files are created, written, synced, renamed and read back") {
  Runtime rt;
  CHECK(rt.env.open_file("missing", OpenMode::open_existing).error() == IoError::not_found);
  CHECK(rt.env.open_file("../escape", OpenMode::create).error() == IoError::io_failure);
  {
    auto file = rt.env.open_file("data.tmp", OpenMode::create_truncate);
    REQUIRE(file.ok());
    CHECK((*file)->append("hello world") == IoError::ok);
    CHECK((*file)->write_at(6, "WORLD!") == IoError::ok);
    CHECK((*file)->size() == 12);
    CHECK((*file)->sync() == IoError::ok);
    CHECK((*file)->truncate(11) == IoError::ok);
    CHECK((*file)->read_at(6, 100).value() == "WORLD");
  }
  CHECK(rt.env.rename_file("data.tmp", "data") == IoError::ok);
  CHECK(rt.env.sync_directory() == IoError::ok);
  CHECK(rt.env.list_files() == std::vector<std::string>{"data"});
  auto reopened = rt.env.open_file("data", OpenMode::open_existing);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->read_at(0, 100).value() == "hello WORLD");
  CHECK((*reopened)->append("\n") == IoError::ok);
  CHECK((*reopened)->read_at(0, 100).value() == "hello WORLD\n");
  CHECK(rt.env.remove_file("data") == IoError::ok);
  CHECK(rt.env.remove_file("data") == IoError::not_found);
  CHECK(rt.env.list_files().empty());
}

TEST_CASE("real env: stopping unwinds every fiber; blocking calls then return at once") {
  Runtime rt;
  int destroyed = 0;
  struct Guard {
    int& count;
    Env& env;
    ~Guard() {
      env.sleep(seconds(100));  // returns at once while unwinding
      ++count;
    }
  };
  bool started = false;
  for (int i = 0; i < 3; ++i) {
    rt.env.spawn("sleeper", [&] {
      Guard guard{destroyed, rt.env};
      started = true;
      rt.env.sleep(kForever);
    });
  }
  REQUIRE(rt.run([&] { return started; }));
  CHECK(rt.loop.fibers().live_fibers() == 3);
  rt.loop.kill_all_fibers();
  CHECK(destroyed == 3);
  CHECK(rt.loop.fibers().live_fibers() == 0);
}

TEST_CASE("real env: randomness from a seed is reproducible, and host() is the bind address") {
  EventLoop loop;
  TraceLog log{std::tmpfile(), true, "test"};
  RealEnvOptions options;
  options.seed = 42;
  RealEnv a(loop, options, log);
  RealEnv b(loop, options, log);
  CHECK(a.random_u64() == b.random_u64());
  CHECK(a.random_below(10) < 10);
  CHECK(a.host() == "127.0.0.1");
  options.bind_host = "0.0.0.0";
  options.advertised_host = "10.1.2.3";
  RealEnv c(loop, options, log);
  CHECK(c.host() == "10.1.2.3");
  CHECK_FALSE(c.buggify("any"));
}

TEST_CASE("real env: the trace log rate-limits each kind and keeps one event on one printable line") {
  std::FILE* out = std::tmpfile();
  {
    TraceLog log(out, false, "n1");
    const Nanos t0 = seconds(1'700'000'000);
    const int flood = static_cast<int>(TraceLog::kBurstPerKind) + 50;
    for (int i = 0; i < flood; ++i) log.record(t0, "protocol_error", "peer=x");
    log.record(t0, "pfail", "node=abc");  // another kind is not throttled by the flood
    log.record(t0 + seconds(1), "protocol_error", std::string("bytes=a\nb\xff"));
  }
  std::rewind(out);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;) text.append(buffer, n);
  std::fclose(out);
  const auto lines = std::count(text.begin(), text.end(), '\n');
  CHECK(lines == static_cast<long>(TraceLog::kBurstPerKind) + 2);
  CHECK(text.find("2023-11-14T22:13:20.000Z n1 pfail node=abc\n") != std::string::npos);
  CHECK(text.find("protocol_error bytes=a\\x0ab\\xff suppressed=50\n") != std::string::npos);
}
