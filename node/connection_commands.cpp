// Connection and introspection commands real clients send: COMMAND (how
// cluster clients find keys), CLIENT, CONFIG GET, HELLO, AUTH. Replies are
// Redis 7.0.15's, byte for byte, in RESP2 (the only protocol the node speaks).
#include <set>

#include "node/command_table.h"
#include "node/data_commands.h"
#include "node/node.h"
#include "node/reply.h"
#include "node/resp_parser.h"
#include "node/text.h"

namespace slotsim::node {

namespace {

std::string yes_no(bool value) { return value ? "yes" : "no"; }

std::string wrongpass() { return reply::error("WRONGPASS invalid username-password pair or user is disabled."); }

}  // namespace

std::string Node::command_command(const Command& args) const {
  if (args.size() == 1) {
    // Every top-level entry, each with its subcommands nested.
    const auto entries = top_level_commands();
    std::string out = reply::array_header(entries.size());
    for (const CommandEntry* entry : entries) out += command_entry_reply(*entry);
    return out;
  }
  const std::string sub = lowercase(args[1]);
  if (sub == "count") return reply::integer(static_cast<std::int64_t>(top_level_command_count()));
  if (sub == "docs") return reply::array_header(0);  // no docs: redis-cli and redis-py do without
  if (sub == "info") {
    if (args.size() == 2) return command_command({args[0]});
    std::string out = reply::array_header(args.size() - 2);
    for (std::size_t i = 2; i < args.size(); ++i) {
      const CommandEntry* entry = find_command(lowercase(args[i]));
      out += entry != nullptr ? command_entry_reply(*entry) : reply::null_bulk();
    }
    return out;
  }
  if (sub == "getkeys") {
    // COMMAND GETKEYS cmd args...: the command is looked up as Redis runs it,
    // container commands by their subcommand.
    const Command target(args.begin() + 2, args.end());
    std::string name = lowercase(target[0]);
    const CommandEntry* entry = name.find('|') == std::string::npos ? find_command(name) : nullptr;
    if (entry != nullptr && !subcommands_of(name).empty() && target.size() >= 2) {
      entry = find_command(name + "|" + lowercase(target[1]));
    }
    if (entry == nullptr) return reply::error("ERR Invalid command specified");
    const auto argc = static_cast<int>(target.size());
    if (entry->arity > 0 ? argc != entry->arity : argc < -entry->arity) {
      return reply::error("ERR Invalid number of arguments specified for command");
    }
    const auto keys = command_keys(name, target);
    if (keys.empty()) return reply::error("ERR The command has no key arguments");
    return reply::bulk_array(keys);
  }
  return reply::error("ERR unknown subcommand '" + args[1].substr(0, 128) + "'. Try COMMAND HELP.");
}

std::string Node::client_info_line(const Client& client) const {
  const Nanos now = env_.now();
  std::string flags;
  if (client.is_replica) flags += "S";
  if (client.in_multi) flags += "x";
  if (flags.empty()) flags = "N";
  const long long multi = client.in_multi ? static_cast<long long>(client.queued.size()) : -1;
  return "id=" + std::to_string(client.id) + " addr=" + client.peer + " laddr=" + config_.announce_ip + ":" +
         std::to_string(config_.port) + " fd=-1 name=" + client.name +
         " age=" + std::to_string((now - client.created_at) / 1'000'000'000) +
         " idle=" + std::to_string((now - client.last_active) / 1'000'000'000) + " flags=" + flags +
         " db=0 sub=0 psub=0 ssub=0 multi=" + std::to_string(multi) +
         " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=" +
         (client.last_command.empty() ? std::string("NULL") : client.last_command) +
         " user=default redir=-1 resp=2\n";
}

std::string Node::client_command(Client& client, const Command& args) const {
  const std::string sub = lowercase(args[1]);
  if (sub == "id") return reply::integer(static_cast<std::int64_t>(client.id));
  if (sub == "getname") return client.name.empty() ? reply::null_bulk() : reply::bulk(client.name);
  if (sub == "setname") {
    for (const char c : args[2]) {
      if (c < '!' || c > '~') return reply::error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    client.name = args[2];
    return reply::ok();
  }
  if (sub == "info") return reply::bulk(client_info_line(client));
  if (sub == "list") {
    if (args.size() > 2) return reply::syntax_error();
    std::string text;
    for (const auto& [id, other] : clients_) text += client_info_line(*other);
    return reply::bulk(text);
  }
  return reply::error("ERR unknown subcommand '" + args[1].substr(0, 128) + "'. Try CLIENT HELP.");
}

std::string Node::config_command(const Command& args) const {
  // CONFIG GET pattern...: the parameters the node has, in one fixed order; each once.
  const std::vector<std::pair<std::string, std::string>> parameters = {
      {"appendonly", yes_no(config_.appendonly)},
      {"appendfsync", appendfsync_name(config_.appendfsync)},
      {"cluster-config-file", std::string(kConfigFileName)},
      {"cluster-enabled", yes_no(config_.cluster_enabled)},
      {"cluster-node-timeout", std::to_string(config_.node_timeout / 1'000'000)},
      {"cluster-port", std::to_string(config_.bus_port)},
      {"cluster-require-full-coverage", yes_no(config_.require_full_coverage)},
      {"databases", "16"},
      {"port", std::to_string(config_.port)},
      {"requirepass", config_.requirepass},
      {"save", ""},
  };
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t i = 2; i < args.size(); ++i) {
    for (const auto& [name, value] : parameters) {
      if (seen.count(name) != 0 || !glob_match(args[i], name, true)) continue;
      seen.insert(name);
      out.push_back(name);
      out.push_back(value);
    }
  }
  return reply::bulk_array(out);
}

std::string Node::auth_command(Client& client, const Command& args) {
  if (args.size() > 3) return reply::syntax_error();
  if (args.size() == 2 && config_.requirepass.empty()) {
    return reply::error("ERR AUTH <password> called without any password configured for the default user. "
                        "Are you sure your configuration is correct?");
  }
  // The only user is "default"; with no requirepass it takes any password.
  const bool user_ok = args.size() == 2 || args[1] == "default";
  const std::string& password = args.back();
  if (user_ok && (config_.requirepass.empty() || password == config_.requirepass)) {
    client.authenticated = true;
    return reply::ok();
  }
  return wrongpass();
}

std::string Node::hello_command(Client& client, const Command& args) {
  if (args.size() >= 2) {
    const auto version = redis_string_to_ll(args[1]);
    if (!version) return reply::error("ERR Protocol version is not an integer or out of range");
    // RESP3 is not spoken here; Redis answers NOPROTO for versions it lacks.
    if (*version != 2) return reply::error("NOPROTO unsupported protocol version");
  }
  std::string new_name;
  bool set_name = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string option = lowercase(args[i]);
    const bool more = i + 1 < args.size();
    if (option == "auth" && i + 2 < args.size()) {
      const std::string outcome = auth_command(client, {"AUTH", args[i + 1], args[i + 2]});
      if (outcome != reply::ok()) return outcome;
      i += 2;
    } else if (option == "setname" && more) {
      for (const char c : args[i + 1]) {
        if (c < '!' || c > '~') return reply::error("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      new_name = args[i + 1];
      set_name = true;
      ++i;
    } else {
      return reply::error("ERR Syntax error in HELLO option '" + args[i].substr(0, 128) + "'");
    }
  }
  if (!client.authenticated) {
    return reply::error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
                        "RESP protocol version at the same time");
  }
  if (set_name) client.name = new_name;
  std::string out = reply::array_header(14);
  out += reply::bulk("server") + reply::bulk("redis") + reply::bulk("version") + reply::bulk("7.0.15");
  out += reply::bulk("proto") + reply::integer(2) + reply::bulk("id") + reply::integer(static_cast<std::int64_t>(client.id));
  out += reply::bulk("mode") + reply::bulk(config_.cluster_enabled ? "cluster" : "standalone");
  out += reply::bulk("role") + reply::bulk(cluster_.myself().primary ? "master" : "replica");
  out += reply::bulk("modules") + reply::array_header(0);
  return out;
}

}  // namespace slotsim::node
