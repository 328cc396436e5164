// slotsim shell: a simulated cluster driven line by line from stdin.
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/parse.h"
#include "cluster/sim_cluster.h"
#include "node/resp_parser.h"

namespace slotsim::cli {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// Runs one ":action args" line; returns an error message or "".
std::string run_action(cluster::SimCluster& sim, const std::string& line) {
  const auto space = line.find(' ');
  const std::string action = line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
  const std::string rest = space == std::string::npos ? "" : trim(line.substr(space + 1));
  auto need_node = [&]() -> std::string {
    if (!sim.has_node(rest)) return fmt::format(":{} needs a node name (n1..n{}), got '{}'", action, sim.names().size(), rest);
    return "";
  };
  if (action == "sleep") {
    auto duration = parse_duration(rest);
    if (!duration) return fmt::format(":sleep needs a duration such as 500ms or 5s, got '{}'", rest);
    sim.world().run_for(*duration);
  } else if (action == "crash" || action == "restart" || action == "pause" || action == "resume") {
    if (auto error = need_node(); !error.empty()) return error;
    const auto id = sim.process(rest);
    if (action == "crash") sim.world().crash(id);
    if (action == "restart") sim.world().restart(id);
    if (action == "pause") sim.world().pause(id);
    if (action == "resume") sim.world().resume(id);
  } else if (action == "partition") {
    std::vector<std::vector<std::string>> groups;
    for (const auto& group : split(rest, '|')) {
      groups.emplace_back();
      for (const auto& name : split(group, ',')) {
        const std::string node = trim(name);
        if (!sim.has_node(node)) return fmt::format(":partition: unknown node '{}' (groups look like n1,n4|n2,n3)", node);
        groups.back().push_back(node);
      }
    }
    if (groups.size() < 2) return ":partition needs at least two groups separated by '|', e.g. n1,n4|n2,n3";
    sim.world().network().partition(groups);
  } else if (action == "heal") {
    sim.world().network().heal();
  } else {
    return fmt::format("unknown action ':{}' (known: :sleep, :crash, :restart, :pause, :resume, :partition, :heal)",
                       action);
  }
  return "";
}

}  // namespace

int shell_command(const std::vector<std::string>& args) {
  po::options_description options("shell options");
  int primaries = 3;
  int replicas = 0;
  std::uint64_t seed = 1;
  std::vector<std::string> variants;
  std::string timeout_text = "5s";
  options.add_options()
      ("primaries", po::value(&primaries)->default_value(3), "number of primaries (1-100)")
      ("replicas", po::value(&replicas)->default_value(0), "replicas per primary (0-10)")
      ("seed", po::value(&seed)->default_value(1), "run seed")
      ("variant", po::value(&variants)->composing(), "protocol variant NAME=VALUE (repeatable): asking=required|none, "
                                                      "migration_state_replication=off|on")
      ("timeout", po::value(&timeout_text)->default_value("5s"), "how long (virtual) to wait for a reply")
      ("echo", "print each command line before its reply (prefixed with the virtual time in ms)");
  int exit_code = 0;
  auto vm = parse_options("shell", "[OPTIONS] < SCRIPT", options, args, exit_code);
  if (!vm) return exit_code;
  if (primaries < 1 || primaries > 100 || replicas < 0 || replicas > 10) {
    fmt::print(stderr, "slotsim shell: --primaries must be 1-100 and --replicas 0-10\n");
    return 2;
  }
  auto timeout = parse_duration(timeout_text);
  if (!timeout) {
    fmt::print(stderr, "slotsim shell: --timeout '{}' is not a duration\n", timeout_text);
    return 2;
  }
  cluster::SimClusterOptions cluster_options;
  cluster_options.primaries = primaries;
  cluster_options.replicas = replicas;
  cluster_options.world.seed = seed;
  for (const auto& variant : variants) {
    const auto eq = variant.find('=');
    auto error = eq == std::string::npos
                     ? std::optional<std::string>("--variant takes NAME=VALUE, got '" + variant + "'")
                     : cluster_options.node.variants.set(variant.substr(0, eq), variant.substr(eq + 1));
    if (error) {
      fmt::print(stderr, "slotsim shell: {}\n", *error);
      return 2;
    }
  }
  cluster::SimCluster sim(cluster_options);
  const bool echo = vm->count("echo") != 0;
  int errors = 0;
  int line_number = 0;
  std::string raw;
  while (std::getline(std::cin, raw)) {
    ++line_number;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (echo) fmt::print("{}> {}\n", sim.world().now() / 1'000'000, line);
    if (line[0] == ':') {
      if (auto error = run_action(sim, line); !error.empty()) {
        fmt::print("line {}: {}\n", line_number, error);
        ++errors;
      }
      continue;
    }
    const auto space = line.find_first_of(" \t");
    const std::string target = line.substr(0, space);
    if (!sim.has_node(target)) {
      fmt::print("line {}: unknown node '{}' (nodes are n1..n{}; actions start with ':')\n", line_number, target,
                 sim.names().size());
      ++errors;
      continue;
    }
    const node::ParsedRequest parsed =
        node::parse_request(space == std::string::npos ? "\r\n" : line.substr(space + 1) + "\r\n");
    if (parsed.status != node::ParsedRequest::Status::command) {
      fmt::print("line {}: {}\n", line_number,
                 parsed.status == node::ParsedRequest::Status::error ? parsed.error : "no command after the node name");
      ++errors;
      continue;
    }
    // "$n2" stands for node n2's id, so scripts can name nodes in CLUSTER commands.
    std::vector<std::string> command = parsed.args;
    for (auto& arg : command) {
      if (arg.size() > 1 && arg[0] == '$' && sim.has_node(arg.substr(1))) arg = sim.node_id(arg.substr(1));
    }
    const client::CallResult result = sim.call(target, command, *timeout);
    if (result.error != IoError::ok) {
      fmt::print("(error) no reply from {}: {}\n", target, to_string(result.error));
      continue;
    }
    fmt::print("{}\n", node::format_redis_cli(result.reply));
  }
  return errors == 0 ? 0 : 1;
}

}  // namespace slotsim::cli
