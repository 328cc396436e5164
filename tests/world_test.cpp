#include <catch2/catch.hpp>

#include <charconv>

#include "sim/sim_env.h"
#include "sim_test_util.h"

using namespace slotsim;
using namespace slotsim::sim;
using slotsim::test::quiet_world;

namespace {

// Counts ticks in memory and persists every tick with fsync.
struct Ticker {
  int ticks_in_memory = 0;
  int loaded_from_disk = -1;
  int incarnations = 0;
};

ServiceFactory ticker(Ticker& t, bool sync) {
  return function_process([&t, sync](Env& env) {
    ++t.incarnations;
    t.ticks_in_memory = 0;
    auto file = env.open_file("ticks", OpenMode::create);
    REQUIRE(file);
    auto text = (*file)->read_at(0, 64);
    int value = 0;
    if (text && !text->empty()) std::from_chars(text->data(), text->data() + text->size(), value);
    t.loaded_from_disk = value;
    for (;;) {
      env.sleep(ms(100));
      ++t.ticks_in_memory;
      ++value;
      (*file)->truncate(0);
      (*file)->append(std::to_string(value));
      if (sync) (*file)->sync();
    }
  });
}

}  // namespace

TEST_CASE("a crash stops a process; a restart rebuilds it from its files", "[world]") {
  World world(quiet_world());
  Ticker t;
  const auto id = world.add_process("n1", ticker(t, true));
  world.run_for(ms(550));
  CHECK(t.ticks_in_memory == 5);
  world.crash(id);
  CHECK_FALSE(world.is_up(id));
  world.run_for(seconds(1));
  CHECK(t.ticks_in_memory == 5);  // no fiber of a crashed process runs
  world.restart(id);
  CHECK(world.incarnation(id) == 2);
  world.run_for(ms(250));
  CHECK(t.loaded_from_disk == 5);
  CHECK(t.ticks_in_memory == 2);
}

TEST_CASE("a restart sees only what was synced", "[world]") {
  World world(quiet_world());
  Ticker t;
  const auto id = world.add_process("n1", ticker(t, false));
  world.run_for(ms(550));
  world.restart(id);  // crash + start
  world.run_for(ms(1));
  CHECK(t.incarnations == 2);
  CHECK(t.loaded_from_disk == 0);
}

