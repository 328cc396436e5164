// Virtual clock, event queue and fibers.
//
// Events are ordered by (time, sequence): two events at the same virtual time
// run in the order they were scheduled, so a run is a pure function of its
// seed. The scheduler runs on the caller's stack; each simulated activity runs
// in a named Boost.Context fiber with a pooled fixed-size stack. A fiber runs
// until it blocks (sleep, wait); the scheduler then dispatches the next event.
// Fibers belong to an owner (a process id); all fibers of an owner can be
// killed at once (a crash) or held (a pause).
#pragma once

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "env/time.h"
#include "sim/fiber_stack_pool.h"
#include "sim/trace.h"

namespace slotsim::sim {

using FiberId = std::uint32_t;
using OwnerId = std::uint32_t;
constexpr FiberId kNoFiber = ~FiberId{0};

// Thrown inside a fiber whose owner was killed; unwinds its stack. Not a
// std::exception on purpose, so node code's handlers do not catch it.
struct FiberKilled {};

// The fibers blocked on one condition. Owned by whoever waits on it.
class WaitList {
 public:
  bool empty() const { return waiters_.empty(); }

 private:
  friend class Scheduler;
  struct Waiter {
    FiberId fiber;
    std::uint64_t wait_seq;
  };
  std::vector<Waiter> waiters_;
};

class Scheduler {
 public:
  using FailureHandler = std::function<void(OwnerId owner, const std::string& fiber, const std::string& what)>;

  Scheduler(Trace& trace, std::size_t stack_bytes);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Nanos now() const { return now_; }
  std::uint64_t events_dispatched() const { return dispatched_; }

  // Runs fn in scheduler context at `time` (not before now).
  void at(Nanos time, std::function<void()> fn);

  // --- fibers ---
  FiberId spawn(std::string name, OwnerId owner, std::function<void()> body);
  bool in_fiber() const { return current_ != kNoFiber; }
  FiberId current() const { return current_; }
  OwnerId current_owner() const;
  const std::string& fiber_name(FiberId id) const;
  std::size_t live_fibers() const { return live_fibers_; }
  std::size_t stacks_allocated() const { return stacks_.allocated(); }

  // Blocking calls: only from a fiber. They throw FiberKilled if the owner is
  // killed meanwhile; they return at once when called while unwinding.
  void sleep_until(Nanos deadline);
  // True when notified, false when the deadline passed first.
  bool wait(WaitList& list, Nanos deadline);
  void notify_all(WaitList& list);
  void yield();

  // Kills every fiber of owner (unwinding their stacks). Scheduler context only.
  void kill_owner(OwnerId owner);
  // A paused owner's fibers do not run; their wake-ups wait until resumed.
  void set_paused(OwnerId owner, bool paused);
  bool is_killed_context() const;
  // For Env adapters of a dead process: aborts if a killed fiber that is not
  // unwinding blocks (its code swallowed FiberKilled and would spin forever).
  void check_dead_block();
  static constexpr int kMaxBlocksWhileUnwinding = 10'000;

  // Called when a fiber body ends with an exception (a bug in process code).
  void on_failure(FailureHandler handler) { on_failure_ = std::move(handler); }

  // --- running ---
  bool step();                       // one event; false when the queue is empty
  void run_until(Nanos time);        // events up to and including `time`; now becomes time
  // The same, but stops before the next event once halt() is true; returns
  // false then (replay stops at the first event that differs).
  bool run_until(Nanos time, const std::function<bool()>& halt);
  void run_while(const std::function<bool()>& keep_going);
  bool idle() const { return queue_.empty() && soon_.empty() && now_head_ == now_queue_.size(); }

 private:
  enum class EventKind : std::uint8_t { resume, callback };
  enum class FiberState : std::uint8_t { free, blocked, running, done };

  struct Event {
    Nanos time;
    std::uint64_t seq;
    std::uint64_t wait_seq;  // resume: matches the fiber's current wait
    std::uint32_t target;    // resume: the fiber; callback: the slot index
    EventKind kind;
    bool timed_out;          // resume: the deadline fired rather than a notify
    bool tracked = false;    // resume: the fiber's pending deadline, removed from the queue when it wakes otherwise
  };
  static_assert(sizeof(Event) == 32, "the heap moves events around: keep them small");
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  struct Fiber {
    boost::context::fiber context;  // the suspended fiber, when not running
    boost::context::fiber sink;     // the way back to the scheduler, while running
    std::function<void()> body;
    std::string name;
    OwnerId owner = 0;
    std::uint64_t spawn_order = 0;
    std::uint64_t wait_seq = 0;
    FiberState state = FiberState::free;
    bool killed = false;
    bool unwinding = false;  // FiberKilled was thrown in it
    int blocks_while_unwinding = 0;
    bool timed_out = false;
    bool has_deadline = false;  // a tracked deadline event of this fiber is in the queue
    void* asan_fake_stack = nullptr;
    const void* stack_bottom = nullptr;
    std::size_t stack_size = 0;
  };

