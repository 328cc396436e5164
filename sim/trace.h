// The run's trace: every event the simulation and the processes report, in
// order, folded into the determinism hash. Keeping the events themselves is
// optional (a campaign keeps only the hash; replay and reports keep all).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/time.h"
#include "sim/determinism_hash.h"

namespace slotsim::sim {

struct TraceEvent {
  std::uint64_t index = 0;  // position in the run, from 0
  Nanos time = 0;           // virtual (true) time
  std::string process;      // "sim" for the simulator itself
  std::string kind;
  std::string detail;

  friend bool operator==(const TraceEvent&, const TraceEvent&) = default;
  std::string to_string() const;
};

class Trace {
 public:
  using Listener = std::function<void(const TraceEvent&)>;

  void keep_events(bool keep) { keep_ = keep; }
  // Listeners see every event as it is recorded (the invariant monitor,
  // coverage marks, replay's comparison). Returns a handle for removal.
  int add_listener(Listener listener);
  void remove_listener(int handle);

  void record(Nanos time, std::string_view process, std::string_view kind, std::string_view detail);
  // Folds a value that is not an event (a dispatch, a random draw) into the hash.
  void mix(std::uint64_t value) { hash_.add(value); }

  DeterminismHash& hash() { return hash_; }
  std::uint64_t hash_value() const { return hash_.value(); }
  std::uint64_t count() const { return count_; }
  const std::vector<TraceEvent>& events() const { return events_; }

 private:
  bool keep_ = false;
  std::uint64_t count_ = 0;
  DeterminismHash hash_;
  std::vector<TraceEvent> events_;
  std::vector<std::pair<int, Listener>> listeners_;
  int next_listener_ = 1;
};

// Index of the first event where the two traces differ (including one being a
// prefix of the other), or nothing when they are equal.
std::optional<std::size_t> first_difference(const std::vector<TraceEvent>& a,
                                            const std::vector<TraceEvent>& b);

std::string format_time(Nanos t);

}  // namespace slotsim::sim
