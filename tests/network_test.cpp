#include <catch2/catch.hpp>

#include "sim_test_util.h"

using namespace slotsim;
using namespace slotsim::sim;
using slotsim::test::echo_server;
using slotsim::test::quiet_world;
using slotsim::test::read_exactly;

TEST_CASE("a connection echoes bytes with the configured latency", "[network]") {
  World world(quiet_world());
  world.add_process("server", echo_server());
  std::string reply;
  Nanos connected_at = -1;
  Nanos replied_at = -1;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));  // let the server listen
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    connected_at = env.now();
    REQUIRE((*conn)->write("hello") == IoError::ok);
    reply = read_exactly(**conn, 5, env.now() + seconds(1));
    replied_at = env.now();
  }));
  world.run_for(seconds(1));
  CHECK(reply == "hello");
  CHECK(connected_at == ms(12));  // SYN + SYN-ACK, 1 ms each way
  CHECK(replied_at == ms(14));
}

TEST_CASE("a stream never reorders, whatever the latency draws", "[network]") {
  WorldOptions options = quiet_world(3);
  options.network.latency = LatencyModel::uniform(us(10), ms(20));
  World world(options);
  std::vector<std::pair<Nanos, std::string>> received;
  world.add_process("server", echo_server(&received));
  std::string expected;
  std::string echoed;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    for (int i = 0; i < 500; ++i) {
      const std::string piece = std::to_string(i) + ",";
      expected += piece;
      REQUIRE((*conn)->write(piece) == IoError::ok);
      if (i % 7 == 0) env.sleep(us(300));
    }
    echoed = read_exactly(**conn, expected.size(), env.now() + seconds(10));
  }));
  world.run_for(seconds(20));
  std::string arrived;
  for (auto& [time, chunk] : received) arrived += chunk;
  CHECK(arrived == expected);
  CHECK(echoed == expected);
}

TEST_CASE("connecting where nothing listens is refused", "[network]") {
  World world(quiet_world());
  world.add_process("idle", function_process([](Env& env) { env.sleep(seconds(100)); }));
  IoError no_listener = IoError::ok;
  IoError no_host = IoError::ok;
  Nanos refused_at = -1;
  world.add_process("client", function_process([&](Env& env) {
    no_listener = env.connect({"idle", 7000}, env.now() + seconds(1)).error();
    refused_at = env.now();
    no_host = env.connect({"nowhere", 7000}, env.now() + seconds(1)).error();
  }));
  world.run_for(seconds(2));
  CHECK(no_listener == IoError::refused);
  CHECK(refused_at == ms(2));  // one round trip
  CHECK(no_host == IoError::refused);
}

TEST_CASE("a partition blackholes traffic until it heals, then delivers in order", "[network]") {
  World world(quiet_world());
  std::vector<std::pair<Nanos, std::string>> received;
  world.add_process("server", echo_server(&received));
  IoError during = IoError::ok;
  std::string after;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    env.sleep_until(ms(100));  // the partition starts at 50ms
    REQUIRE((*conn)->write("abc") == IoError::ok);  // queued: the send buffer has room
    REQUIRE((*conn)->write("def") == IoError::ok);
    read_exactly(**conn, 6, env.now() + ms(200), &during);
    after = read_exactly(**conn, 6, env.now() + seconds(5));
  }));
  world.scheduler().at(ms(50), [&] { world.network().partition({{"client"}, {"server"}}); });
  world.scheduler().at(ms(500), [&] { world.network().heal(); });
  world.run_for(seconds(2));
  CHECK(during == IoError::timeout);
  CHECK(after == "abcdef");
  REQUIRE(!received.empty());
  CHECK(received.front().first >= ms(500));
}

TEST_CASE("a connect across a partition times out", "[network]") {
  World world(quiet_world());
  world.add_process("server", echo_server());
  world.network().partition({{"client"}, {"server"}});
  IoError error = IoError::ok;
  Nanos gave_up = -1;
  world.add_process("client", function_process([&](Env& env) {
    error = env.connect({"server", 7000}, env.now() + ms(300)).error();
    gave_up = env.now();
  }));
  world.run_for(seconds(1));
  CHECK(error == IoError::timeout);
  CHECK(gave_up == ms(300));
}

TEST_CASE("a one-way block stops only one direction", "[network]") {
  World world(quiet_world());
  std::vector<std::pair<Nanos, std::string>> received;
  world.add_process("server", echo_server(&received));
  IoError echo_error = IoError::ok;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    env.sleep_until(ms(100));
    (*conn)->write("ping");
    read_exactly(**conn, 4, env.now() + ms(300), &echo_error);
  }));
  world.scheduler().at(ms(50), [&] { world.network().block("server", "client"); });
  world.run_for(seconds(1));
  REQUIRE(received.size() == 1);  // client -> server still flows
  CHECK(received[0].second == "ping");
  CHECK(echo_error == IoError::timeout);  // server -> client does not
}

