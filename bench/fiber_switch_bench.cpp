// Prints the cost of a fiber switch round trip (scheduler -> fiber -> back)
// and of raw scheduled events. Run: build/bench_fiber_switch
#include <chrono>
#include <cstdio>

#include "sim/scheduler.h"

using namespace slotsim;
using namespace slotsim::sim;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  constexpr int kRoundTrips = 5'000'000;
  {
    // One fiber yielding: every event is a switch into the fiber and back.
    Trace trace;
    Scheduler sched(trace, 64 * 1024);
    int count = 0;
    sched.spawn("yielder", 1, [&] {
      while (count < kRoundTrips) {
        ++count;
        sched.yield();
      }
    });
    const auto start = std::chrono::steady_clock::now();
    while (sched.step()) {
    }
    const double wall = seconds_since(start);
    std::printf("fiber switch round trip (via event queue): %.1f ns  (%d round trips, %.2fM events/s)\n",
                wall * 1e9 / kRoundTrips, kRoundTrips, sched.events_dispatched() / wall / 1e6);
  }
  {
    // The bare context switch, without the queue: resume + suspend pairs.
    Trace trace;
    Scheduler sched(trace, 64 * 1024);
    WaitList list;
    int count = 0;
    sched.spawn("a", 1, [&] {
      while (count < kRoundTrips) {
        ++count;
        sched.notify_all(list);
        sched.wait(list, kForever);
      }
      sched.notify_all(list);
    });
    sched.spawn("b", 1, [&] {
      while (count < kRoundTrips) {
        sched.notify_all(list);
        sched.wait(list, kForever);
      }
      sched.notify_all(list);
    });
    const auto start = std::chrono::steady_clock::now();
    while (sched.step()) {
    }
    const double wall = seconds_since(start);
    std::printf("fiber ping-pong via wait/notify: %.1f ns per handoff  (%.2fM events/s)\n",
                wall * 1e9 / sched.events_dispatched(), sched.events_dispatched() / wall / 1e6);
  }
  {
    constexpr int kCallbacks = 5'000'000;
    Trace trace;
    Scheduler sched(trace, 64 * 1024);
    int fired = 0;
    // A self-rescheduling chain keeps the queue populated.
    struct Chain {
      Scheduler* sched;
      int* fired;
      int left;
      void operator()() {
        ++*fired;
        if (--left > 0) sched->at(sched->now() + 1000, *this);
      }
    };
    for (int i = 0; i < 1000; ++i) sched.at(i, Chain{&sched, &fired, kCallbacks / 1000});
    const auto start = std::chrono::steady_clock::now();
    while (sched.step()) {
    }
    const double wall = seconds_since(start);
    std::printf("scheduled callbacks: %.2fM events/s  (%llu events, queue depth ~1000)\n",
                sched.events_dispatched() / wall / 1e6, static_cast<unsigned long long>(sched.events_dispatched()));
  }
  return 0;
}
