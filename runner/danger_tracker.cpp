#include "runner/danger_tracker.h"

#include <charconv>

#include "cluster/danger_marks.h"

namespace slotsim::runner {

namespace {

// The value of `key=` in a "k=v k=v" detail, or "".
std::string_view field(std::string_view detail, std::string_view key) {
  std::size_t at = 0;
  while (at < detail.size()) {
    const std::size_t end = std::min(detail.find(' ', at), detail.size());
    const std::string_view token = detail.substr(at, end - at);
    if (token.size() > key.size() && token.substr(0, key.size()) == key && token[key.size()] == '=') {
      return token.substr(key.size() + 1);
    }
    at = end + 1;
  }
  return {};
}

int to_int(std::string_view text) {
  int value = -1;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

void DangerTracker::mark(std::string_view name) {
  std::string key(cluster::kDangerPrefix);
  key += name;
  ++coverage_[key];
}

void DangerTracker::on_event(const sim::TraceEvent& e) {
  const std::string_view kind = e.kind;
  if (kind == "config_loaded" || kind == "config_created") {
    const std::string_view id = field(e.detail, "id");
    if (!id.empty()) name_of_id_[std::string(id)] = e.process;
  } else if (kind == "setslot") {
    const int slot = to_int(field(e.detail, "slot"));
    const std::string_view action = field(e.detail, "action");
    if (action == "migrating") {
      migrating_[e.process].insert(slot);
    } else if (action == "importing") {
      importing_[e.process].insert(slot);
    } else {
      migrating_[e.process].erase(slot);
      importing_[e.process].erase(slot);
    }
  } else if (kind == "promoted") {
    const std::string_view old_primary = field(e.detail, "old_primary");
    const auto name = name_of_id_.find(old_primary);
    if (name != name_of_id_.end()) {
      if (!migrating_[name->second].empty()) mark("failover_while_migrating");
      if (!importing_[name->second].empty()) mark("failover_while_importing");
    }
    candidates_.erase(std::string(old_primary));
  } else if (kind == "election_start") {
    auto& running = candidates_[std::string(field(e.detail, "primary"))];
    running.insert(e.process);
    if (running.size() == 2) mark("election_several_candidates");
  } else if (kind == "epoch_collision") {
    mark("config_epoch_collision");
  } else if (kind == "migrate_io_error") {
    // A MIGRATE that failed after sending (the target may have applied it), not one that never connected.
    if (field(e.detail, "stage") != "connect") mark("migrate_timeout");
  } else if (kind == "asking_served") {
    mark("ask_then_asking");
  } else if (kind == "slot_keys_dropped") {
    mark("dirty_slot_dropped");
    // Traced after the primary's deletes and before their propagation: the
    // state where a delete that is not replicated leaves the keys behind.
    if (replica_probe_ && replica_probe_(e.process, to_int(field(e.detail, "slot")))) mark("dirty_slot_on_replicas");
  } else if (kind == "slot_keys_unexpected") {
    mark("unowned_keys_at_start");
  } else if (kind == "node_fail") {
    if (has_empty_primaries_) mark("fail_with_empty_primaries");
  }
}

}  // namespace slotsim::runner