  void push(Event event);
  void schedule_resume(FiberId id, Nanos time, bool timed_out);
  // Schedules the current wait's deadline as a tracked event.
  void schedule_deadline(FiberId id, Nanos time);
  // Drops the fiber's pending deadline from the queue: it is waking for another reason.
  void drop_deadline(FiberId id);
  void dispatch_resume(const Event& event);
  void switch_into(FiberId id);
  void suspend();  // from the running fiber back to the scheduler
  void fiber_main(FiberId id, boost::context::fiber&& sink);
  void release(FiberId id);

  Trace& trace_;
  FiberStackPool stacks_;  // declared before fibers_: outlives every stack
  Nanos now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t dispatched_ = 0;
  std::uint64_t next_spawn_order_ = 0;
  // Pending events live in three queues, and the next event is the earliest
  // by (time, seq) of their fronts; (time, seq) is a total order, so events
  // leave in exactly that order whichever queue holds them.
  //
  // Tracked deadlines: a 4-ary min-heap (half the levels of a binary heap)
  // that can drop a deadline from the middle when its fiber wakes otherwise.
  class EventQueue {
   public:
    // Where a tracked event sits in the heap, by fiber (see Event::tracked).
    std::vector<std::uint32_t> tracked_pos;

    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    const Event& top() const { return heap_.front(); }
    const Event& at(std::size_t i) const { return heap_[i]; }
    void push(const Event& event) {
      heap_.push_back(event);
      sift_up(heap_.size() - 1, event);
    }
    void pop() { remove_at(0); }
    void remove_at(std::size_t i) {
      const Event last = heap_.back();
      heap_.pop_back();
      if (i == heap_.size()) return;
      if (i > 0 && Later{}(heap_[(i - 1) / kArity], last)) {
        sift_up(i, last);
      } else {
        sift_down(i, last);
      }
    }

   private:
    void place(std::size_t i, const Event& event) {
      heap_[i] = event;
      if (event.tracked) tracked_pos[event.target] = static_cast<std::uint32_t>(i);
    }
    void sift_up(std::size_t i, const Event& event) {
      while (i > 0) {
        const std::size_t parent = (i - 1) / kArity;
        if (!Later{}(heap_[parent], event)) break;
        place(i, heap_[parent]);
        i = parent;
      }
      place(i, event);
    }
    void sift_down(std::size_t i, const Event& event) {
      const std::size_t n = heap_.size();
      for (;;) {
        const std::size_t first = i * kArity + 1;
        if (first >= n) break;
        std::size_t best = first;
        const std::size_t end = std::min(first + kArity, n);
        for (std::size_t c = first + 1; c < end; ++c) {
          if (Later{}(heap_[best], heap_[c])) best = c;
        }
        if (!Later{}(event, heap_[best])) break;
        place(i, heap_[best]);
        i = best;
      }
      place(i, event);
    }

    static constexpr std::size_t kArity = 4;
    std::vector<Event> heap_;
  };
  EventQueue queue_;
  // Other future events (network deliveries, timers): sorted latest first, so
  // the next one is at the back. Most are due soon and go in near the back:
  // a binary search and a short move, where a heap would sift on every pop.
  class SortedQueue {
   public:
    bool empty() const { return events_.empty(); }
    const Event& top() const { return events_.back(); }
    void push(const Event& event) {
      events_.insert(std::partition_point(events_.begin(), events_.end(),
                                          [&](const Event& queued) { return Later{}(queued, event); }),
                     event);
    }
    void pop() { events_.pop_back(); }

   private:
    std::vector<Event> events_;
  };
  SortedQueue soon_;
  // Events due at the current instant (wake-ups, yields, at(now)) skip both:
  // pushed at now_ they come after every queued event of now_ (a larger seq)
  // and before every later one, so a FIFO keeps the (time, seq) order exactly.
  // Tracked deadlines always go to the heap.
  std::vector<Event> now_queue_;
  std::size_t now_head_ = 0;
  bool has_event() const { return now_head_ != now_queue_.size() || !soon_.empty() || !queue_.empty(); }
  // The earliest pending event; has_event() must be true.
  const Event& next_event() const {
    const Event* next = now_head_ != now_queue_.size() ? &now_queue_[now_head_] : nullptr;
    if (!soon_.empty() && (next == nullptr || Later{}(*next, soon_.top()))) next = &soon_.top();
    if (!queue_.empty() && (next == nullptr || Later{}(*next, queue_.top()))) next = &queue_.top();
    return *next;
  }
  Nanos next_time() const { return next_event().time; }
  std::vector<std::function<void()>> callbacks_;
  std::vector<std::uint32_t> free_callbacks_;
  std::vector<std::unique_ptr<Fiber>> fibers_;
  std::vector<FiberId> free_fibers_;
  std::size_t live_fibers_ = 0;
  FiberId current_ = kNoFiber;
  std::vector<bool> paused_;                // by owner
  std::vector<std::vector<Event>> held_;    // by owner: resumes deferred by a pause
  const void* main_stack_bottom_ = nullptr;  // for ASan's fiber annotations
  std::size_t main_stack_size_ = 0;
  void* main_fake_stack_ = nullptr;
  FailureHandler on_failure_;
};

}  // namespace slotsim::sim
