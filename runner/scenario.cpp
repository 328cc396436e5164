#include "runner/scenario.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <toml.hpp>

namespace slotsim::runner {

namespace {

// Which end of a migration a phase fault strikes (runner/scenario.h).
constexpr std::initializer_list<const char*> kPhaseFaultSides = {"source", "target", "both", "source_shard",
                                                                 "target_shard"};

// "file:line: field 'workload.clients': expected ..., got ..."
[[noreturn]] void fail(const toml::value& where, const std::string& field, const std::string& what) {
  const auto location = where.location();
  throw ScenarioError(location.file_name() + ":" + std::to_string(location.line()) + ": field '" + field + "': " +
                      what);
}

const char* type_name(const toml::value& v) {
  if (v.is_string()) return "a string";
  if (v.is_integer()) return "an integer";
  if (v.is_floating()) return "a number";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "an array";
  if (v.is_table()) return "a table";
  return "something else";
}

// The fields of a table, checked against the ones the scenario format knows.
class Table {
 public:
  Table(const toml::value& value, std::string path) : value_(value), path_(std::move(path)) {
    if (!value_.is_table()) fail(value_, path_, std::string("expected a table, got ") + type_name(value_));
  }
  void allow(std::initializer_list<const char*> names) {
    std::set<std::string> known(names.begin(), names.end());
    std::vector<std::string> keys;
    for (const auto& [key, v] : value_.as_table()) keys.push_back(key);  // sorted below: the map is unordered
    std::sort(keys.begin(), keys.end());
    for (const auto& key : keys) {
      if (known.count(key) != 0) continue;
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      fail(value_.as_table().at(key), field(key), "unknown field (expected one of: " + list + ")");
    }
  }
  bool has(const std::string& key) const { return value_.as_table().count(key) != 0; }
  const toml::value& at(const std::string& key) const { return value_.as_table().at(key); }
  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
    if (!has(key)) return fallback;
    const auto& v = at(key);
    if (!v.is_integer()) fail(v, field(key), std::string("expected an integer, got ") + type_name(v));
    const auto n = v.as_integer();
    if (n < min || n > max) {
      fail(v, field(key), "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                              ", got " + std::to_string(n));
    }
    return n;
  }
  double number(const std::string& key, double fallback, double min, double max) const {
    if (!has(key)) return fallback;
    const auto& v = at(key);
    double x = 0;
    if (v.is_floating()) x = v.as_floating();
    else if (v.is_integer()) x = static_cast<double>(v.as_integer());
    else fail(v, field(key), std::string("expected a number, got ") + type_name(v));
    if (x < min || x > max) fail(v, field(key), "expected a number from " + std::to_string(min) + " to " + std::to_string(max));
    return x;
  }
  std::string text(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const auto& v = at(key);
    if (!v.is_string()) fail(v, field(key), std::string("expected a string, got ") + type_name(v));
    return v.as_string().str;
  }
  std::string choice(const std::string& key, const std::string& fallback, std::initializer_list<const char*> options) const {
    const std::string value = text(key, fallback);
    for (const char* option : options) {
      if (value == option) return value;
    }
    std::string list;
    for (const char* option : options) list += std::string(list.empty() ? "" : ", ") + "\"" + option + "\"";
    fail(at(key), field(key), "expected one of " + list + ", got \"" + value + "\"");
  }
  Nanos duration(const std::string& key, Nanos fallback) const {
    if (!has(key)) return fallback;
    const std::string value = text(key, "");
    Nanos out = 0;
    if (!parse_duration(value, out)) {
      fail(at(key), field(key), "expected a duration such as \"2.5s\", \"300ms\" or \"1m\", got \"" + value + "\"");
    }
    return out;
  }
  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const auto& v = at(key);
    if (!v.is_boolean()) fail(v, field(key), std::string("expected true or false, got ") + type_name(v));
    return v.as_boolean();
  }
  // A duration that may be negative ("-200ms"), for clock offsets.
  Nanos signed_duration(const std::string& key, Nanos fallback) const {
    if (!has(key)) return fallback;
    std::string value = text(key, "");
    const bool negative = !value.empty() && value[0] == '-';
    Nanos out = 0;
    if (!parse_duration(negative ? std::string_view(value).substr(1) : std::string_view(value), out)) {
      fail(at(key), field(key), "expected a duration such as \"-200ms\" or \"1.5s\", got \"" + value + "\"");
    }
    return negative ? -out : out;
  }
  // [lo, hi] as a two-element array; both left alone when absent.
  void int_range(const std::string& key, std::int64_t min, std::int64_t max, int& lo, int& hi) const {
    if (!has(key)) return;
    const auto& v = at(key);
    if (!v.is_array() || v.as_array().size() != 2 || !v.as_array()[0].is_integer() || !v.as_array()[1].is_integer()) {
      fail(v, field(key), "expected [low, high], two integers");
    }
    const auto a = v.as_array()[0].as_integer(), b = v.as_array()[1].as_integer();
    if (a < min || b > max || a > b) {
      fail(v, field(key), "expected " + std::to_string(min) + " <= low <= high <= " + std::to_string(max));
    }
    lo = static_cast<int>(a);
    hi = static_cast<int>(b);
  }
  void duration_range(const std::string& key, Nanos& lo, Nanos& hi) const {
    if (!has(key)) return;
    const auto& v = at(key);
    Nanos a = 0, b = 0;
    if (!v.is_array() || v.as_array().size() != 2 || !v.as_array()[0].is_string() || !v.as_array()[1].is_string() ||
        !parse_duration(v.as_array()[0].as_string().str, a) || !parse_duration(v.as_array()[1].as_string().str, b) ||
        a > b) {
      fail(v, field(key), "expected [\"low\", \"high\"], two durations with low <= high");
    }
    lo = a;
    hi = b;
  }
  std::vector<std::string> strings(const std::string& key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const auto& v = at(key);
    if (!v.is_array()) fail(v, field(key), std::string("expected an array of strings, got ") + type_name(v));
    for (const auto& item : v.as_array()) {
      if (!item.is_string()) fail(item, field(key), std::string("expected strings in the array, got ") + type_name(item));
      out.push_back(item.as_string().str);
    }
    return out;
  }
  const toml::value& value() const { return value_; }

