// slotsim check: one history file (JSON lines) in, one verdict line out.
// Exit codes: 0 valid, 1 invalid, 3 unknown (search budget ran out), 2 bad
// input or usage. Errors go to stderr as FILE:LINE[:COLUMN]: message.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "checker/history.h"
#include "checker/history_json.h"
#include "checker/linearizability.h"
#include "checker/list_append.h"
#include "cli/commands.h"
#include "cli/options.h"

namespace slotsim::cli {

namespace {

constexpr int kExitValid = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitUnknown = 3;

// The whole file, or stdin for "-"; nullopt (message printed) when unreadable.
std::optional<std::string> read_input(const std::string& path) {
  if (path == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "slotsim check: cannot open {}: {}\n", path, std::strerror(errno));
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    fmt::print(stderr, "slotsim check: cannot read {}: {}\n", path, std::strerror(errno));
    return std::nullopt;
  }
  return text;
}

int bad_input(const std::string& path, const checker::InputError& error) {
  if (error.column > 0) {
    fmt::print(stderr, "slotsim check: {}:{}:{}: {}\n", path, error.line, error.column, error.message);
  } else {
    fmt::print(stderr, "slotsim check: {}:{}: {}\n", path, error.line, error.message);
  }
  return kExitBadInput;
}

// A positive decimal count; Boost would take "-1" for an unsigned as 2^64-1.
std::optional<std::uint64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n == 0) return std::nullopt;
  return n;
}

}  // namespace

int check_command(const std::vector<std::string>& args) {
  po::options_description options("check options");
  std::string model;
  std::string budget_text = std::to_string(checker::kDefaultStepBudget);
  std::string path;
  options.add_options()
      ("model", po::value(&model)->required(), "register (read/write/cas: linearizability per key) or "
                                               "list-append (append/read: lost, duplicate, reordered, phantom)")
      ("budget", po::value(&budget_text)->default_value(budget_text),
       "register: search steps allowed per key; past it the verdict is unknown (exit 3)")
      ("history", po::value(&path)->required(), "the history, JSON lines (also the first positional argument; - is stdin)");
  po::positional_options_description positional;
  positional.add("history", 1);
  int exit_code = 0;
  auto vm = parse_options("check", "--model register|list-append [--budget N] HISTORY_FILE", options, args,
                          exit_code, &positional);
  if (!vm) return exit_code;
  if (model != "register" && model != "list-append") {
    fmt::print(stderr, "slotsim check: --model must be register or list-append, got '{}'\n", model);
    return kExitBadInput;
  }
  const auto budget = parse_count(budget_text);
  if (!budget) {
    fmt::print(stderr, "slotsim check: --budget must be a positive integer, got '{}'\n", budget_text);
    return kExitBadInput;
  }

  const auto text = read_input(path);
  if (!text) return kExitBadInput;
  const checker::ParsedHistory parsed = checker::parse_history_jsonl(*text);
  if (parsed.error) return bad_input(path, *parsed.error);
  const checker::PairedHistory paired = checker::pair_operations(parsed.history);
  if (paired.error) return bad_input(path, *paired.error);

  checker::CheckResult result;
  if (model == "register") {
    if (auto error = checker::validate_register_operations(paired.operations)) return bad_input(path, *error);
    checker::LinearizabilityOptions check_options;
    check_options.step_budget_per_key = *budget;
    result = checker::check_register(paired.operations, check_options);
  } else {
    if (auto error = checker::validate_list_append_operations(paired.operations)) return bad_input(path, *error);
    result = checker::check_list_append(paired.operations);
  }
  fmt::print("{}\n", checker::verdict_line(result));
  switch (result.verdict) {
    case checker::Verdict::valid: return kExitValid;
    case checker::Verdict::invalid: return kExitInvalid;
    case checker::Verdict::unknown: return kExitUnknown;
  }
  return kExitUnknown;
}

}  // namespace slotsim::cli
