#include "sim/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

#if defined(__SANITIZE_ADDRESS__)
#define SLOTSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOTSIM_ASAN 1
#endif
#endif

#ifdef SLOTSIM_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace slotsim::sim {

namespace {

// ASan does not see stack switches by itself: tell it about each one, in the
// only places the scheduler switches (see ARCHITECTURE.md).
inline void asan_start_switch([[maybe_unused]] void** fake_stack_save,
                              [[maybe_unused]] const void* bottom, [[maybe_unused]] std::size_t size) {
#ifdef SLOTSIM_ASAN
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

inline void asan_finish_switch([[maybe_unused]] void* fake_stack_save,
                               [[maybe_unused]] const void** bottom_old,
                               [[maybe_unused]] std::size_t* size_old) {
#ifdef SLOTSIM_ASAN
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#endif
}

[[noreturn]] void misuse(const char* what) {
  std::fprintf(stderr, "slotsim scheduler misuse: %s\n", what);
  std::abort();
}

// Records the stack boost::context allocates, so ASan can be told its bounds.
struct RecordingAllocator {
  FiberStackPool* pool;
  boost::context::stack_context* last;
  boost::context::stack_context allocate() {
    *last = pool->allocate();
    return *last;
  }
  void deallocate(boost::context::stack_context& stack) { pool->deallocate(stack); }
};

}  // namespace

Scheduler::Scheduler(Trace& trace, std::size_t stack_bytes) : trace_(trace), stacks_(stack_bytes) {}

Scheduler::~Scheduler() {
  on_failure_ = nullptr;
  std::vector<OwnerId> owners;
  for (auto& fiber : fibers_) {
    if (fiber->state != FiberState::free) owners.push_back(fiber->owner);
  }
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  for (OwnerId owner : owners) kill_owner(owner);
}

void Scheduler::push(Event event) {
  event.seq = next_seq_++;
  if (event.tracked) {
    queue_.push(event);
  } else if (event.time == now_) {
    now_queue_.push_back(event);
  } else {
    soon_.push(event);
  }
}

void Scheduler::at(Nanos time, std::function<void()> fn) {
  std::uint32_t slot;
  if (!free_callbacks_.empty()) {
    slot = free_callbacks_.back();
    free_callbacks_.pop_back();
    callbacks_[slot] = std::move(fn);
  } else {
    slot = static_cast<std::uint32_t>(callbacks_.size());
    callbacks_.push_back(std::move(fn));
  }
  push(Event{std::max(time, now_), 0, 0, slot, EventKind::callback, false});
}

FiberId Scheduler::spawn(std::string name, OwnerId owner, std::function<void()> body) {
  if (is_killed_context()) return kNoFiber;  // a dying process starts nothing
  FiberId id;
  if (!free_fibers_.empty()) {
    id = free_fibers_.back();
    free_fibers_.pop_back();
  } else {
    id = static_cast<FiberId>(fibers_.size());
    fibers_.push_back(std::make_unique<Fiber>());
    queue_.tracked_pos.resize(fibers_.size(), 0);
  }
  Fiber& f = *fibers_[id];
  f.body = std::move(body);
  f.name = std::move(name);
  f.owner = owner;
  f.spawn_order = next_spawn_order_++;
  f.state = FiberState::blocked;
  f.killed = false;
  f.unwinding = false;
  f.blocks_while_unwinding = 0;
  f.timed_out = false;
  f.has_deadline = false;
  boost::context::stack_context stack;
  f.context = boost::context::fiber(
      std::allocator_arg, RecordingAllocator{&stacks_, &stack},
      [this, id](boost::context::fiber&& sink) {
        fiber_main(id, std::move(sink));
        return std::move(fibers_[id]->sink);
      });
  f.stack_bottom = static_cast<const char*>(stack.sp) - stack.size;
  f.stack_size = stack.size;
  ++live_fibers_;
  schedule_resume(id, now_, false);
  return id;
}

void Scheduler::fiber_main(FiberId id, boost::context::fiber&& sink) {
  Fiber& f = *fibers_[id];
  asan_finish_switch(nullptr, &main_stack_bottom_, &main_stack_size_);
  f.sink = std::move(sink);
  if (!f.killed) {
    try {
      f.body();
    } catch (const FiberKilled&) {
      // the owner crashed; the stack is unwound, nothing to report
    } catch (const std::exception& e) {
      if (on_failure_) on_failure_(f.owner, f.name, e.what());
    } catch (...) {
      if (on_failure_) on_failure_(f.owner, f.name, "unknown exception");
    }
  }
  f.body = nullptr;
  f.state = FiberState::done;
  asan_start_switch(nullptr, main_stack_bottom_, main_stack_size_);  // this stack is finished
}

OwnerId Scheduler::current_owner() const {
  if (current_ == kNoFiber) misuse("current_owner outside a fiber");
  return fibers_[current_]->owner;
}

const std::string& Scheduler::fiber_name(FiberId id) const { return fibers_.at(id)->name; }

bool Scheduler::is_killed_context() const {
  return current_ != kNoFiber && fibers_[current_]->killed;
}

void Scheduler::check_dead_block() {
  if (current_ == kNoFiber) return;
  Fiber& f = *fibers_[current_];
  if (!f.killed) return;
  if (!f.unwinding) {
    f.unwinding = true;
    throw FiberKilled{};
  }
  // Unwinding destructors may block a few times; a fiber that keeps blocking
  // swallowed FiberKilled (catch (...) without rethrow) and would spin forever.
  if (++f.blocks_while_unwinding > kMaxBlocksWhileUnwinding) {
    misuse("a killed fiber keeps blocking: process code swallowed FiberKilled (catch (...) without rethrow)");
  }
}

void Scheduler::schedule_resume(FiberId id, Nanos time, bool timed_out) {
  push(Event{std::max(time, now_), 0, fibers_[id]->wait_seq, id, EventKind::resume, timed_out});
}

void Scheduler::schedule_deadline(FiberId id, Nanos time) {
  Fiber& f = *fibers_[id];
  // At most one per fiber: a wait or sleep blocks once, and its wake-up drops it.
  if (f.has_deadline) drop_deadline(id);
  Event event{std::max(time, now_), 0, f.wait_seq, id, EventKind::resume, true};
  event.tracked = true;
  f.has_deadline = true;
  push(event);
}

void Scheduler::drop_deadline(FiberId id) {
  Fiber& f = *fibers_[id];
  if (!f.has_deadline) return;
  f.has_deadline = false;
  queue_.remove_at(queue_.tracked_pos[id]);
}

void Scheduler::switch_into(FiberId id) {
  Fiber& f = *fibers_[id];
  // Woken (by a notify, a kill or its own deadline): a deadline still queued
  // would only be a stale wake-up, so it leaves the queue now.
  if (f.has_deadline) drop_deadline(id);
  current_ = id;
  f.state = FiberState::running;
  asan_start_switch(&main_fake_stack_, f.stack_bottom, f.stack_size);
  f.context = std::move(f.context).resume();
  asan_finish_switch(main_fake_stack_, nullptr, nullptr);
  current_ = kNoFiber;
  if (f.state == FiberState::done) release(id);
}

void Scheduler::suspend() {
  Fiber& f = *fibers_[current_];
  f.state = FiberState::blocked;
  asan_start_switch(&f.asan_fake_stack, main_stack_bottom_, main_stack_size_);
  f.sink = std::move(f.sink).resume();
  asan_finish_switch(f.asan_fake_stack, &main_stack_bottom_, &main_stack_size_);
  // Unwind with FiberKilled, once; a blocking call made while unwinding just
  // returns. (std::uncaught_exceptions() cannot tell: it counts the whole
  // thread, other fibers and the scheduler's caller included.)
  if (f.killed && !f.unwinding) {
    f.unwinding = true;
    throw FiberKilled{};
  }
}

void Scheduler::release(FiberId id) {
  Fiber& f = *fibers_[id];
  f.context = boost::context::fiber();
  f.state = FiberState::free;
  f.asan_fake_stack = nullptr;
  --live_fibers_;
  free_fibers_.push_back(id);
}

// While a killed fiber unwinds, blocking calls return at once. A killed fiber
// that swallowed FiberKilled (catch (...) without rethrow) and blocks again
// would spin forever at one instant: that is a bug in process code, stop loudly.
#define SLOTSIM_RETURN_IF_KILLED(value) \
  do {                                  \
    if (fibers_[current_]->killed) {    \
      check_dead_block();               \
      return value;                     \
    }                                   \
  } while (false)

void Scheduler::sleep_until(Nanos deadline) {
  if (current_ == kNoFiber) misuse("sleep outside a fiber");
  SLOTSIM_RETURN_IF_KILLED();
  schedule_deadline(current_, deadline);
  suspend();
}

void Scheduler::yield() { sleep_until(now_); }

bool Scheduler::wait(WaitList& list, Nanos deadline) {
  if (current_ == kNoFiber) misuse("wait outside a fiber");
  SLOTSIM_RETURN_IF_KILLED(false);
  Fiber& f = *fibers_[current_];
  if (list.waiters_.size() >= 16) {
    // Drop waiters that timed out long ago, so a quiet condition does not grow.
    std::erase_if(list.waiters_, [this](const WaitList::Waiter& w) {
      const Fiber& other = *fibers_[w.fiber];
      return other.state != FiberState::blocked || other.wait_seq != w.wait_seq;
    });
  }
  list.waiters_.push_back({current_, f.wait_seq});
  if (deadline != kForever) schedule_deadline(current_, deadline);
  suspend();
  return !f.timed_out;
}

void Scheduler::notify_all(WaitList& list) {
  for (const auto& w : list.waiters_) {
    const Fiber& f = *fibers_[w.fiber];
    if (f.state == FiberState::blocked && f.wait_seq == w.wait_seq) schedule_resume(w.fiber, now_, false);
  }
  list.waiters_.clear();
}

void Scheduler::kill_owner(OwnerId owner) {
  if (in_fiber()) misuse("kill_owner from a fiber; defer it with at()");
  std::vector<FiberId> victims;
  for (FiberId id = 0; id < fibers_.size(); ++id) {
    const Fiber& f = *fibers_[id];
    if (f.owner == owner && f.state == FiberState::blocked) victims.push_back(id);
  }
  // Newest first: later fibers may point into state that older ones own.
  std::sort(victims.begin(), victims.end(), [this](FiberId a, FiberId b) {
    return fibers_[a]->spawn_order > fibers_[b]->spawn_order;
  });
  for (FiberId id : victims) fibers_[id]->killed = true;
  for (FiberId id : victims) {
    if (fibers_[id]->state == FiberState::blocked) switch_into(id);
  }
  if (owner < held_.size()) held_[owner].clear();
}

void Scheduler::set_paused(OwnerId owner, bool paused) {
  if (owner >= paused_.size()) {
    paused_.resize(owner + 1, false);
    held_.resize(owner + 1);
  }
  paused_[owner] = paused;
  if (!paused) {
    for (Event event : held_[owner]) {
      event.time = now_;
      event.tracked = false;  // a held deadline is only a wake-up now
      push(event);
    }
    held_[owner].clear();
  }
}

void Scheduler::dispatch_resume(const Event& event) {
  Fiber& f = *fibers_[event.target];
  if (f.state != FiberState::blocked || f.wait_seq != event.wait_seq) return;  // stale wake-up
  if (f.owner < paused_.size() && paused_[f.owner]) {
    held_[f.owner].push_back(event);
    return;
  }
  ++f.wait_seq;  // every other pending wake-up of this wait is now stale
  f.timed_out = event.timed_out;
  switch_into(event.target);
}

bool Scheduler::step() {
  if (!has_event()) return false;
  const Event* next = &next_event();
  const Event event = *next;
  if (now_head_ != now_queue_.size() && next == &now_queue_[now_head_]) {
    if (++now_head_ == now_queue_.size()) {
      now_queue_.clear();
      now_head_ = 0;
    }
  } else if (!soon_.empty() && next == &soon_.top()) {
    soon_.pop();
  } else {
    queue_.pop();
  }
  if (event.tracked) fibers_[event.target]->has_deadline = false;  // it left the queue
  now_ = event.time;
  ++dispatched_;
  if (event.kind == EventKind::resume) {
    trace_.mix(static_cast<std::uint64_t>(event.time) ^ (std::uint64_t{event.target} << 40));
    dispatch_resume(event);
  } else {
    trace_.mix(static_cast<std::uint64_t>(event.time) ^ 0xCA11'BAC0'0000'0000ull);
    std::function<void()> fn = std::move(callbacks_[event.target]);
    callbacks_[event.target] = nullptr;
    free_callbacks_.push_back(event.target);
    fn();
  }
  return true;
}

void Scheduler::run_until(Nanos time) {
  while (has_event() && next_time() <= time) step();
  now_ = std::max(now_, time);
}

bool Scheduler::run_until(Nanos time, const std::function<bool()>& halt) {
  while (has_event() && next_time() <= time) {
    if (halt()) return false;
    step();
  }
  if (halt()) return false;
  now_ = std::max(now_, time);
  return true;
}

void Scheduler::run_while(const std::function<bool()>& keep_going) {
  while (keep_going() && step()) {
  }
}

}  // namespace slotsim::sim
