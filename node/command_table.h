// The node's command table as Redis 7.0 describes it to clients: COMMAND,
// COMMAND INFO, COMMAND COUNT, COMMAND GETKEYS. One entry per command the node
// implements (data commands and node commands), plus the subcommands of the
// container commands (CLUSTER, CLIENT, CONFIG, COMMAND) as "parent|sub" entries.
// Names, arities, flags, ACL categories, tips and key specs are Redis 7.0.15's,
// so a COMMAND INFO reply is byte for byte the one redis-server gives.
//
// Cluster clients read this table to find keys (redis-py's CommandsParser:
// elements 0-5 and 7-9 of each entry; "movablekeys" makes it ask GETKEYS).
// The dispatcher takes node-command arities and write flags from it too.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim::node {

struct KeySpec {
  std::string_view flags;     // space-separated: "RW access update"
  int begin_index = 0;        // begin_search by index (when keyword is empty)
  std::string_view keyword;   // begin_search by keyword
  int keyword_startfrom = 0;
  int lastkey = 0;            // find_keys range
  int keystep = 1;
  std::string_view notes;
};

struct CommandEntry {
  std::string_view name;   // lowercase; "parent|sub" for a subcommand
  int arity;               // > 0 exact, < 0 minimum, counting the name (and the subcommand)
  std::string_view flags;  // space-separated Redis flag names ("write denyoom fast")
  int first_key;
  int last_key;
  int key_step;
  std::string_view acl_categories;  // space-separated, without '@'
  std::string_view tips;            // space-separated
  std::array<KeySpec, 2> key_specs{};
  int key_spec_count = 0;

  bool has_flag(std::string_view flag) const;
  bool write() const { return has_flag("write"); }
};

// Top-level commands and subcommands ("cluster|info"), lowercase. Null if unknown.
const CommandEntry* find_command(std::string_view lowercase_name);
// The subcommand entries of a container command, in table order.
std::vector<const CommandEntry*> subcommands_of(std::string_view parent);
// Top-level commands only, in table order.
std::vector<const CommandEntry*> top_level_commands();
std::size_t top_level_command_count();

// The 10-element COMMAND INFO entry (with its subcommands' entries).
std::string command_entry_reply(const CommandEntry& entry);

// For CLIENT, CONFIG and COMMAND (CLUSTER has its own in cluster_command.cpp):
// the error Redis gives before running the subcommand (unknown subcommand,
// wrong arity), or "" when it may run. args[0] is the container's name.
std::string container_subcommand_error(std::string_view lowercase_parent, const std::vector<std::string>& args);

// Redis's stringmatchlen for '*', '?', '[...]' and '\' escapes, case-insensitive when nocase.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase);

}  // namespace slotsim::node
