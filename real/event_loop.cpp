#include "real/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace slotsim::real {

EventLoop::EventLoop(std::size_t stack_bytes) : fibers_(stack_bytes) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::runtime_error(std::string("epoll_create1 failed: ") + std::strerror(errno));
}

EventLoop::~EventLoop() {
  // Fibers may still hold sockets registered here: unwind them first.
  fibers_.kill_all();
  ::close(epoll_fd_);
}

bool EventLoop::add(Watch& watch) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = &watch;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, watch.fd, &event) == 0;
}

void EventLoop::remove(Watch& watch) {
  if (watch.fd >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, watch.fd, nullptr);
  fibers_.notify_all(watch.readable);
  fibers_.notify_all(watch.writable);
}

void EventLoop::poll(Nanos timeout) {
  // Round up: waking a little early would just spin until the timer is due.
  int timeout_ms = -1;
  if (timeout != kForever) timeout_ms = static_cast<int>(std::min<Nanos>((std::max<Nanos>(timeout, 0) + ms(1) - 1) / ms(1), 60'000));
  epoll_event events[256];
  const int n = epoll_wait(epoll_fd_, events, 256, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return;
    throw std::runtime_error(std::string("epoll_wait failed: ") + std::strerror(errno));
  }
  // Only notify here: no fiber runs until the batch is done, so no Watch in
  // it can be freed under us.
  for (int i = 0; i < n; ++i) {
    auto* watch = static_cast<Watch*>(events[i].data.ptr);
    const std::uint32_t e = events[i].events;
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) fibers_.notify_all(watch->readable);
    if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) fibers_.notify_all(watch->writable);
  }
}

bool EventLoop::run(const std::function<bool()>& done, Nanos deadline) {
  stop_requested_ = false;
  for (;;) {
    fibers_.run_ready();
    if (stop_requested_) return true;
    if (done && done()) return true;
    const Nanos now = clock_.now();
    if (now >= deadline) return false;
    fibers_.fire_timers(now);
    Nanos timeout = 0;
    if (!fibers_.has_ready()) {
      const Nanos wake = std::min(fibers_.next_deadline(), deadline);
      timeout = wake == kForever ? kForever : wake - now;
    }
    poll(timeout);
    fibers_.fire_timers(clock_.now());
  }
}

}  // namespace slotsim::real
