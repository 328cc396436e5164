// Fibers for the real runtime: the same model as the simulator's scheduler
// (sim/scheduler.h), on a real clock and without an event queue of its own.
//
// One thread. Each activity is a named Boost.Context fiber on a pooled stack
// (sim::FiberStackPool). A fiber runs until it blocks (a timer, a wait list,
// or a file descriptor via the event loop); the loop then resumes whichever
// fibers became ready. Deadlines are absolute times on the runtime's clock
// (RealClock::now()); the loop asks next_deadline() how long it may sleep.
//
// Stopping: kill_all() unwinds every fiber by throwing FiberKilled at its
// blocking call, once; blocking calls made while unwinding return at once, as
// env/env.h promises for a crashed process.
#pragma once

#include <boost/context/fiber.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "env/time.h"
#include "sim/fiber_stack_pool.h"

namespace slotsim::real {

using FiberId = std::uint32_t;
constexpr FiberId kNoFiber = ~FiberId{0};

// Thrown inside a fiber that is being stopped; not a std::exception, so node
// code's handlers do not catch it.
struct FiberKilled {};

// The fibers blocked on one thing (a condition, a socket's readability).
class WaitList {
 public:
  bool empty() const { return waiters_.empty(); }

 private:
  friend class FiberScheduler;
  struct Waiter {
    FiberId fiber;
    std::uint64_t wait_seq;
  };
  std::vector<Waiter> waiters_;
};

class FiberScheduler {
 public:
  using FailureHandler = std::function<void(const std::string& fiber, const std::string& what)>;

  explicit FiberScheduler(std::size_t stack_bytes = 256 * 1024);
  ~FiberScheduler();
  FiberScheduler(const FiberScheduler&) = delete;
  FiberScheduler& operator=(const FiberScheduler&) = delete;

  // Starts body in a new fiber; it first runs at the loop's next pass.
  void spawn(std::string name, std::function<void()> body);
  bool in_fiber() const { return current_ != kNoFiber; }
  const std::string& current_name() const;
  std::size_t live_fibers() const { return live_fibers_; }
  // True inside a fiber that kill_all() is unwinding.
  bool current_killed() const;

  // Blocking calls, from a fiber only. wait returns true when notified, false
  // at the deadline (or at once while the fiber unwinds).
  bool wait(WaitList& list, Nanos deadline);
  void sleep_until(Nanos deadline);
  void notify_all(WaitList& list);

  // --- the loop's side ---
  bool has_ready() const { return !ready_.empty(); }
  // Runs the fibers that are ready now (not the ones they make ready: the
  // loop polls for I/O in between, so no fiber can starve the sockets).
  void run_ready();
  // The earliest pending timer, or kForever.
  Nanos next_deadline();
  // Makes every fiber whose timer is due at `now` ready.
  void fire_timers(Nanos now);
  // Unwinds every fiber (newest first). Not from a fiber.
  void kill_all();
  void on_failure(FailureHandler handler) { on_failure_ = std::move(handler); }

 private:
  enum class FiberState : std::uint8_t { free, blocked, ready, running, done };
  struct Fiber {
    boost::context::fiber context;  // the suspended fiber, when not running
    boost::context::fiber sink;     // the way back to the loop, while running
    std::function<void()> body;
    std::string name;
    std::uint64_t spawn_order = 0;
    std::uint64_t wait_seq = 0;
    FiberState state = FiberState::free;
    bool killed = false;
    bool unwinding = false;
    int blocks_while_unwinding = 0;
    bool timed_out = false;
    void* asan_fake_stack = nullptr;
    const void* stack_bottom = nullptr;
    std::size_t stack_size = 0;
  };
  struct Timer {
    Nanos deadline;
    std::uint64_t seq;
    FiberId fiber;
    std::uint64_t wait_seq;
    bool operator>(const Timer& other) const {
      return deadline != other.deadline ? deadline > other.deadline : seq > other.seq;
    }
  };

  void make_ready(FiberId id, bool timed_out);
  void add_timer(FiberId id, Nanos deadline);
  void switch_into(FiberId id);
  void suspend();
  void fiber_main(FiberId id, boost::context::fiber&& sink);
  void release(FiberId id);

  sim::FiberStackPool stacks_;  // declared before fibers_: outlives every stack
  std::vector<std::unique_ptr<Fiber>> fibers_;
  std::vector<FiberId> free_fibers_;
  std::deque<FiberId> ready_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::uint64_t next_timer_seq_ = 0;
  std::uint64_t next_spawn_order_ = 0;
  std::size_t live_fibers_ = 0;
  FiberId current_ = kNoFiber;
  const void* main_stack_bottom_ = nullptr;  // for ASan's fiber annotations
  std::size_t main_stack_size_ = 0;
  void* main_fake_stack_ = nullptr;
  FailureHandler on_failure_;
};

}  // namespace slotsim::real
