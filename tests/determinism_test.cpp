#include <catch2/catch.hpp>

#include <set>

#include "demo/pingpong.h"
#include "sim/world.h"
#include "sim_test_util.h"

using namespace slotsim;
using namespace slotsim::demo;

TEST_CASE("the same seed gives the same trace hash, over 200 seeds", "[determinism]") {
  std::set<std::uint64_t> distinct;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    PingPongOptions options;
    options.seed = seed;
    options.duration = seconds(20);
    const auto first = run_pingpong(options);
    const auto second = run_pingpong(options);
    INFO("seed " << seed);
    REQUIRE(first.trace_hash == second.trace_hash);
    REQUIRE(first.scheduler_events == second.scheduler_events);
    REQUIRE(first.process_failures == 0);
    distinct.insert(first.trace_hash);
  }
  CHECK(distinct.size() == 200);  // and the hash really depends on the seed
}

TEST_CASE("the demo exercises faults and recovery from disk", "[determinism]") {
  std::uint64_t crashes = 0, restarts_with_state = 0, failed = 0, answered = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    PingPongOptions options;
    options.seed = seed;
    const auto r = run_pingpong(options);
    crashes += r.crashes;
    restarts_with_state += r.restarts_with_state;
    failed += r.failed_exchanges;
    answered += r.pongs_received;
  }
  CHECK(crashes > 0);
  CHECK(restarts_with_state > 0);
  CHECK(failed > 0);
  CHECK(answered > failed);
}

TEST_CASE("kept traces of one seed are equal event by event", "[determinism]") {
  PingPongOptions options;
  options.seed = 77;
  options.keep_trace = true;
  const auto a = run_pingpong(options);
  const auto b = run_pingpong(options);
  REQUIRE(a.trace.size() > 50);
  CHECK_FALSE(sim::first_difference(a.trace, b.trace));
}

TEST_CASE("first_difference points at the first differing event", "[determinism]") {
  PingPongOptions options;
  options.seed = 5;
  options.keep_trace = true;
  auto a = run_pingpong(options).trace;
  auto b = a;
  REQUIRE(b.size() > 30);
  b[30].detail += " changed";
  CHECK(sim::first_difference(a, b) == 30u);
  b.resize(20);
  CHECK(sim::first_difference(a, b) == 20u);
}

TEST_CASE("one extra random draw changes the hash", "[determinism]") {
  auto hash_with_draws = [](int draws) {
    sim::World world(test::quiet_world(9));
    world.add_process("n1", function_process([draws](Env& env) {
      for (int i = 0; i < draws; ++i) env.random_u64();
      env.sleep(ms(1));
    }));
    world.run_for(ms(5));
    return world.trace().hash_value();
  };
  CHECK(hash_with_draws(3) == hash_with_draws(3));
  CHECK(hash_with_draws(3) != hash_with_draws(4));
}
