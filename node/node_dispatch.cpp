// Command processing, in the order Redis's processCommand applies its checks:
// lookup, arity, authentication, MULTI queueing, cluster redirection, then
// execution. One command runs at a time (see busy_ in node.h).
#include <algorithm>

#include "node/command_table.h"
#include "node/data_commands.h"
#include "node/hash_slot.h"
#include "node/node.h"
#include "node/text.h"
#include "node/reply.h"

namespace slotsim::node {

namespace {

// Commands the node itself implements (the data commands live in
// data_commands.cpp): their arities and flags come from the command table
// COMMAND reports. Subcommand entries ("cluster|info") are not commands.
const CommandEntry* find_node_command(std::string_view name) {
  if (name.find('|') != std::string_view::npos) return nullptr;
  return find_command(name);
}

bool arity_ok(int arity, std::size_t argc) {
  const auto n = static_cast<int>(argc);
  return arity > 0 ? n == arity : n >= -arity;
}

// Redis puts the name and the first arguments into the error, cut at 128 bytes.
std::string unknown_command_error(const Node::Command& args) {
  std::string listed;
  for (std::size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    listed += "'" + args[i].substr(0, 128 - listed.size()) + "' ";
  }
  std::string text = "ERR unknown command '" + args[0].substr(0, 128) + "', with args beginning with: " + listed;
  std::replace(text.begin(), text.end(), '\r', ' ');
  std::replace(text.begin(), text.end(), '\n', ' ');
  return reply::error(text);
}

bool is_write(std::string_view name) {
  if (const CommandSpec* spec = find_data_command(name)) return spec->write;
  if (const CommandEntry* command = find_node_command(name)) return command->write();
  return false;
}

}  // namespace

std::vector<std::string> Node::command_keys(std::string_view name, const Command& args) const {
  if (const CommandSpec* spec = find_data_command(name)) return node::command_keys(*spec, args);
  if (name == "dump" || name == "restore" || name == "restore-asking") return {args[1]};
  if (name == "migrate") {
    // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS k...]
    for (std::size_t i = 6; i < args.size(); ++i) {
      const std::string option = lowercase(args[i]);
      if (option == "keys") return {args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end()};
      if (option == "auth") ++i;
      if (option == "auth2") i += 2;
    }
    return {args[3]};
  }
  return {};
}

Node::Route Node::route(const Client& client, std::span<const Command* const> commands, bool asking_implied) {
  if (!config_.cluster_enabled) return {};
  int slot = -1;
  std::string first_key;
  const std::string* owner = nullptr;
  bool migrating = false;
  bool importing = false;
  bool multiple_keys = false;
  int missing_keys = 0;
  int existing_keys = 0;
  bool any_write = false;
  bool is_migrate = false;
  for (const Command* command : commands) {
    const std::string lowered = lowercase((*command)[0]);
    const std::string_view name = lowered;  // compared as a view: lengths first, no strlen
    const CommandSpec* spec = find_data_command(name);
    any_write = any_write || (spec != nullptr ? spec->write : is_write(name));
    is_migrate = is_migrate || name == "migrate";
    // A data command's keys are read in place (this runs for every request);
    // DUMP, RESTORE and MIGRATE list theirs.
    std::vector<std::string> listed;
    const Command* holder = command;
    KeyPositions at;
    if (spec != nullptr) {
      at = key_positions(*spec, command->size());
    } else {
      listed = command_keys(name, *command);
      holder = &listed;
      at = {0, static_cast<int>(listed.size()) - 1, 1};
    }
    for (int position = at.first; position <= at.last; position += at.step) {
      const std::string& key = (*holder)[static_cast<std::size_t>(position)];
      const int key_slot = key_hash_slot(key);
      if (slot < 0) {
        slot = key_slot;
        first_key = key;
        owner = &cluster_.owner(slot);
        if (owner->empty()) return {false, reply::error("CLUSTERDOWN Hash slot not served")};
        // Migration state counts on a primary, or for a READONLY client's
        // reads on a replica (Valkey's getNodeByQuery): a demoted primary
        // keeps its IMPORTING state but must not take RESTORE-ASKING or ASK
        // writes its new primary never sees.
        const ClusterNode& me = cluster_.myself();
        if (me.primary || (client.readonly && !any_write)) {
          const std::string& my_shard = me.primary ? me.id : me.primary_id;
          if (*owner == my_shard && cluster_.migrating_to(slot) != nullptr) {
            migrating = true;
          } else if (cluster_.importing_from(slot) != nullptr) {
            importing = true;
          }
        }
      } else {
        if (key_slot != slot) return {false, reply::error("CROSSSLOT Keys in request don't hash to the same slot")};
        if (key != first_key) multiple_keys = true;  // the same key twice is still one key
      }
      // Like Redis's lookup with LOOKUP_NOEXPIRE: an expired key counts as missing, and stays.
      const Value* value = keys_.peek(key);
      if ((migrating || importing) && (value == nullptr || is_expired(*value, env_.now()))) {
        ++missing_keys;
      } else {
        ++existing_keys;
      }
    }
  }
  if (slot < 0) return {};  // no keys: any node serves it
  if (!cluster_ok()) return {false, reply::error("CLUSTERDOWN The cluster is down")};
  // MIGRATE acts on the local node while the slot is open.
  if ((migrating || importing) && is_migrate) return {};
  if (migrating && missing_keys > 0) {
    if (existing_keys > 0) return {false, reply::error("TRYAGAIN Multiple keys request during rehashing of slot")};
    return {false, reply::error("ASK " + std::to_string(slot) + " " + address_of(*cluster_.migrating_to(slot)))};
  }
  const bool asking_ok = client.asking || asking_implied || config_.variants.asking == Variants::Asking::none;
  if (importing && asking_ok) {
    if (multiple_keys && missing_keys > 0) {
      return {false, reply::error("TRYAGAIN Multiple keys request during rehashing of slot")};
    }
    // A redirected client's ASKING was honoured: the campaigns count this (the
    // importing end of a migration serving a live key) as a state to reach.
    if (client.asking) env_.trace("asking_served", "slot=" + std::to_string(slot));
    return {};
  }
  // A replica serves reads of its primary's slots to READONLY clients.
  const ClusterNode& me = cluster_.myself();
  if (client.readonly && !any_write && !me.primary && me.primary_id == *owner) return {};
  if (*owner != cluster_.myself_id()) {
    return {false, reply::error("MOVED " + std::to_string(slot) + " " + address_of(*owner))};
  }
  return {};
}

bool Node::is_write_request(const Client& client, std::string_view name) const {
  if (name == "exec") {
    return client.in_multi && std::any_of(client.queued.begin(), client.queued.end(),
                                          [](const Command& command) { return is_write(lowercase(command[0])); });
  }
  return !client.in_multi && is_write(name);
}

std::string Node::process(Client& client, Command& args) {
  const std::string lowered = lowercase(args[0]);
  // Compared with a dozen names below: as a view, a length mismatch costs no memcmp.
  const std::string_view name = lowered;
  // QUIT comes before every other check, as in Redis: +OK, then the connection closes.
  if (name == "quit") {
    client.close_after_reply = true;
    return reply::ok();
  }
  // One command at a time, as in Redis's single thread: wait for a blocked
  // one. A primary handing over in a manual failover holds writes until it is
  // done; once it has become a replica they are redirected.
  for (;;) {
    if (busy_) {
      idle_->wait_until(kForever);
    } else if (writes_paused() && is_write_request(client, name)) {
      unpaused_->wait_until(writes_paused_until_);
    } else {
      break;
    }
  }
  busy_ = true;
  busy_since_ = env_.now();
  std::string result;
  const CommandSpec* data_spec = find_data_command(name);
  const CommandEntry* node_spec = data_spec == nullptr ? find_node_command(name) : nullptr;
  const int arity = data_spec != nullptr ? data_spec->arity : node_spec != nullptr ? node_spec->arity : 0;
  // Subcommands are commands of their own in Redis 7: checked up front too.
  const bool container = name == "cluster" || name == "client" || name == "config" || name == "command";
  std::string subcommand_error;
  if (container && args.size() >= 2 && arity_ok(arity, args.size())) {
    subcommand_error = name == "cluster" ? cluster_subcommand_error(args) : container_subcommand_error(name, args);
  }
  client.last_command = container && args.size() >= 2 ? lowered + "|" + lowercase(args[1]) : lowered;
  client.last_active = env_.now();
  if (data_spec == nullptr && node_spec == nullptr) {
    result = unknown_command_error(args);
    if (client.in_multi) client.multi_dirty = true;
  } else if (!arity_ok(arity, args.size())) {
    result = reply::wrong_arity(name);
    if (client.in_multi) client.multi_dirty = true;
  } else if (!subcommand_error.empty()) {
    result = subcommand_error;
    if (client.in_multi) client.multi_dirty = true;
  } else if (!client.authenticated && !(node_spec != nullptr && node_spec->has_flag("no_auth"))) {
    result = reply::error("NOAUTH Authentication required.");
  } else if (client.in_multi && name != "exec" && name != "discard" && name != "multi") {
    const Command* const command = &args;
    Route r = route(client, {&command, 1}, false);
    if (!r.here) {
      client.multi_dirty = true;
      result = r.error;
    } else {
      client.queued.push_back(args);
      result = reply::simple("QUEUED");
    }
  } else if (name == "exec" && client.in_multi) {
    // EXEC routes as the whole transaction, before it looks at queue-time errors.
    std::vector<const Command*> all;
    for (const auto& command : client.queued) all.push_back(&command);
    Route r = route(client, all, false);
    if (!r.here) {
      client.in_multi = false;
      client.multi_dirty = false;
      client.queued.clear();
      result = r.error;
    } else {
      result = execute_exec(client);
    }
  } else {
    const Command* const command = &args;
    Route r = route(client, {&command, 1}, name == "restore-asking");
    result = r.here ? execute(client, name, args, data_spec) : r.error;
  }
  // ASKING lasts for the next command, or for a whole MULTI ... EXEC.
  if (!client.in_multi && name != "asking") client.asking = false;
  // Keys that expired while other commands (MIGRATE, DUMP) looked them up.
  std::vector<Command> expired;
  for (auto& key : keys_.take_expired()) expired.push_back({"DEL", std::move(key)});
  propagate(expired);
  // With appendfsync always, nothing is acknowledged before it is on disk.
  aof_.sync_if_always();
  client.woff = repl_.offset;  // what WAIT must see acknowledged
  ++commands_processed_;
  busy_ = false;
  idle_->notify_all();
  return result;
}

std::string Node::execute(Client& client, std::string_view name, Command& args, const CommandSpec* data_spec) {
  if (const CommandSpec* spec = data_spec) {
    // A replica never expires keys itself: it hides them until its primary's DEL arrives.
    // Nor does a paused primary: its dataset and offset must hold still for the replica taking over.
    const ExpiryMode mode = cluster_.myself().primary && !writes_paused() ? ExpiryMode::active : ExpiryMode::hidden;
    CommandOutcome outcome = execute_data_command(*spec, keys_, env_.now(), std::move(args), mode);
    propagate(outcome.propagate);
    return outcome.reply;
  }
  if (name == "asking") {
    if (!config_.cluster_enabled) return reply::error("ERR This instance has cluster support disabled");
    client.asking = true;
    return reply::ok();
  }
  if (name == "readonly" || name == "readwrite") {
    if (!config_.cluster_enabled) return reply::error("ERR This instance has cluster support disabled");
    client.readonly = name == "readonly";
    return reply::ok();
  }
  if (name == "multi") {
    if (client.in_multi) return reply::error("ERR MULTI calls can not be nested");
    client.in_multi = true;
    client.multi_dirty = false;
    client.queued.clear();
    return reply::ok();
  }
  if (name == "discard") {
    if (!client.in_multi) return reply::error("ERR DISCARD without MULTI");
    client.in_multi = false;
    client.queued.clear();
    return reply::ok();
  }
  if (name == "exec") return execute_exec(client);
  if (name == "cluster") return cluster_command(client, args);
  if (name == "wait") return wait_command(client, args);
  if (name == "replconf") return replconf_command(client, args);
  if (name == "psync" || name == "sync") return reply::error("ERR Command not allowed inside a transaction");
  if (name == "info") return info_reply(args);
  if (name == "auth") return auth_command(client, args);
  if (name == "hello") return hello_command(client, args);
  if (name == "command") return command_command(args);
  if (name == "client") return client_command(client, args);
  if (name == "config") return config_command(args);
  if (name == "select") {
    if (args[1] == "0") return reply::ok();
    if (config_.cluster_enabled) return reply::error("ERR SELECT is not allowed in cluster mode");
    return reply::error("ERR DB index is out of range");
  }
  if (name == "flushall") {
    keys_.clear();
    propagate({{"FLUSHALL"}});
    return reply::ok();
  }
  if (name == "migrate") return migrate_command(args);
  if (name == "dump") return dump_command(args);
  if (name == "restore" || name == "restore-asking") return restore_command(args);
  return unknown_command_error(args);
}

std::string Node::execute_exec(Client& client) {
  if (!client.in_multi) return reply::error("ERR EXEC without MULTI");
  client.in_multi = false;
  std::vector<Command> queued = std::move(client.queued);
  client.queued.clear();
  if (client.multi_dirty) {
    client.multi_dirty = false;
    return reply::error("EXECABORT Transaction discarded because of previous errors.");
  }
  // The transaction's effects reach the AOF as one MULTI ... EXEC block, so a
  // crash never replays half of it.
  std::vector<Command> effects;
  transaction_effects_ = &effects;
  std::string out = reply::array_header(queued.size());
  for (auto& command : queued) {
    const std::string name = lowercase(command[0]);
    out += execute(client, name, command, find_data_command(name));
  }
  transaction_effects_ = nullptr;
  if (effects.size() > 1) {
    effects.insert(effects.begin(), Command{"MULTI"});
    effects.push_back(Command{"EXEC"});
  }
  propagate(effects);
  return out;
}

}  // namespace slotsim::node