TEST_CASE("a full send buffer blocks the writer while the peer is cut off", "[network]") {
  WorldOptions options = quiet_world();
  options.network.send_buffer_bytes = 1000;
  World world(options);
  world.add_process("server", echo_server());
  std::vector<Nanos> write_times;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    env.sleep_until(ms(100));
    const std::string chunk(600, 'x');
    for (int i = 0; i < 3; ++i) {
      REQUIRE((*conn)->write(chunk) == IoError::ok);
      write_times.push_back(env.now());
    }
  }));
  world.scheduler().at(ms(50), [&] { world.network().block("client", "server"); });
  world.scheduler().at(ms(700), [&] { world.network().heal(); });
  world.run_for(seconds(2));
  REQUIRE(write_times.size() == 3);
  CHECK(write_times[0] == ms(100));
  CHECK(write_times[1] == ms(100));  // 600 in flight < 1000
  CHECK(write_times[2] > ms(700));   // 1200 in flight: waits for the heal
}

TEST_CASE("a reset fault breaks both ends of every connection between two hosts", "[network]") {
  World world(quiet_world());
  IoError server_error = IoError::ok;
  world.add_process("server", function_process([&](Env& env) {
    auto listener = env.listen(7000);
    auto conn = (*listener)->accept();
    REQUIRE(conn);
    char buf[16];
    server_error = (*conn)->read(buf, sizeof buf).error;
  }));
  IoError read_error = IoError::ok;
  IoError write_error = IoError::ok;
  Nanos broke_at = -1;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    char buf[16];
    read_error = (*conn)->read(buf, sizeof buf).error;
    broke_at = env.now();
    write_error = (*conn)->write("more");
  }));
  world.scheduler().at(ms(77), [&] { world.network().reset_between("client", "server"); });
  world.run_for(seconds(1));
  CHECK(read_error == IoError::reset);
  CHECK(write_error == IoError::reset);
  CHECK(server_error == IoError::reset);
  CHECK(broke_at == ms(77));
}

TEST_CASE("a crashed peer resets connections and refuses new ones", "[network]") {
  World world(quiet_world());
  const auto server = world.add_process("server", echo_server());
  IoError read_error = IoError::ok;
  IoError reconnect_error = IoError::ok;
  Nanos noticed_at = -1;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    char buf[16];
    read_error = (*conn)->read(buf, sizeof buf).error;
    noticed_at = env.now();
    reconnect_error = env.connect({"server", 7000}, env.now() + seconds(1)).error();
  }));
  world.scheduler().at(ms(40), [&] { world.crash(server); });
  world.run_for(seconds(1));
  CHECK(read_error == IoError::reset);
  CHECK(noticed_at == ms(41));  // the RST travels one way
  CHECK(reconnect_error == IoError::refused);
}

TEST_CASE("a graceful close delivers the data, then end of stream", "[network]") {
  World world(quiet_world());
  std::string got;
  IoError end = IoError::ok;
  world.add_process("server", function_process([&](Env& env) {
    auto listener = env.listen(7000);
    REQUIRE(listener);
    auto conn = (*listener)->accept();
    REQUIRE(conn);
    got = read_exactly(**conn, 5, env.now() + seconds(1));
    char buf[8];
    end = (*conn)->read(buf, sizeof buf, env.now() + seconds(1)).error;
  }));
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(5));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    (*conn)->write("bye!!");
    (*conn)->close();
  }));
  world.run_for(seconds(2));
  CHECK(got == "bye!!");
  CHECK(end == IoError::eof);
}

TEST_CASE("a clogged link delays traffic until the clog ends", "[network]") {
  World world(quiet_world());
  std::vector<std::pair<Nanos, std::string>> received;
  world.add_process("server", echo_server(&received));
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    env.sleep_until(ms(100));
    (*conn)->write("late");
    env.sleep(seconds(1));
  }));
  world.scheduler().at(ms(50), [&] { world.network().clog("client", "server", ms(400)); });
  world.run_for(seconds(2));
  REQUIRE(received.size() == 1);
  CHECK(received[0].first == ms(400));
}

TEST_CASE("a slow link multiplies latency for a while", "[network]") {
  World world(quiet_world());
  std::vector<std::pair<Nanos, std::string>> received;
  world.add_process("server", echo_server(&received));
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    env.sleep_until(ms(100));
    (*conn)->write("slow");
    env.sleep_until(ms(600));
    (*conn)->write("fast");
    env.sleep(seconds(1));
  }));
  world.scheduler().at(ms(50), [&] { world.network().slow("client", "server", 20.0, ms(500)); });
  world.run_for(seconds(2));
  REQUIRE(received.size() == 2);
  CHECK(received[0].first == ms(120));
  CHECK(received[1].first == ms(601));
}

