#include "real/real_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace slotsim::real {

namespace {

std::string describe(const char* what, int error) { return std::string(what) + ": " + std::strerror(error); }

// Stops watching a socket and closes it, once (a second call does nothing).
void close_watched(EventLoop& loop, Watch& watch) {
  if (watch.fd < 0) return;
  const int fd = watch.fd;
  loop.remove(watch);
  watch.fd = -1;
  ::close(fd);
}

Address address_of(const sockaddr_storage& storage) {
  char text[INET6_ADDRSTRLEN] = {};
  Address address;
  if (storage.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(storage);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    address.port = ntohs(in.sin_port);
  } else if (storage.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    address.port = ntohs(in6.sin6_port);
  }
  address.host = text;
  return address;
}

Address peer_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
  return address_of(storage);
}

Address local_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
  return address_of(storage);
}

// Numeric addresses resolve without blocking; a name (rare: "localhost")
// goes through the resolver, which blocks the loop for that one call.
bool resolve(const std::string& host, std::uint16_t port, sockaddr_storage& out, socklen_t& length,
             std::string* why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  }
  if (rc != 0 || found == nullptr) {
    if (why != nullptr) *why = "cannot resolve '" + host + "': " + gai_strerror(rc);
    return false;
  }
  std::memcpy(&out, found->ai_addr, found->ai_addrlen);
  length = found->ai_addrlen;
  freeaddrinfo(found);
  return true;
}

void set_nodelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

class RealConnection final : public Connection {
 public:
  RealConnection(EventLoop& loop, int fd) : loop_(loop) {
    watch_.fd = fd;
    peer_ = peer_of(fd);
    local_ = local_of(fd);
  }
  ~RealConnection() override { close(); }

  // Registers with the loop; false (and the socket closed) on failure.
  bool start() {
    if (loop_.add(watch_)) return true;
    ::close(watch_.fd);
    watch_.fd = -1;
    return false;
  }

  ReadResult read(char* buffer, std::size_t capacity, Nanos deadline) override {
    for (;;) {
      if (watch_.fd < 0 || loop_.fibers().current_killed()) return {IoError::closed, 0};
      const ssize_t n = ::recv(watch_.fd, buffer, capacity, 0);
      if (n > 0) return {IoError::ok, static_cast<std::size_t>(n)};
      if (n == 0) return {capacity == 0 ? IoError::ok : IoError::eof, 0};
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return {IoError::reset, 0};
      if (!loop_.wait_readable(watch_, deadline) && watch_.fd >= 0 && !loop_.fibers().current_killed()) {
        return {IoError::timeout, 0};
      }
    }
  }

  IoError write(std::string_view data) override {
    while (!data.empty()) {
      if (watch_.fd < 0 || loop_.fibers().current_killed()) return IoError::closed;
      const ssize_t n = ::send(watch_.fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        loop_.wait_writable(watch_, kForever);
        continue;
      }
      return IoError::reset;
    }
    return IoError::ok;
  }

  void close() override { close_watched(loop_, watch_); }

  Address peer_address() const override { return peer_; }
  Address local_address() const override { return local_; }

 private:
  EventLoop& loop_;
  Watch watch_;
  Address peer_;
  Address local_;
};

class RealListener final : public Listener {
 public:
  RealListener(EventLoop& loop, int fd) : loop_(loop) { watch_.fd = fd; }
  ~RealListener() override { close(); }

  bool start() { return loop_.add(watch_); }

  Result<std::unique_ptr<Connection>> accept(Nanos deadline) override {
    for (;;) {
      if (watch_.fd < 0 || loop_.fibers().current_killed()) return IoError::closed;
      const int fd = ::accept4(watch_.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        set_nodelay(fd);
        auto conn = std::make_unique<RealConnection>(loop_, fd);
        if (!conn->start()) continue;
        return std::unique_ptr<Connection>(std::move(conn));
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!loop_.wait_readable(watch_, deadline) && watch_.fd >= 0 && !loop_.fibers().current_killed()) {
          return IoError::timeout;
        }
        continue;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the pending connection stays queued; retry a
        // little later rather than spin (or give up serving forever).
        loop_.fibers().sleep_until(std::min(deadline, loop_.now() + ms(100)));
        if (loop_.now() >= deadline) return IoError::timeout;
        continue;
      }
      // ECONNABORTED, EPROTO, EINTR...: that one connection failed, not the listener.
    }
  }

  void close() override { close_watched(loop_, watch_); }

 private:
  EventLoop& loop_;
  Watch watch_;
};

}  // namespace

Result<std::unique_ptr<Listener>> listen_tcp(EventLoop& loop, const std::string& bind_host, std::uint16_t port,
                                             std::string* why) {
  sockaddr_storage address{};
  socklen_t length = 0;
  if (!resolve(bind_host, port, address, length, why)) return IoError::io_failure;
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (why != nullptr) *why = describe("socket", errno);
    return IoError::io_failure;
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0 || ::listen(fd, 511) != 0) {
    const int error = errno;
    ::close(fd);
    if (why != nullptr) *why = describe(("bind " + bind_host + ":" + std::to_string(port)).c_str(), error);
    return error == EADDRINUSE ? IoError::address_in_use : IoError::io_failure;
  }
  auto listener = std::make_unique<RealListener>(loop, fd);
  if (!listener->start()) {
    if (why != nullptr) *why = describe("epoll_ctl", errno);
    return IoError::io_failure;
  }
  return std::unique_ptr<Listener>(std::move(listener));
}

Result<std::unique_ptr<Connection>> connect_tcp(EventLoop& loop, const Address& to, Nanos deadline,
                                                std::string* why) {
  if (loop.fibers().current_killed()) return IoError::closed;
  sockaddr_storage address{};
  socklen_t length = 0;
  if (!resolve(to.host, to.port, address, length, why)) return IoError::refused;
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (why != nullptr) *why = describe("socket", errno);
    return IoError::refused;
  }
  set_nodelay(fd);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), length);
  if (rc != 0 && errno != EINPROGRESS) {
    const int error = errno;
    if (why != nullptr) *why = describe("connect", error);
    ::close(fd);
    return IoError::refused;
  }
  // Register only now: the Watch must exist at its final address.
  Watch pending;
  pending.fd = fd;
  if (!loop.add(pending)) {
    if (why != nullptr) *why = describe("epoll_ctl", errno);
    ::close(fd);
    return IoError::refused;
  }
  int error = 0;
  for (;;) {
    socklen_t error_length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
    if (error != 0) break;
    // Connected once the peer address is known.
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0) break;
    if (loop.fibers().current_killed()) {
      error = ECANCELED;
      break;
    }
    if (!loop.wait_writable(pending, deadline)) {
      loop.remove(pending);
      ::close(fd);
      if (why != nullptr) *why = "connect " + to.to_string() + ": timed out";
      return loop.fibers().current_killed() ? IoError::closed : IoError::timeout;
    }
  }
  loop.remove(pending);
  if (error != 0) {
    ::close(fd);
    if (why != nullptr) *why = describe(("connect " + to.to_string()).c_str(), error);
    return error == ECANCELED ? IoError::closed : IoError::refused;
  }
  auto connected = std::make_unique<RealConnection>(loop, fd);
  if (!connected->start()) return IoError::refused;
  return std::unique_ptr<Connection>(std::move(connected));
}

}  // namespace slotsim::real
