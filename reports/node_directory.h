// Who is who in a run's trace. Node code traces other nodes by their 40-hex
// cluster id; people know them as n1..nK. The trace's config_loaded events
// ("id=... epoch=... slots=N") tie the two together, and their slot counts
// at time 0 give the initial slot split.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/report_db.h"

namespace slotsim::reports {

struct NodeDirectory {
  std::vector<std::string> nodes;             // n1, n2, ..., n10 (natural order)
  std::map<std::string, std::string> by_id;   // cluster id -> node name
  // Owner of each slot at the start (node name), when the config_loaded slot
  // counts of the first start add up to all 16384 slots, assigned in node
  // order as `redis-cli --cluster create` splits them; empty otherwise.
  std::vector<std::string> initial_owner;

  // The node's name, or the id's first 8 characters when the trace never
  // named it (a node that never started in this run).
  std::string name_of(std::string_view id) const;
  bool is_node(std::string_view process) const;
};

NodeDirectory build_node_directory(const std::vector<EventRow>& events);

// "key=value key2=value2" -> value of `key`, or nullopt. Values end at a space.
std::optional<std::string> detail_field(std::string_view detail, std::string_view key);

// "n2" < "n10": names compared by their text with digit runs as numbers.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace slotsim::reports