TEST_CASE("a crash while connecting leaves no connection behind", "[network]") {
  World world(quiet_world());
  world.add_process("server", echo_server());
  const auto client = world.add_process("client", function_process([](Env& env) {
    env.sleep(ms(10));
    env.connect({"server", 7000}, env.now() + seconds(1));
  }));
  world.scheduler().at(us(10'500), [&] { world.crash(client); });  // the SYN is in flight
  world.run_for(seconds(1));
  CHECK(world.network().open_connections() == 0);
}

TEST_CASE("connects abandoned during a partition are not delivered after the heal", "[network]") {
  World world(quiet_world());
  int accepted = 0;
  world.add_process("server", function_process([&](Env& env) {
    auto listener = env.listen(7000);
    REQUIRE(listener);
    std::vector<std::unique_ptr<Connection>> keep;
    for (;;) {
      auto conn = (*listener)->accept();
      if (!conn) return;
      ++accepted;
      keep.push_back(std::move(conn).value());
    }
  }));
  int connected = 0;
  world.add_process("client", function_process([&](Env& env) {
    std::vector<std::unique_ptr<Connection>> keep;
    while (env.now() < seconds(6)) {
      auto conn = env.connect({"server", 7000}, env.now() + ms(100));
      if (conn) {
        ++connected;
        keep.push_back(std::move(conn).value());
        env.sleep(seconds(10));
      }
    }
  }));
  world.network().partition({{"client"}, {"server"}});
  world.scheduler().at(seconds(5), [&] { world.network().heal(); });
  world.run_for(seconds(8));
  CHECK(connected == 1);
  CHECK(accepted == 1);
  CHECK(world.network().open_connections() == 1);
}

TEST_CASE("a reader that does not read pushes back on the writer", "[network]") {
  WorldOptions options = quiet_world();
  options.network.send_buffer_bytes = 1000;
  World world(options);
  std::size_t drained = 0;
  world.add_process("server", function_process([&](Env& env) {
    auto listener = env.listen(7000);
    auto conn = (*listener)->accept();
    REQUIRE(conn);
    env.sleep_until(seconds(2));  // not reading for a while
    char buf[4096];
    for (;;) {
      ReadResult r = (*conn)->read(buf, sizeof buf);
      if (r.error != IoError::ok) return;
      drained += r.n;
    }
  }));
  std::vector<Nanos> write_times;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(5));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    for (int i = 0; i < 4; ++i) {
      REQUIRE((*conn)->write(std::string(400, 'x')) == IoError::ok);
      write_times.push_back(env.now());
    }
  }));
  world.run_for(seconds(3));
  REQUIRE(write_times.size() == 4);
  CHECK(write_times[2] < seconds(1));   // 800 unread bytes: still room
  CHECK(write_times[3] >= seconds(2));  // 1200: waits until the reader reads
  CHECK(drained == 1600);
}

TEST_CASE("writing to a peer that closed its socket ends in a reset", "[network]") {
  World world(quiet_world());
  world.add_process("server", function_process([&](Env& env) {
    auto listener = env.listen(7000);
    auto conn = (*listener)->accept();
    REQUIRE(conn);
    (*conn)->close();
    env.sleep(seconds(10));
  }));
  IoError last = IoError::ok;
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(5));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    for (int i = 0; i < 5 && last == IoError::ok; ++i) {
      env.sleep(ms(100));
      last = (*conn)->write("data");
    }
  }));
  world.run_for(seconds(2));
  CHECK(last == IoError::reset);
}

TEST_CASE("a heal ends a clog", "[network]") {
  World world(quiet_world());
  std::vector<std::pair<Nanos, std::string>> received;
  world.add_process("server", echo_server(&received));
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    env.sleep_until(ms(100));
    (*conn)->write("x");
    env.sleep(seconds(20));
  }));
  world.scheduler().at(ms(50), [&] { world.network().clog("client", "server", seconds(10)); });
  world.scheduler().at(ms(200), [&] { world.network().heal(); });
  world.run_for(seconds(12));
  REQUIRE(received.size() == 1);
  CHECK(received[0].first == ms(200));
}

TEST_CASE("a bandwidth limit bounds throughput", "[network]") {
  WorldOptions options = quiet_world();
  options.network.bandwidth_bytes_per_second = 1'000'000;
  options.network.send_buffer_bytes = 2'000'000;
  World world(options);
  std::vector<std::pair<Nanos, std::string>> received;
  world.add_process("server", echo_server(&received));
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
    REQUIRE(conn);
    for (int i = 0; i < 100; ++i) (*conn)->write(std::string(10'000, 'b'));
    env.sleep(seconds(5));
  }));
  world.run_for(seconds(4));
  std::size_t total = 0;
  for (auto& [time, chunk] : received) total += chunk.size();
  REQUIRE(total == 1'000'000);
  CHECK(received.back().first >= ms(1000));  // 1 MB at 1 MB/s takes a second
  CHECK(received.back().first < ms(1100));
}

TEST_CASE("connections are released once both ends are done", "[network]") {
  World world(quiet_world());
  world.add_process("server", echo_server());
  world.add_process("client", function_process([&](Env& env) {
    env.sleep(ms(10));
    for (int i = 0; i < 20; ++i) {
      auto conn = env.connect({"server", 7000}, env.now() + seconds(1));
      REQUIRE(conn);
      (*conn)->write("hi");
      read_exactly(**conn, 2, env.now() + seconds(1));
    }  // each connection is closed when it goes out of scope
  }));
  world.run_for(seconds(2));
  CHECK(world.network().open_connections() == 0);
}
