// Where a real-mode process's trace events go: one line each,
//   2024-05-01T12:00:00.123Z 127.0.0.1:7000 kind k=v k=v
// to stderr or to a file. Rate-limited per kind (a token bucket), so a flood
// of one event, such as protocol errors from a misbehaving peer, costs little
// and cannot drown the rare events that matter (pfail, promoted); the next
// line of a throttled kind says how many were suppressed.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "env/time.h"

namespace slotsim::real {

class TraceLog {
 public:
  // out: an open stream (stderr, or a file this log then owns if owns_out).
  TraceLog(std::FILE* out, bool owns_out, std::string process);
  ~TraceLog();
  TraceLog(const TraceLog&) = delete;
  TraceLog& operator=(const TraceLog&) = delete;

  // now: Unix time in nanoseconds (RealClock::now()).
  void record(Nanos now, std::string_view kind, std::string_view detail);

  static constexpr double kLinesPerSecondPerKind = 20;
  static constexpr double kBurstPerKind = 100;

 private:
  struct Bucket {
    double tokens = kBurstPerKind;
    Nanos refilled_at = 0;
    std::uint64_t suppressed = 0;
  };
  std::FILE* out_;
  bool owns_out_;
  std::string process_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace slotsim::real
