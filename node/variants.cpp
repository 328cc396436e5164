#include "node/variants.h"

namespace slotsim::node {

std::optional<std::string> Variants::set(std::string_view name, std::string_view value) {
  if (name == "asking") {
    if (value == "required") asking = Asking::required;
    else if (value == "none") asking = Asking::none;
    else return "variant asking takes required or none, not '" + std::string(value) + "'";
    return std::nullopt;
  }
  if (name == "migration_state_replication") {
    if (value == "off") migration_state_replication = MigrationStateReplication::off;
    else if (value == "on") migration_state_replication = MigrationStateReplication::on;
    else return "variant migration_state_replication takes off or on, not '" + std::string(value) + "'";
    return std::nullopt;
  }
  return "unknown variant '" + std::string(name) + "' (known: asking, migration_state_replication)";
}

std::string Variants::describe() const {
  return std::string("asking=") + (asking == Asking::required ? "required" : "none") +
         " migration_state_replication=" + (migration_state_replication == MigrationStateReplication::off ? "off" : "on");
}

}  // namespace slotsim::node
