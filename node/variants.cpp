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
  if (name == "bug") return enable_bug(value);
  return "unknown variant '" + std::string(name) + "' (known: asking, migration_state_replication, bug)";
}

std::optional<std::string> Variants::enable_bug(std::string_view name) {
  if (name == kBugCatalog[0].name) {
    asking = Asking::none;
    return std::nullopt;
  }
  if (name == kBugCatalog[1].name) {
    migration_state_replication = MigrationStateReplication::off;
    return std::nullopt;
  }
  for (std::size_t i = 2; i < kBugCatalog.size(); ++i) {
    if (name == kBugCatalog[i].name) {
      if (!kBugCatalog[i].implemented) {
        return "bug '" + std::string(name) + "' is in the zoo's list but not implemented yet";
      }
      bugs |= 1U << (i - 2);
      return std::nullopt;
    }
  }
  std::string known;
  for (const BugInfo& bug : kBugCatalog) known += (known.empty() ? "" : ", ") + std::string(bug.name);
  return "unknown bug '" + std::string(name) + "' (known: " + known + ")";
}

std::string Variants::bug_names() const {
  std::string names;
  for (std::size_t i = 2; i < kBugCatalog.size(); ++i) {
    if (has(static_cast<Bug>(i - 2))) names += (names.empty() ? "" : ",") + std::string(kBugCatalog[i].name);
  }
  return names;
}

std::string Variants::describe() const {
  std::string text = std::string("asking=") + (asking == Asking::required ? "required" : "none") +
                     " migration_state_replication=" +
                     (migration_state_replication == MigrationStateReplication::off ? "off" : "on");
  const std::string names = bug_names();
  if (!names.empty()) text += " bugs=" + names;
  return text;
}

}  // namespace slotsim::node