 private:
  const toml::value& value_;
  std::string path_;
};

// "n1".."nN" for the scenario's shape, spelled exactly so (no "n01"): the
// name is used as is to find the node.
bool valid_node_name(const std::string& name, const Scenario& s) {
  int index = 0;
  return name.size() >= 2 && name[0] == 'n' && name[1] != '0' &&
         std::from_chars(name.data() + 1, name.data() + name.size(), index).ptr == name.data() + name.size() &&
         index >= 1 && index <= s.node_count();
}

std::string node_name(const Table& t, const std::string& key, const Scenario& s) {
  const std::string name = t.text(key, "");
  if (!valid_node_name(name, s)) {
    fail(t.has(key) ? t.at(key) : t.value(), t.field(key),
         "expected a node name n1..n" + std::to_string(s.node_count()) + ", got \"" + name + "\"");
  }
  return name;
}

// The highest n<i> a scenario names (0 when none), so a swarm cannot draw a
// cluster without it.
int highest_named_node(const Scenario& s) {
  int highest = 0;
  auto note = [&](const std::string& name) {
    int index = 0;
    if (name.size() > 1 && std::from_chars(name.data() + 1, name.data() + name.size(), index).ec == std::errc()) {
      highest = std::max(highest, index);
    }
  };
  for (const auto& step : s.plan) {
    note(step.to);
    note(step.node);
  }
  for (const auto& fault : s.faults) {
    note(fault.node);
    for (const auto& group : fault.groups) {
      for (const auto& name : group) note(name);
    }
  }
  return highest;
}

}  // namespace

bool Scenario::forbids(const std::string& invariant) const {
  return forbid.empty() || std::find(forbid.begin(), forbid.end(), invariant) != forbid.end();
}

bool parse_duration(std::string_view text, Nanos& out) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) return false;
  const std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  double scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "s") scale = 1e9;
  else if (unit == "m") scale = 60e9;
  else return false;
  const double nanos = value * scale;
  if (nanos > 1e18) return false;
  out = static_cast<Nanos>(nanos);
  return true;
}