TEST_CASE("clock skew: offset and drift change what a process reads and how long it sleeps", "[world]") {
  World world(quiet_world());
  Nanos local_start = -1, local_end = -1, true_end = -1;
  const auto id = world.add_process("n1", function_process([&](Env& env) {
    local_start = env.now();
    env.sleep(seconds(1));  // one second on the process's own clock
    local_end = env.now();
    true_end = world.now();
  }));
  world.set_clock(id, seconds(5), 100'000);  // +5 s, and 10% fast
  world.run_for(seconds(2));
  CHECK(local_start == seconds(5));
  CHECK(local_end - local_start >= seconds(1));
  CHECK(local_end - local_start < seconds(1) + 10);
  CHECK(true_end == 909'090'910);  // a fast clock reaches "one second later" sooner
  CHECK(world.local_time(id, ms(10)) == seconds(5) + ms(11));
}

TEST_CASE("a clock skew set late jumps by its offset only and drifts from then on", "[world]") {
  World world(quiet_world());
  const auto id = world.add_process("n1", function_process([](Env& env) { env.sleep(seconds(100)); }));
  world.run_for(seconds(50));
  world.set_clock(id, -ms(100), -50'000);  // 5% slow from now: no 2.5 s jump for the 50 s before
  CHECK(world.local_time(id, seconds(50)) == seconds(50) - ms(100));
  CHECK(world.local_time(id, seconds(52)) == seconds(52) - ms(200));
  CHECK(world.local_time(id, world.true_time(id, seconds(51))) >= seconds(51));
  CHECK(world.true_time(id, seconds(51)) - (seconds(50) + ms(1'100) * 20 / 19) <= 2);  // 1.1 s at 95%
  world.run_for(seconds(2));
  world.set_clock(id, 0, 0);  // back to true time: forward by what it lost
  CHECK(world.local_time(id, seconds(53)) == seconds(53));
}

TEST_CASE("pause holds a process's fibers; resume releases them", "[world]") {
  World world(quiet_world());
  Ticker t;
  const auto id = world.add_process("n1", ticker(t, true));
  world.run_for(ms(250));
  world.pause(id);
  world.run_for(seconds(1));
  CHECK(t.ticks_in_memory == 2);
  world.resume(id);
  world.run_for(ms(1));
  CHECK(t.ticks_in_memory == 3);  // the overdue wake-up runs at once
}

TEST_CASE("faults requested from a fiber take effect at the same instant", "[world]") {
  World world(quiet_world());
  Ticker t;
  const auto victim = world.add_process("n1", ticker(t, true));
  Nanos crashed_at = -1;
  bool up_right_after_request = false;
  world.add_process("nemesis", function_process([&](Env& env) {
    env.sleep(ms(350));
    world.crash(victim);
    up_right_after_request = world.is_up(victim);  // deferred until this fiber blocks
    env.sleep(ns(1));
    if (!world.is_up(victim)) crashed_at = world.now();
  }));
  world.run_for(seconds(1));
  CHECK(t.ticks_in_memory == 3);
  CHECK(up_right_after_request);
  CHECK(crashed_at == ms(350) + 1);
}

TEST_CASE("an exception in process code is recorded and takes the process down", "[world]") {
  World world(quiet_world());
  const auto id = world.add_process("n1", function_process([](Env& env) {
    env.sleep(ms(5));
    throw std::runtime_error("invariant broken");
  }));
  world.run_for(ms(10));
  REQUIRE(world.failures().size() == 1);
  CHECK(world.failures()[0].what == "invariant broken");
  CHECK(world.failures()[0].process == "n1");
  CHECK_FALSE(world.is_up(id));
}

TEST_CASE("buggify is off by default and seeded when on", "[world]") {
  auto count_fires = [](bool enabled, std::uint64_t seed) {
    WorldOptions options = quiet_world(seed);
    options.buggify.enabled = enabled;
    options.buggify.site_enabled_probability = 1.0;
    options.buggify.fire_probability = 0.5;
    World world(options);
    int fires = 0;
    world.add_process("n1", function_process([&](Env& env) {
      for (int i = 0; i < 1000; ++i) fires += env.buggify("test/site") ? 1 : 0;
    }));
    world.run_for(ms(1));
    return fires;
  };
  CHECK(count_fires(false, 1) == 0);
  const int a = count_fires(true, 1);
  CHECK(a > 400);
  CHECK(a < 600);
  CHECK(count_fires(true, 1) == a);  // same seed, same coin flips
}

TEST_CASE("buggify enables about the configured share of sites per run", "[world]") {
  int enabled = 0;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    WorldOptions options = quiet_world(seed);
    options.buggify.enabled = true;
    World world(options);
    enabled += world.buggify_site_enabled("node/slow-fsync") ? 1 : 0;
  }
  CHECK(enabled > 60);  // expected 100 of 400 at p = 0.25
  CHECK(enabled < 140);
}

TEST_CASE("clock drift is bounded and far deadlines stay far", "[world]") {
  World world(quiet_world());
  const auto id = world.add_process("n1", function_process([](Env& env) { env.sleep(seconds(1)); }));
  CHECK_THROWS_AS(world.set_clock(id, 0, -1'000'000), std::invalid_argument);
  CHECK_THROWS_AS(world.set_clock(id, 0, 200'000), std::invalid_argument);
  world.set_clock(id, -seconds(1), -1000);
  CHECK(world.true_time(id, kForever) == kForever);
  CHECK(world.true_time(id, kForever - seconds(1)) > seconds(1'000'000'000));
  world.set_clock(id, seconds(1), 100'000);
  CHECK(world.true_time(id, kForever - 1) > 0);  // no overflow into the past
  CHECK(world.local_time(id, world.true_time(id, kForever - 1)) >= kForever - 1);
  CHECK(world.local_time(id, world.true_time(id, seconds(5))) >= seconds(5));
}

TEST_CASE("an exception in a simulator fiber is recorded as a testbed failure", "[world]") {
  World world(quiet_world());
  world.scheduler().spawn("sim/nemesis", 0, [] { throw std::runtime_error("nemesis bug"); });
  world.run_for(ms(1));
  REQUIRE(world.failures().size() == 1);
  CHECK(world.failures()[0].process == "sim");
}
