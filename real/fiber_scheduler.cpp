#include "real/fiber_scheduler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

#if defined(__SANITIZE_ADDRESS__)
#define SLOTSIM_REAL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOTSIM_REAL_ASAN 1
#endif
#endif

#ifdef SLOTSIM_REAL_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace slotsim::real {

namespace {

// ASan does not see stack switches by itself (see ARCHITECTURE.md).
inline void asan_start_switch([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* bottom,
                              [[maybe_unused]] std::size_t size) {
#ifdef SLOTSIM_REAL_ASAN
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

inline void asan_finish_switch([[maybe_unused]] void* fake_stack_save, [[maybe_unused]] const void** bottom_old,
                               [[maybe_unused]] std::size_t* size_old) {
#ifdef SLOTSIM_REAL_ASAN
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#endif
}

[[noreturn]] void misuse(const char* what) {
  std::fprintf(stderr, "slotsim real runtime misuse: %s\n", what);
  std::abort();
}

// Records the stack boost::context allocates, so ASan can be told its bounds.
struct RecordingAllocator {
  sim::FiberStackPool* pool;
  boost::context::stack_context* last;
  boost::context::stack_context allocate() {
    *last = pool->allocate();
    return *last;
  }
  void deallocate(boost::context::stack_context& stack) { pool->deallocate(stack); }
};

// A fiber that keeps blocking after being killed swallowed FiberKilled
// (catch (...) without rethrow) and would never finish.
constexpr int kMaxBlocksWhileUnwinding = 10'000;

}  // namespace

FiberScheduler::FiberScheduler(std::size_t stack_bytes) : stacks_(stack_bytes) {}

FiberScheduler::~FiberScheduler() { kill_all(); }

void FiberScheduler::spawn(std::string name, std::function<void()> body) {
  if (current_killed()) return;  // a stopping process starts nothing
  FiberId id;
  if (!free_fibers_.empty()) {
    id = free_fibers_.back();
    free_fibers_.pop_back();
  } else {
    id = static_cast<FiberId>(fibers_.size());
    fibers_.push_back(std::make_unique<Fiber>());
  }
  Fiber& f = *fibers_[id];
  f.body = std::move(body);
  f.name = std::move(name);
  f.spawn_order = next_spawn_order_++;
  f.killed = false;
  f.unwinding = false;
  f.blocks_while_unwinding = 0;
  f.timed_out = false;
  boost::context::stack_context stack;
  f.context = boost::context::fiber(std::allocator_arg, RecordingAllocator{&stacks_, &stack},
                                    [this, id](boost::context::fiber&& sink) {
                                      fiber_main(id, std::move(sink));
                                      return std::move(fibers_[id]->sink);
                                    });
  f.stack_bottom = static_cast<const char*>(stack.sp) - stack.size;
  f.stack_size = stack.size;
  ++live_fibers_;
  f.state = FiberState::blocked;
  make_ready(id, false);
}

void FiberScheduler::fiber_main(FiberId id, boost::context::fiber&& sink) {
  Fiber& f = *fibers_[id];
  asan_finish_switch(nullptr, &main_stack_bottom_, &main_stack_size_);
  f.sink = std::move(sink);
  if (!f.killed) {
    try {
      f.body();
    } catch (const FiberKilled&) {
      // stopped: the stack is unwound, nothing to report
    } catch (const std::exception& e) {
      if (on_failure_) on_failure_(f.name, e.what());
    } catch (...) {
      if (on_failure_) on_failure_(f.name, "unknown exception");
    }
  }
  f.body = nullptr;
  f.state = FiberState::done;
  asan_start_switch(nullptr, main_stack_bottom_, main_stack_size_);  // this stack is finished
}

const std::string& FiberScheduler::current_name() const {
  static const std::string kLoop = "loop";
  return current_ == kNoFiber ? kLoop : fibers_[current_]->name;
}

bool FiberScheduler::current_killed() const { return current_ != kNoFiber && fibers_[current_]->killed; }

void FiberScheduler::make_ready(FiberId id, bool timed_out) {
  Fiber& f = *fibers_[id];
  ++f.wait_seq;  // every other pending wake-up of this wait is now stale
  f.timed_out = timed_out;
  f.state = FiberState::ready;
  ready_.push_back(id);
}

void FiberScheduler::add_timer(FiberId id, Nanos deadline) {
  timers_.push(Timer{deadline, next_timer_seq_++, id, fibers_[id]->wait_seq});
}

void FiberScheduler::switch_into(FiberId id) {
  Fiber& f = *fibers_[id];
  current_ = id;
  f.state = FiberState::running;
  asan_start_switch(&main_fake_stack_, f.stack_bottom, f.stack_size);
  f.context = std::move(f.context).resume();
  asan_finish_switch(main_fake_stack_, nullptr, nullptr);
  current_ = kNoFiber;
  if (f.state == FiberState::done) release(id);
}

void FiberScheduler::suspend() {
  Fiber& f = *fibers_[current_];
  f.state = FiberState::blocked;
  asan_start_switch(&f.asan_fake_stack, main_stack_bottom_, main_stack_size_);
  f.sink = std::move(f.sink).resume();
  asan_finish_switch(f.asan_fake_stack, &main_stack_bottom_, &main_stack_size_);
  if (f.killed && !f.unwinding) {
    f.unwinding = true;
    throw FiberKilled{};
  }
}

void FiberScheduler::release(FiberId id) {
  Fiber& f = *fibers_[id];
  f.context = boost::context::fiber();
  f.state = FiberState::free;
  f.asan_fake_stack = nullptr;
  --live_fibers_;
  free_fibers_.push_back(id);
}

bool FiberScheduler::wait(WaitList& list, Nanos deadline) {
  if (current_ == kNoFiber) misuse("a blocking call outside a fiber");
  Fiber& f = *fibers_[current_];
  if (f.killed) {
    if (!f.unwinding) {
      f.unwinding = true;
      throw FiberKilled{};
    }
    if (++f.blocks_while_unwinding > kMaxBlocksWhileUnwinding) {
      misuse("a stopped fiber keeps blocking: process code swallowed FiberKilled (catch (...) without rethrow)");
    }
    return false;
  }
  if (list.waiters_.size() >= 16) {
    // Drop waiters that already woke up, so a quiet wait list does not grow.
    std::erase_if(list.waiters_, [this](const WaitList::Waiter& w) {
      const Fiber& other = *fibers_[w.fiber];
      return other.state != FiberState::blocked || other.wait_seq != w.wait_seq;
    });
  }
  list.waiters_.push_back({current_, f.wait_seq});
  if (deadline != kForever) add_timer(current_, deadline);
  suspend();
  return !f.timed_out;
}

void FiberScheduler::sleep_until(Nanos deadline) {
  WaitList nobody;  // only the timer wakes a sleeper
  wait(nobody, deadline);
}

void FiberScheduler::notify_all(WaitList& list) {
  for (const auto& w : list.waiters_) {
    const Fiber& f = *fibers_[w.fiber];
    if (f.state == FiberState::blocked && f.wait_seq == w.wait_seq) make_ready(w.fiber, false);
  }
  list.waiters_.clear();
}

void FiberScheduler::run_ready() {
  if (current_ != kNoFiber) misuse("run_ready from a fiber");
  for (std::size_t n = ready_.size(); n > 0 && !ready_.empty(); --n) {
    const FiberId id = ready_.front();
    ready_.pop_front();
    if (fibers_[id]->state == FiberState::ready) switch_into(id);
  }
}

Nanos FiberScheduler::next_deadline() {
  while (!timers_.empty()) {
    const Timer& t = timers_.top();
    const Fiber& f = *fibers_[t.fiber];
    if (f.state == FiberState::blocked && f.wait_seq == t.wait_seq) return t.deadline;
    timers_.pop();  // stale: that wait already ended
  }
  return kForever;
}

void FiberScheduler::fire_timers(Nanos now) {
  while (!timers_.empty() && timers_.top().deadline <= now) {
    const Timer t = timers_.top();
    timers_.pop();
    const Fiber& f = *fibers_[t.fiber];
    if (f.state == FiberState::blocked && f.wait_seq == t.wait_seq) make_ready(t.fiber, true);
  }
}

void FiberScheduler::kill_all() {
  if (current_ != kNoFiber) misuse("kill_all from a fiber");
  std::vector<FiberId> victims;
  for (FiberId id = 0; id < fibers_.size(); ++id) {
    const FiberState state = fibers_[id]->state;
    if (state == FiberState::blocked || state == FiberState::ready) victims.push_back(id);
  }
  // Newest first: later fibers may point into state that older ones own.
  std::sort(victims.begin(), victims.end(),
            [this](FiberId a, FiberId b) { return fibers_[a]->spawn_order > fibers_[b]->spawn_order; });
  for (FiberId id : victims) fibers_[id]->killed = true;
  for (FiberId id : victims) {
    const FiberState state = fibers_[id]->state;
    if (state == FiberState::blocked || state == FiberState::ready) switch_into(id);
  }
  ready_.clear();
  timers_ = {};
}

}  // namespace slotsim::real
