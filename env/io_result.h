// Expected failures of I/O (peer gone, timeout, refused) are values, not
// exceptions: node code must handle them on every path, as with real sockets.
#pragma once

#include <string_view>
#include <utility>

namespace slotsim {

enum class IoError {
  ok = 0,
  eof,            // peer closed its sending side cleanly (FIN)
  reset,          // connection reset (peer crashed, RST, reset fault)
  refused,        // nothing listens at the address, or the host is down
  timeout,        // the deadline passed first
  closed,         // this side already closed the connection or listener
  address_in_use, // listen on a port that is taken
  not_found,      // file does not exist
  io_failure,     // disk error
};

constexpr std::string_view to_string(IoError e) {
  switch (e) {
    case IoError::ok: return "ok";
    case IoError::eof: return "eof";
    case IoError::reset: return "reset";
    case IoError::refused: return "refused";
    case IoError::timeout: return "timeout";
    case IoError::closed: return "closed";
    case IoError::address_in_use: return "address_in_use";
    case IoError::not_found: return "not_found";
    case IoError::io_failure: return "io_failure";
  }
  return "unknown";
}

// A value or an IoError. Minimal on purpose: C++20 has no std::expected.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)), error_(IoError::ok) {}  // NOLINT: implicit by design
  Result(IoError error) : value_(), error_(error) {}                  // NOLINT: implicit by design

  bool ok() const { return error_ == IoError::ok; }
  explicit operator bool() const { return ok(); }
  IoError error() const { return error_; }
  T& value() & { return value_; }
  T&& value() && { return std::move(value_); }
  const T& value() const& { return value_; }
  T* operator->() { return &value_; }
  T& operator*() { return value_; }

 private:
  T value_;
  IoError error_;
};

}  // namespace slotsim
