#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/scheduler.h"

using namespace slotsim;
using namespace slotsim::sim;

namespace {
struct Fixture {
  Trace trace;
  Scheduler sched{trace, 64 * 1024};
};
}  // namespace

TEST_CASE("events run in (time, sequence) order", "[scheduler]") {
  Fixture f;
  std::vector<std::string> order;
  f.sched.at(ms(5), [&] { order.push_back("b@5"); });
  f.sched.at(ms(1), [&] { order.push_back("a@1"); });
  f.sched.at(ms(5), [&] { order.push_back("c@5"); });
  f.sched.at(ms(3), [&] {
    order.push_back("x@3");
    f.sched.at(ms(5), [&] { order.push_back("d@5 (scheduled later)"); });
    f.sched.at(ms(1), [&] { order.push_back("y@3 (past time clamps to now)"); });
  });
  f.sched.run_until(seconds(1));
  CHECK(order == std::vector<std::string>{"a@1", "x@3", "y@3 (past time clamps to now)", "b@5", "c@5",
                                          "d@5 (scheduled later)"});
  CHECK(f.sched.now() == seconds(1));
}

TEST_CASE("a sleeping fiber wakes at its deadline", "[scheduler]") {
  Fixture f;
  std::vector<Nanos> woke;
  f.sched.spawn("sleeper", 1, [&] {
    for (int i = 0; i < 3; ++i) {
      f.sched.sleep_until(f.sched.now() + ms(10));
      woke.push_back(f.sched.now());
    }
  });
  f.sched.run_until(seconds(1));
  CHECK(woke == std::vector<Nanos>{ms(10), ms(20), ms(30)});
  CHECK(f.sched.live_fibers() == 0);
}

TEST_CASE("spawned fibers first run when the spawner blocks", "[scheduler]") {
  Fixture f;
  std::vector<std::string> order;
  f.sched.spawn("parent", 1, [&] {
    f.sched.spawn("child", 1, [&] { order.push_back("child"); });
    order.push_back("parent before block");
    f.sched.yield();
    order.push_back("parent after block");
  });
  f.sched.run_until(ms(1));
  CHECK(order == std::vector<std::string>{"parent before block", "child", "parent after block"});
}

TEST_CASE("wait returns true on notify and false on timeout", "[scheduler]") {
  Fixture f;
  WaitList list;
  bool notified = false;
  bool timed_out = true;
  Nanos notified_at = -1;
  Nanos timed_out_at = -1;
  f.sched.spawn("waiter", 1, [&] {
    notified = f.sched.wait(list, ms(100));
    notified_at = f.sched.now();
    timed_out = !f.sched.wait(list, f.sched.now() + ms(50));
    timed_out_at = f.sched.now();
  });
  f.sched.spawn("notifier", 1, [&] {
    f.sched.sleep_until(ms(30));
    f.sched.notify_all(list);
  });
  f.sched.run_until(seconds(1));
  CHECK(notified);
  CHECK(notified_at == ms(30));
  CHECK(timed_out);
  CHECK(timed_out_at == ms(80));
}

TEST_CASE("notify wakes every waiter once; a stale timeout does nothing", "[scheduler]") {
  Fixture f;
  WaitList list;
  int woken = 0;
  int wakeups_after_first = 0;
  for (int i = 0; i < 3; ++i) {
    f.sched.spawn("w", 1, [&] {
      if (f.sched.wait(list, ms(100))) ++woken;
      // A second wait without deadline: the stale 100ms timer must not wake it.
      if (f.sched.wait(list, kForever)) ++wakeups_after_first;
    });
  }
  f.sched.at(ms(10), [&] { f.sched.notify_all(list); });
  f.sched.run_until(seconds(1));
  CHECK(woken == 3);
  CHECK(wakeups_after_first == 0);
  CHECK(f.sched.live_fibers() == 3);  // still blocked in the second wait
}

TEST_CASE("killing an owner unwinds its fibers and they never run again", "[scheduler]") {
  Fixture f;
  struct Guard {
    int* destroyed;
    ~Guard() { ++*destroyed; }
  };
  int destroyed = 0;
  int ticks_a = 0;
  int ticks_b = 0;
  f.sched.spawn("victim", 7, [&] {
    Guard g{&destroyed};
    for (;;) {
      f.sched.sleep_until(f.sched.now() + ms(10));
      ++ticks_a;
    }
  });
  f.sched.spawn("victim2", 7, [&] {
    Guard g{&destroyed};
    WaitList never;
    f.sched.wait(never, kForever);
  });
  f.sched.spawn("survivor", 8, [&] {
    for (;;) {
      f.sched.sleep_until(f.sched.now() + ms(10));
      ++ticks_b;
    }
  });
  f.sched.run_until(ms(55));
  CHECK(ticks_a == 5);
  f.sched.kill_owner(7);
  CHECK(destroyed == 2);
  f.sched.run_until(ms(105));
  CHECK(ticks_a == 5);
  CHECK(ticks_b == 10);
  CHECK(f.sched.live_fibers() == 1);
}

TEST_CASE("blocking calls made while a killed fiber unwinds return at once", "[scheduler]") {
  Fixture f;
  struct SleepsInDestructor {
    Scheduler* sched;
    Nanos* returned_at;
    ~SleepsInDestructor() {
      sched->sleep_until(sched->now() + seconds(10));  // e.g. a graceful close with a timeout
      *returned_at = sched->now();
    }
  };
  Nanos returned_at = -1;
  f.sched.spawn("closer", 3, [&] {
    SleepsInDestructor guard{&f.sched, &returned_at};
    WaitList never;
    f.sched.wait(never, kForever);
  });
  f.sched.run_until(ms(5));
  f.sched.kill_owner(3);
  CHECK(returned_at == ms(5));
  CHECK(f.sched.live_fibers() == 0);
}

TEST_CASE("a paused owner's fibers wait until it resumes", "[scheduler]") {
  Fixture f;
  std::vector<Nanos> woke;
  f.sched.spawn("sleeper", 2, [&] {
    for (;;) {
      f.sched.sleep_until(f.sched.now() + ms(10));
      woke.push_back(f.sched.now());
    }
  });
  f.sched.at(ms(15), [&] { f.sched.set_paused(2, true); });
  f.sched.at(ms(47), [&] { f.sched.set_paused(2, false); });
  f.sched.run_until(ms(60));
  CHECK(woke == std::vector<Nanos>{ms(10), ms(47), ms(57)});
}

TEST_CASE("an exception in a fiber is reported, not fatal to the simulator", "[scheduler]") {
  Fixture f;
  std::string reported;
  f.sched.on_failure([&](OwnerId owner, const std::string& fiber, const std::string& what) {
    reported = std::to_string(owner) + " " + fiber + " " + what;
  });
  f.sched.spawn("buggy", 4, [&] {
    f.sched.sleep_until(ms(1));
    throw std::runtime_error("assertion failed");
  });
  f.sched.run_until(ms(2));
  CHECK(reported == "4 buggy assertion failed");
  CHECK(f.sched.live_fibers() == 0);
}

TEST_CASE("fiber stacks are pooled and reused", "[scheduler]") {
  Fixture f;
  for (int round = 0; round < 50; ++round) {
    f.sched.spawn("short", 1, [&] { f.sched.yield(); });
    f.sched.run_until(f.sched.now() + ms(1));
  }
  CHECK(f.sched.live_fibers() == 0);
  CHECK(f.sched.stacks_allocated() == 1);  // one stack served all fifty fibers
}
