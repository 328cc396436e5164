// Watches a run's trace for the dangerous states of cluster/danger_marks.h and
// counts each in the run's coverage as "danger:<name>". It reads only trace
// events the nodes already emit (ids from config_loaded/config_created,
// SETSLOT states, promotions, elections, epoch collisions, MIGRATE errors,
// dropped or unexpected slot keys, FAILs),
// so it adds nothing to the trace and cannot change a run. One mark also looks
// at the replicas' data, through a read-only probe the runner supplies.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "sim/trace.h"

namespace slotsim::runner {

class DangerTracker {
 public:
  DangerTracker(std::map<std::string, std::int64_t, std::less<>>& coverage, bool has_empty_primaries)
      : coverage_(coverage), has_empty_primaries_(has_empty_primaries) {}
  void on_event(const sim::TraceEvent& e);

  // Whether a live replica of the named node holds keys of the slot; unset,
  // dirty_slot_on_replicas is never counted.
  using ReplicaProbe = std::function<bool(std::string_view node, int slot)>;
  void set_replica_probe(ReplicaProbe probe) { replica_probe_ = std::move(probe); }

 private:
  void mark(std::string_view name);

  std::map<std::string, std::int64_t, std::less<>>& coverage_;
  bool has_empty_primaries_;
  ReplicaProbe replica_probe_;
  std::map<std::string, std::string, std::less<>> name_of_id_;          // node id -> process name
  std::map<std::string, std::set<int>, std::less<>> migrating_, importing_;  // process -> open slots
  // Failed primary id -> the replicas that started an election for it since its last promotion.
  std::map<std::string, std::set<std::string>, std::less<>> candidates_;
};

}  // namespace slotsim::runner
