// Redis 7.0.15's command table, cut to what the node implements (see command_table.h).
#include "node/command_table.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>  // tidy: lookup-only (find_command's index)

#include "node/reply.h"

namespace slotsim::node {

namespace {

// The one key spec most commands have: keys from argument 1 to lastkey, every keystep.
constexpr KeySpec range1(std::string_view flags, int lastkey = 0, int keystep = 1) {
  return KeySpec{flags, 1, {}, 0, lastkey, keystep, {}};
}

constexpr std::array<KeySpec, 2> one(KeySpec spec) { return {spec, KeySpec{}}; }

// A command with one range key spec.
constexpr CommandEntry keyed(std::string_view name, int arity, std::string_view flags, int first, int last, int step,
                             std::string_view acl, std::string_view tips, KeySpec spec) {
  return CommandEntry{name, arity, flags, first, last, step, acl, tips, one(spec), 1};
}

// A command without keys.
constexpr CommandEntry keyless(std::string_view name, int arity, std::string_view flags, std::string_view acl,
                               std::string_view tips = {}) {
  return CommandEntry{name, arity, flags, 0, 0, 0, acl, tips, {}, 0};
}

constexpr std::string_view kRW = "write denyoom fast";
constexpr std::string_view kRO = "readonly fast";
constexpr std::string_view kAdminSub = "admin stale no_async_loading";
constexpr std::string_view kAdminAcl = "admin slow dangerous";
constexpr std::string_view kClientSub = "noscript loading stale";
constexpr std::string_view kClientAdminSub = "admin noscript loading stale";
constexpr std::string_view kConnAcl = "slow connection";
constexpr std::string_view kConnAdminAcl = "admin slow dangerous connection";

const CommandEntry kCommands[] = {
    // Data commands (data_commands.cpp).
    keyed("append", 3, kRW, 1, 1, 1, "write string fast", "", range1("RW insert")),
    keyless("dbsize", 1, kRO, "keyspace read fast", "request_policy:all_shards response_policy:agg_sum"),
    keyed("decr", 2, kRW, 1, 1, 1, "write string fast", "", range1("RW access update")),
    keyed("decrby", 3, kRW, 1, 1, 1, "write string fast", "", range1("RW access update")),
    keyed("del", -2, "write", 1, -1, 1, "keyspace write slow", "request_policy:multi_shard response_policy:agg_sum",
          range1("RM delete", -1)),
    keyless("echo", 2, "loading stale fast", "fast connection"),
    keyed("exists", -2, kRO, 1, -1, 1, "keyspace read fast", "request_policy:multi_shard response_policy:agg_sum",
          range1("RO", -1)),
    keyed("expire", -3, "write fast", 1, 1, 1, "keyspace write fast", "", range1("RW update")),
    keyed("expireat", -3, "write fast", 1, 1, 1, "keyspace write fast", "", range1("RW update")),
    keyed("get", 2, kRO, 1, 1, 1, "read string fast", "", range1("RO access")),
    keyed("incr", 2, kRW, 1, 1, 1, "write string fast", "", range1("RW access update")),
    keyed("incrby", 3, kRW, 1, 1, 1, "write string fast", "", range1("RW access update")),
    keyed("llen", 2, kRO, 1, 1, 1, "read list fast", "", range1("RO")),
    keyed("lpop", -2, "write fast", 1, 1, 1, "write list fast", "", range1("RW access delete")),
    keyed("lpush", -3, kRW, 1, 1, 1, "write list fast", "", range1("RW insert")),
    keyed("lrange", 4, "readonly", 1, 1, 1, "read list slow", "", range1("RO access")),
    keyed("mget", -2, kRO, 1, -1, 1, "read string fast", "request_policy:multi_shard", range1("RO access", -1)),
    keyed("mset", -3, "write denyoom", 1, -1, 2, "write string slow",
          "request_policy:multi_shard response_policy:all_succeeded", range1("OW update", -1, 2)),
    keyed("persist", 2, "write fast", 1, 1, 1, "keyspace write fast", "", range1("RW update")),
    keyed("pexpire", -3, "write fast", 1, 1, 1, "keyspace write fast", "", range1("RW update")),
    keyed("pexpireat", -3, "write fast", 1, 1, 1, "keyspace write fast", "", range1("RW update")),
    keyless("ping", -1, "fast", "fast connection", "request_policy:all_shards response_policy:all_succeeded"),
    keyed("pttl", 2, kRO, 1, 1, 1, "keyspace read fast", "nondeterministic_output", range1("RO access")),
    keyed("rpop", -2, "write fast", 1, 1, 1, "write list fast", "", range1("RW access delete")),
    keyed("rpush", -3, kRW, 1, 1, 1, "write list fast", "", range1("RW insert")),
    keyed("set", -3, "write denyoom", 1, 1, 1, "write string slow", "",
          KeySpec{"RW access update variable_flags", 1, {}, 0, 0, 1, "RW and ACCESS due to the optional `GET` argument"}),
    keyed("strlen", 2, kRO, 1, 1, 1, "read string fast", "", range1("RO")),
    keyed("ttl", 2, kRO, 1, 1, 1, "keyspace read fast", "nondeterministic_output", range1("RO access")),
    keyed("type", 2, kRO, 1, 1, 1, "keyspace read fast", "", range1("RO")),
    // Node commands (node_dispatch.cpp).
    keyless("asking", 1, "fast", "fast connection"),
    keyless("readonly", 1, "loading stale fast", "fast connection"),
    keyless("readwrite", 1, "loading stale fast", "fast connection"),
    keyless("multi", 1, "noscript loading stale fast allow_busy", "fast transaction"),
    keyless("exec", 1, "noscript loading stale skip_slowlog", "slow transaction"),
    keyless("discard", 1, "noscript loading stale fast allow_busy", "fast transaction"),
    keyless("info", -1, "loading stale", "slow dangerous",
            "nondeterministic_output request_policy:all_shards response_policy:special"),
    keyless("auth", -2, "noscript loading stale fast no_auth allow_busy", "fast connection"),
    keyless("hello", -1, "noscript loading stale fast no_auth allow_busy", "fast connection"),
    keyless("quit", -1, "noscript loading stale fast no_auth allow_busy", "fast connection"),
    keyless("select", 2, "loading stale fast", "fast connection"),
    CommandEntry{"migrate", -6, "write movablekeys", 3, 3, 1, "keyspace write slow dangerous", "nondeterministic_output",
                 {KeySpec{"RW access delete", 3, {}, 0, 0, 1, {}},
                  KeySpec{"RW access delete incomplete", 0, "KEYS", -2, -1, 1, {}}},
                 2},
    keyed("dump", 2, "readonly", 1, 1, 1, "keyspace read slow", "nondeterministic_output", range1("RO access")),
    keyed("restore", -4, "write denyoom", 1, 1, 1, "keyspace write slow dangerous", "", range1("OW update")),
    keyed("restore-asking", -4, "write denyoom asking", 1, 1, 1, "keyspace write slow dangerous", "",
          range1("OW update")),
    keyless("flushall", -1, "write", "keyspace write slow dangerous",
            "request_policy:all_shards response_policy:all_succeeded"),
    keyless("wait", 3, "noscript", "slow connection", "request_policy:all_shards response_policy:agg_min"),
    keyless("replconf", -1, "admin noscript loading stale allow_busy", kAdminAcl),
    keyless("psync", -3, "admin noscript no_async_loading no_multi", kAdminAcl),
    keyless("sync", 1, "admin noscript no_async_loading no_multi", kAdminAcl),
    // Container commands: the entry, then its subcommands.
    keyless("command", -1, "loading stale", kConnAcl, "nondeterministic_output_order"),
    keyless("command|info", -2, "loading stale", kConnAcl, "nondeterministic_output_order"),
    keyless("command|count", 2, "loading stale", kConnAcl),
    keyless("command|docs", -2, "loading stale", kConnAcl, "nondeterministic_output_order"),
    keyless("command|getkeys", -4, "loading stale", kConnAcl),
    keyless("client", -2, "", "slow"),
    keyless("client|getname", 2, kClientSub, kConnAcl),
    keyless("client|setname", 3, kClientSub, kConnAcl),
    keyless("client|id", 2, kClientSub, kConnAcl),
    keyless("client|info", 2, kClientSub, kConnAcl, "nondeterministic_output"),
    keyless("client|list", -2, kClientAdminSub, kConnAdminAcl, "nondeterministic_output"),
    keyless("config", -2, "", "slow"),
    keyless("config|get", -3, "admin noscript loading stale", kAdminAcl),
    keyless("cluster", -2, "", "slow"),
    keyless("cluster|shards", 2, "stale", "slow", "nondeterministic_output"),
    keyless("cluster|set-config-epoch", 3, kAdminSub, kAdminAcl),
    keyless("cluster|keyslot", 3, "stale", "slow"),
    keyless("cluster|replicas", 3, "admin stale", kAdminAcl, "nondeterministic_output"),
    keyless("cluster|addslots", -3, kAdminSub, kAdminAcl),
    keyless("cluster|delslotsrange", -4, kAdminSub, kAdminAcl),
    keyless("cluster|slaves", 3, "admin stale", kAdminAcl, "nondeterministic_output"),
    keyless("cluster|forget", 3, kAdminSub, kAdminAcl),
    keyless("cluster|slots", 2, "stale", "slow", "nondeterministic_output"),
    keyless("cluster|count-failure-reports", 3, "admin stale", kAdminAcl, "nondeterministic_output"),
    keyless("cluster|countkeysinslot", 3, "stale", "slow"),
    keyless("cluster|meet", -4, kAdminSub, kAdminAcl),
    keyless("cluster|setslot", -4, kAdminSub, kAdminAcl),
    keyless("cluster|delslots", -3, kAdminSub, kAdminAcl),
    keyless("cluster|info", 2, "stale", "slow", "nondeterministic_output"),
    keyless("cluster|bumpepoch", 2, kAdminSub, kAdminAcl, "nondeterministic_output"),
    keyless("cluster|failover", -2, kAdminSub, kAdminAcl),
    keyless("cluster|nodes", 2, "stale", "slow", "nondeterministic_output"),
    keyless("cluster|addslotsrange", -4, kAdminSub, kAdminAcl),
    keyless("cluster|replicate", 3, kAdminSub, kAdminAcl),
    keyless("cluster|getkeysinslot", 4, "stale", "slow", "nondeterministic_output"),
    keyless("cluster|reset", -2, "admin noscript stale", kAdminAcl),
    keyless("cluster|myid", 2, "stale", "slow"),
};

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto space = text.find(' ');
    if (space != 0) out.push_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

void append_status_list(std::string& out, std::string_view list, std::string_view prefix) {
  const auto items = words(list);
  reply::append_array_header(out, items.size());
  for (auto item : items) out += "+" + std::string(prefix) + std::string(item) + "\r\n";
}

void append_key_spec(std::string& out, const KeySpec& spec) {
  reply::append_array_header(out, spec.notes.empty() ? 6 : 8);
  if (!spec.notes.empty()) {
    reply::append_bulk(out, "notes");
    reply::append_bulk(out, spec.notes);
  }
  reply::append_bulk(out, "flags");
  append_status_list(out, spec.flags, "");
  reply::append_bulk(out, "begin_search");
  reply::append_array_header(out, 4);
  reply::append_bulk(out, "type");
  if (spec.keyword.empty()) {
    reply::append_bulk(out, "index");
    reply::append_bulk(out, "spec");
    reply::append_array_header(out, 2);
    reply::append_bulk(out, "index");
    reply::append_integer(out, spec.begin_index);
  } else {
    reply::append_bulk(out, "keyword");
    reply::append_bulk(out, "spec");
    reply::append_array_header(out, 4);
    reply::append_bulk(out, "keyword");
    reply::append_bulk(out, spec.keyword);
    reply::append_bulk(out, "startfrom");
    reply::append_integer(out, spec.keyword_startfrom);
  }
  reply::append_bulk(out, "find_keys");
  reply::append_array_header(out, 4);
  reply::append_bulk(out, "type");
  reply::append_bulk(out, "range");
  reply::append_bulk(out, "spec");
  reply::append_array_header(out, 6);
  reply::append_bulk(out, "lastkey");
  reply::append_integer(out, spec.lastkey);
  reply::append_bulk(out, "keystep");
  reply::append_integer(out, spec.keystep);
  reply::append_bulk(out, "limit");
  reply::append_integer(out, 0);
}

// Unknown subcommand of a container, in Redis 7.0's words.
std::string unknown_subcommand(std::string_view parent, std::string_view sub) {
  std::string upper(parent);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return reply::error("ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " + upper + " HELP.");
}

}  // namespace

bool CommandEntry::has_flag(std::string_view flag) const {
  // The words of flags, as words() splits them, without building the list:
  // routing asks this of every command that is not a data command.
  std::string_view text = flags;
  while (!text.empty()) {
    const auto space = text.find(' ');
    if (text.substr(0, space) == flag && space != 0) return true;
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return false;
}

const CommandEntry* find_command(std::string_view lowercase_name) {
  // Every request that is not a data command looks its name up here: hashed,
  // not a scan of the table. Only looked up, never iterated; the first entry
  // of a name wins, as with the scan.
  static const std::unordered_map<std::string_view, const CommandEntry*> kByName = [] {  // tidy: lookup-only
    std::unordered_map<std::string_view, const CommandEntry*> by_name;  // tidy: lookup-only
    for (const auto& entry : kCommands) by_name.emplace(entry.name, &entry);
    return by_name;
  }();
  auto it = kByName.find(lowercase_name);
  return it == kByName.end() ? nullptr : it->second;
}

std::vector<const CommandEntry*> subcommands_of(std::string_view parent) {
  std::vector<const CommandEntry*> out;
  for (const auto& entry : kCommands) {
    if (entry.name.size() > parent.size() && entry.name.substr(0, parent.size()) == parent &&
        entry.name[parent.size()] == '|') {
      out.push_back(&entry);
    }
  }
  return out;
}

std::vector<const CommandEntry*> top_level_commands() {
  std::vector<const CommandEntry*> out;
  for (const auto& entry : kCommands) {
    if (entry.name.find('|') == std::string_view::npos) out.push_back(&entry);
  }
  return out;
}

std::size_t top_level_command_count() { return top_level_commands().size(); }

std::string command_entry_reply(const CommandEntry& entry) {
  std::string out;
  reply::append_array_header(out, 10);
  reply::append_bulk(out, entry.name);
  reply::append_integer(out, entry.arity);
  append_status_list(out, entry.flags, "");
  reply::append_integer(out, entry.first_key);
  reply::append_integer(out, entry.last_key);
  reply::append_integer(out, entry.key_step);
  append_status_list(out, entry.acl_categories, "@");
  const auto tips = words(entry.tips);
  reply::append_array_header(out, tips.size());
  for (auto tip : tips) reply::append_bulk(out, tip);
  reply::append_array_header(out, static_cast<std::size_t>(entry.key_spec_count));
  for (int i = 0; i < entry.key_spec_count; ++i) append_key_spec(out, entry.key_specs[static_cast<std::size_t>(i)]);
  const auto subs = entry.name.find('|') == std::string_view::npos ? subcommands_of(entry.name)
                                                                    : std::vector<const CommandEntry*>{};
  reply::append_array_header(out, subs.size());
  for (const CommandEntry* sub : subs) out += command_entry_reply(*sub);
  return out;
}

std::string container_subcommand_error(std::string_view lowercase_parent, const std::vector<std::string>& args) {
  std::string sub(args[1]);
  for (char& c : sub) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string full = std::string(lowercase_parent) + "|" + sub;
  const CommandEntry* entry = find_command(full);
  if (entry == nullptr || sub.find('|') != std::string::npos) return unknown_subcommand(lowercase_parent, args[1]);
  const auto argc = static_cast<int>(args.size());
  if (entry->arity > 0 ? argc != entry->arity : argc < -entry->arity) return reply::wrong_arity(full);
  return {};
}

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  auto lower = [&](char c) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
  };
  std::size_t p = 0;
  std::size_t t = 0;
  while (p < pattern.size()) {
    switch (pattern[p]) {
      case '*': {
        while (p + 1 < pattern.size() && pattern[p + 1] == '*') ++p;
        if (p + 1 == pattern.size()) return true;
        for (std::size_t start = t; start <= text.size(); ++start) {
          if (glob_match(pattern.substr(p + 1), text.substr(start), nocase)) return true;
        }
        return false;
      }
      case '?':
        if (t == text.size()) return false;
        ++t;
        break;
      case '[': {
        if (t == text.size()) return false;
        ++p;
        const bool negate = p < pattern.size() && pattern[p] == '^';
        if (negate) ++p;
        bool matched = false;
        while (p < pattern.size() && pattern[p] != ']') {
          if (pattern[p] == '\\' && p + 1 < pattern.size()) {
            ++p;
            matched = matched || lower(pattern[p]) == lower(text[t]);
          } else if (p + 2 < pattern.size() && pattern[p + 1] == '-') {
            char lo = lower(pattern[p]);
            char hi = lower(pattern[p + 2]);
            if (lo > hi) std::swap(lo, hi);
            const char c = lower(text[t]);
            matched = matched || (c >= lo && c <= hi);
            p += 2;
          } else {
            matched = matched || lower(pattern[p]) == lower(text[t]);
          }
          ++p;
        }
        if (matched == negate) return false;
        ++t;
        break;
      }
      case '\\':
        if (p + 1 < pattern.size()) ++p;
        [[fallthrough]];
      default:
        if (t == text.size() || lower(pattern[p]) != lower(text[t])) return false;
        ++t;
        break;
    }
    ++p;
  }
  return t == text.size();
}

}  // namespace slotsim::node
