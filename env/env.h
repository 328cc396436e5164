// The one seam between node code and the world.
//
// Node, client and operator code receive an Env& and never reach the real
// world any other way (no clocks, sockets, threads, rand(), filesystem). The
// simulator implements Env on virtual time and a virtual network; a real
// runtime implements it on epoll, TCP and real files. So this header must not
// mention simulator types.
//
// Fiber model: every piece of process code runs in a fiber. Calls that can
// block (sleep, accept, connect, read, a full send buffer, Condition::wait)
// suspend only the calling fiber; other fibers of the process keep running.
// Fibers of one process run one at a time and switch only inside those calls,
// so process state needs no locks. When a process crashes its fibers are
// unwound (destructors run, blocking calls return at once with an error) and
// never run again: node code must not swallow exceptions with catch (...)
// without rethrowing, and must not block in a destructor.
//
// now() is the process's own clock, like the wall clock Redis reads: under
// simulation it may run fast or slow, or jump when a clock fault sets it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/io_result.h"
#include "env/time.h"

namespace slotsim {

struct Address {
  std::string host;
  std::uint16_t port = 0;

  friend bool operator==(const Address&, const Address&) = default;
  friend auto operator<=>(const Address&, const Address&) = default;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

struct ReadResult {
  IoError error = IoError::ok;  // ok with n > 0, or why nothing was read
  std::size_t n = 0;
};

// An ordered, reliable byte stream (TCP-like).
class Connection {
 public:
  virtual ~Connection() = default;
  // Blocks until at least one byte, end of stream, an error, or the deadline
  // (absolute, on this process's clock).
  virtual ReadResult read(char* buffer, std::size_t capacity, Nanos deadline = kForever) = 0;
  // Queues all of data for sending; blocks only while the send buffer is full.
  // ok means queued, not delivered.
  virtual IoError write(std::string_view data) = 0;
  // Graceful close: the peer reads what was sent, then eof.
  virtual void close() = 0;
  virtual Address peer_address() const = 0;
  virtual Address local_address() const = 0;
};

class Listener {
 public:
  virtual ~Listener() = default;
  virtual Result<std::unique_ptr<Connection>> accept(Nanos deadline = kForever) = 0;
  virtual void close() = 0;
};

// A file on this process's disk. Data written is durable only after sync();
// a crash may lose or tear everything written since the last sync.
class File {
 public:
  virtual ~File() = default;
  virtual IoError append(std::string_view data) = 0;
  virtual IoError write_at(std::uint64_t offset, std::string_view data) = 0;
  virtual IoError truncate(std::uint64_t size) = 0;
  virtual IoError sync() = 0;
  virtual std::uint64_t size() const = 0;
  virtual Result<std::string> read_at(std::uint64_t offset, std::size_t length) const = 0;
};

// A fiber condition variable. notify_all wakes every fiber blocked in wait_until.
class Condition {
 public:
  virtual ~Condition() = default;
  // Returns false if the deadline (this process's clock) passed first.
  virtual bool wait_until(Nanos deadline) = 0;
  virtual void notify_all() = 0;
};

enum class OpenMode { open_existing, create, create_truncate };

class Env {
 public:
  virtual ~Env() = default;

  // --- time: this process's clock (it may be skewed against other processes) ---
  virtual Nanos now() const = 0;
  virtual void sleep_until(Nanos deadline) = 0;
  void sleep(Nanos duration) { sleep_until(saturating_add(now(), duration)); }

  // --- randomness: a stream of this process alone, derived from the run seed ---
  virtual std::uint64_t random_u64() = 0;
  // Uniform in [0, bound); bound > 0.
  virtual std::uint64_t random_below(std::uint64_t bound) = 0;

  // --- fibers ---
  // Starts fn in a new fiber of this process; it first runs when the caller blocks.
  virtual void spawn(std::string name, std::function<void()> fn) = 0;
  virtual std::unique_ptr<Condition> make_condition() = 0;

  // --- network ---
  virtual Result<std::unique_ptr<Listener>> listen(std::uint16_t port) = 0;
  virtual Result<std::unique_ptr<Connection>> connect(const Address& to, Nanos deadline) = 0;
  // The host name other processes use to reach this one.
  virtual std::string host() const = 0;

  // --- disk: a flat directory of files private to this process ---
  virtual Result<std::unique_ptr<File>> open_file(std::string_view name, OpenMode mode) = 0;
  virtual IoError rename_file(std::string_view from, std::string_view to) = 0;
  virtual IoError remove_file(std::string_view name) = 0;
  virtual std::vector<std::string> list_files() const = 0;
  // Makes creations, renames and removals durable (fsync of the directory).
  virtual IoError sync_directory() = 0;

  // --- testing hooks ---
  // BUGGIFY: true only under simulation, when the named site is enabled for
  // this run and its coin comes up. Node code uses it to take rare paths.
  virtual bool buggify(std::string_view site) = 0;
  // A structured trace event: kind is a short fixed name, detail "k=v k=v".
  virtual void trace(std::string_view kind, std::string_view detail) = 0;
};

}  // namespace slotsim
