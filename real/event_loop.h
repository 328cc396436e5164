// The real runtime's single-threaded loop: fibers (FiberScheduler), timers
// on RealClock, and one epoll instance for every socket.
//
// Each pass runs the fibers that are ready, then sleeps in epoll_wait until
// the next timer or I/O, then wakes the fibers whose descriptors became ready
// or whose timers are due. Descriptors are registered once, edge-triggered,
// for both directions: a fiber always tries its syscall first and waits only
// after EAGAIN, so no edge is ever needed that already passed.
//
// Watches are only notified from the loop, never while a fiber runs, so a
// fiber may close and free a Watch at any blocking-free moment.
#pragma once

#include <functional>

#include "real/fiber_scheduler.h"
#include "real/real_clock.h"

namespace slotsim::real {

// One registered descriptor and the fibers waiting on it.
struct Watch {
  int fd = -1;
  WaitList readable;
  WaitList writable;
};

class EventLoop {
 public:
  explicit EventLoop(std::size_t stack_bytes = 256 * 1024);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  FiberScheduler& fibers() { return fibers_; }
  Nanos now() const { return clock_.now(); }

  // Registers watch.fd (already non-blocking). False with errno on failure.
  bool add(Watch& watch);
  // Unregisters it and wakes its waiters (they see their object closed).
  void remove(Watch& watch);
  // From a fiber: true when the descriptor may be ready, false at the deadline.
  bool wait_readable(Watch& watch, Nanos deadline) { return fibers_.wait(watch.readable, deadline); }
  bool wait_writable(Watch& watch, Nanos deadline) { return fibers_.wait(watch.writable, deadline); }

  // Runs until stop() (from a fiber or a signal fiber), or until `done`
  // returns true between passes, or until the clock passes `deadline`.
  // Returns true if it stopped because of stop() or done.
  bool run(const std::function<bool()>& done = nullptr, Nanos deadline = kForever);
  void stop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }
  // Unwinds every fiber; call after run() returns, before destroying what they use.
  void kill_all_fibers() { fibers_.kill_all(); }

 private:
  void poll(Nanos timeout);

  RealClock clock_;
  FiberScheduler fibers_;
  int epoll_fd_ = -1;
  bool stop_requested_ = false;
};

}  // namespace slotsim::real