Scenario parse_scenario(const std::string& text, const std::string& file_name) {
  toml::value data;
  try {
    std::istringstream in(text);
    data = toml::parse(in, file_name);
  } catch (const std::exception& e) {
    throw ScenarioError(std::string("bad TOML: ") + e.what());
  }
  Scenario s;
  s.workload.think_time = ms(20);
  s.file = file_name;
  s.text = text;
  Table root(data, "");
  root.allow({"name", "description", "duration", "cluster", "network", "workload", "operator", "faults", "nemesis",
              "swarm", "expect"});
  const auto slash = file_name.find_last_of('/');
  std::string stem = file_name.substr(slash == std::string::npos ? 0 : slash + 1);
  if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".toml") stem.resize(stem.size() - 5);
  s.name = root.text("name", stem);
  s.description = root.text("description", "");
  s.duration = root.duration("duration", s.duration);
  if (root.has("cluster")) {
    Table c(root.at("cluster"), "cluster");
    c.allow({"primaries", "replicas", "empty_primaries", "node_timeout", "appendfsync", "asking", "migration_state_replication",
             "buggify", "bug"});
    s.primaries = static_cast<int>(c.integer("primaries", s.primaries, 1, 20));
    s.replicas = static_cast<int>(c.integer("replicas", s.replicas, 0, 5));
    s.empty_primaries = static_cast<int>(c.integer("empty_primaries", s.empty_primaries, 0, 5));
    s.node_timeout = c.duration("node_timeout", s.node_timeout);
    s.appendfsync = *node::parse_appendfsync(c.choice("appendfsync", "always", {"always", "everysec", "no"}));
    s.variants.set("asking", c.choice("asking", "required", {"required", "none"}));
    s.variants.set("migration_state_replication", c.choice("migration_state_replication", "on", {"off", "on"}));
    s.buggify = c.boolean("buggify", false);
    // One zoo bug as a string, or several as an array (README: the bug zoo).
    if (c.has("bug")) {
      const auto& v = c.at("bug");
      const std::vector<std::string> names = v.is_string() ? std::vector<std::string>{v.as_string().str} : c.strings("bug");
      for (const std::string& name : names) {
        if (auto error = s.variants.enable_bug(name)) fail(v, "cluster.bug", *error);
      }
    }
  }
  if (root.has("network")) {
    Table n(root.at("network"), "network");
    n.allow({"latency", "min", "max", "mean"});
    const std::string kind = n.choice("latency", "uniform", {"uniform", "constant", "exponential"});
    s.latency.kind = kind == "uniform"    ? sim::LatencyModel::Kind::uniform
                     : kind == "constant" ? sim::LatencyModel::Kind::constant
                                          : sim::LatencyModel::Kind::exponential;
    s.latency.min = n.duration("min", s.latency.min);
    s.latency.max = n.duration("max", kind == "constant" ? s.latency.min : s.latency.max);
    s.latency.mean = n.duration("mean", s.latency.mean);
    if (s.latency.max < s.latency.min) {
      fail(n.has("max") ? n.at("max") : n.at("min"), "network.max",
           "expected max >= min (max defaults to " + std::to_string(s.latency.max / 1000) + "us)");
    }
  }
  if (root.has("workload")) {
    Table w(root.at("workload"), "workload");
    w.allow({"kind", "clients", "client_kind", "keys", "key_count", "think_time", "read_fraction", "wait_replicas"});
    workload::parse_workload_kind(w.choice("kind", "list-append", {"list-append", "register", "counter"}),
                                  s.workload.kind);
    s.clients = static_cast<int>(w.integer("clients", s.clients, 1, 200));
    client::parse_client_kind(w.choice("client_kind", "smart", {"smart", "dumb", "no_asking"}), s.workload.client_kind);
    s.workload.key_names = w.strings("keys");
    s.workload.keys = static_cast<int>(w.integer("key_count", s.workload.keys, 1, 100000));
    s.workload.think_time = w.duration("think_time", s.workload.think_time);
    s.workload.read_fraction = w.number("read_fraction", s.workload.read_fraction, 0, 1);
    s.workload.wait_replicas = static_cast<int>(w.integer("wait_replicas", s.workload.wait_replicas, 0, 10));
  }
  if (root.has("operator")) {
    const auto& steps = root.at("operator");
    if (!steps.is_array()) fail(steps, "operator", "expected an array of tables ([[operator]])");
    for (std::size_t i = 0; i < steps.as_array().size(); ++i) {
      Table t(steps.as_array()[i], "operator[" + std::to_string(i) + "]");
      t.allow({"at", "action", "slot", "to", "node", "mode", "keys", "batch"});
      OperatorStep step;
      step.at = t.duration("at", 0);
      step.action = t.choice("action", "", {"move_slot", "begin_move", "failover", "fix"});
      if (step.action == "move_slot" || step.action == "begin_move") {
        step.slot = static_cast<int>(t.integer("slot", -1, 0, 16383));
        if (step.slot < 0) fail(t.value(), t.field("slot"), step.action + " needs a slot (0..16383)");
        step.to = node_name(t, "to", s);
        step.keys = static_cast<int>(t.integer("keys", 0, 0, 1000000));
        step.batch = static_cast<int>(t.integer("batch", 10, 1, 100000));
      } else if (step.action == "failover") {
        step.node = node_name(t, "node", s);
        step.mode = t.choice("mode", "", {"", "force", "takeover"});
      }
      s.plan.push_back(std::move(step));
    }
  }
  if (root.has("faults")) {
    const auto& steps = root.at("faults");
    if (!steps.is_array()) fail(steps, "faults", "expected an array of tables ([[faults]])");
    for (std::size_t i = 0; i < steps.as_array().size(); ++i) {
      Table t(steps.as_array()[i], "faults[" + std::to_string(i) + "]");
      t.allow({"at", "phase", "side", "action", "node", "groups", "duration", "offset", "drift_ppm", "factor"});
      FaultStep step;
      step.action = t.choice("action", "", {"crash", "restart", "pause", "resume", "isolate", "partition", "heal",
                                            "clock_skew", "slow", "clog", "reset"});
      if (t.has("phase")) {
        if (t.has("at")) fail(t.at("at"), t.field("at"), "give either at or phase, not both");
        step.phase = t.choice("phase", "", {"after_importing", "after_migrating", "midway", "between_setslot_node",
                                            "during_broadcast"});
        step.side = t.choice("side", "source", kPhaseFaultSides);
        const std::set<std::string> on_nodes = {"crash", "pause", "isolate", "slow", "clog", "reset"};
        if (on_nodes.count(step.action) == 0) {
          fail(t.at("action"), t.field("action"),
               "a phase fault crashes, pauses, isolates, slows, clogs or resets a node (got \"" + step.action + "\")");
        }
      } else {
        step.at = t.duration("at", 0);
      }
      if (step.action == "partition") {
        if (!t.has("groups") || !t.at("groups").is_array()) {
          fail(t.value(), t.field("groups"), "a partition needs groups = [[\"n1\"], [\"n2\", \"n3\"]]");
        }
        for (const auto& group : t.at("groups").as_array()) {
          if (!group.is_array()) fail(group, t.field("groups"), "expected arrays of node names");
          std::vector<std::string> names;
          for (const auto& name : group.as_array()) {
            if (!name.is_string() || !valid_node_name(name.as_string().str, s)) {
              fail(name, t.field("groups"), "expected node names n1..n" + std::to_string(s.node_count()));
            }
            names.push_back(name.as_string().str);
          }
          step.groups.push_back(std::move(names));
        }
        if (step.groups.size() < 2) {
          fail(t.at("groups"), t.field("groups"), "a partition needs at least two groups");
        }
      } else if (step.action != "heal" && step.phase.empty()) {
        step.node = node_name(t, "node", s);
      }
      step.duration = t.duration("duration", 0);
      step.offset = t.signed_duration("offset", 0);
      step.drift_ppm = t.integer("drift_ppm", 0, -100000, 100000);
      step.factor = t.number("factor", 10, 1, 1000);
      s.faults.push_back(std::move(step));
    }
  }
  if (root.has("nemesis")) {
    const auto& generators = root.at("nemesis");
    if (!generators.is_array()) fail(generators, "nemesis", "expected an array of tables ([[nemesis]])");
    for (std::size_t i = 0; i < generators.as_array().size(); ++i) {
      Table t(generators.as_array()[i], "nemesis[" + std::to_string(i) + "]");
      t.allow({"action", "every", "duration", "targets", "start", "stop"});
      NemesisSpec g;
      g.action = t.choice("action", "", {"crash", "pause", "isolate", "partition", "clock_skew", "slow", "clog",
                                         "reset"});
      g.every = t.duration("every", g.every);
      if (g.every < ms(1)) fail(t.at("every"), t.field("every"), "expected at least 1ms");
      g.duration = t.duration("duration", g.duration);
      g.targets = t.choice("targets", "any", {"any", "primaries", "replicas"});
      g.start = t.duration("start", 0);
      g.stop = t.duration("stop", 0);
      s.nemesis.push_back(std::move(g));
    }
  }
  if (root.has("swarm")) {
    Table w(root.at("swarm"), "swarm");
    w.allow({"primaries", "replicas", "empty_primaries", "clients", "node_timeout", "nemesis", "buggify", "phase_faults",
             "phase_fault_duration", "phase_fault_actions", "phase_fault_sides", "appendfsync", "client_kind", "latency_max"});
    s.swarm.enabled = true;
    w.int_range("primaries", 1, 20, s.swarm.primaries_min, s.swarm.primaries_max);
    w.int_range("replicas", 0, 5, s.swarm.replicas_min, s.swarm.replicas_max);
    w.int_range("empty_primaries", 0, 5, s.swarm.empty_primaries_min, s.swarm.empty_primaries_max);
    w.int_range("clients", 1, 200, s.swarm.clients_min, s.swarm.clients_max);
    w.duration_range("node_timeout", s.swarm.node_timeout_min, s.swarm.node_timeout_max);
    s.swarm.nemesis = w.boolean("nemesis", true);
    s.swarm.buggify = w.boolean("buggify", true);
    w.int_range("phase_faults", 0, 10, s.swarm.phase_faults_min, s.swarm.phase_faults_max);
    w.duration_range("phase_fault_duration", s.swarm.phase_fault_duration_min, s.swarm.phase_fault_duration_max);
    if (s.swarm.phase_fault_duration_min <= 0) {
      fail(w.at("phase_fault_duration"), "swarm.phase_fault_duration", "expected a low bound above 0");
    }
    auto options = [&](const std::string& key, std::initializer_list<const char*> allowed) {
      std::vector<std::string> values = w.strings(key);
      for (const std::string& value : values) {
        if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; })) {
          std::string list;
          for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + a + "\"";
          fail(w.at(key), "swarm." + key, "expected values from " + list + ", got \"" + value + "\"");
        }
      }
      return values;
    };
    s.swarm.phase_fault_actions = options("phase_fault_actions", {"crash", "pause", "isolate", "clog"});
    s.swarm.phase_fault_sides = options("phase_fault_sides", kPhaseFaultSides);
    s.swarm.appendfsync = options("appendfsync", {"always", "everysec", "no"});
    s.swarm.client_kind = options("client_kind", {"smart", "dumb", "no_asking"});
    w.duration_range("latency_max", s.swarm.latency_max_min, s.swarm.latency_max_max);
    if (s.swarm.latency_max_max > 0 &&
        (s.latency.kind != sim::LatencyModel::Kind::uniform || s.swarm.latency_max_min < s.latency.min)) {
      fail(w.at("latency_max"), "swarm.latency_max",
           "expected a uniform [network] latency whose min is at most the range's low bound");
    }
    // Named nodes must exist in the smallest cluster the swarm may draw.
    const int fewest = (s.swarm.primaries_min > 0 ? s.swarm.primaries_min : s.primaries) *
                       (1 + (s.swarm.replicas_min >= 0 ? s.swarm.replicas_min : s.replicas));
    if (highest_named_node(s) > fewest) {
      fail(w.value(), "swarm", "the smallest cluster it allows has " + std::to_string(fewest) +
                                   " nodes, but the scenario names n" + std::to_string(highest_named_node(s)));
    }
  }
  if (root.has("expect")) {
    Table e(root.at("expect"), "expect");
    e.allow({"verdict", "invariant", "forbid"});
    s.expect_pass = e.choice("verdict", "pass", {"pass", "fail"}) == "pass";
    s.expect_invariant = e.text("invariant", "");
    s.forbid = e.strings("forbid");
    if (!s.expect_pass && s.expect_invariant.empty()) {
      fail(e.value(), "expect.invariant", "a scenario expected to fail must name the invariant it breaks");
    }
  }
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path + ": cannot open the scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace slotsim::runner
