#include "workload/workload.h"

#include "workload/history_reply.h"

namespace slotsim::workload {

namespace {

using checker::EventType;
using checker::Function;
using checker::Value;

EventType event_of(client::Outcome outcome) {
  switch (outcome) {
    case client::Outcome::ok: return EventType::ok;
    case client::Outcome::fail: return EventType::fail;
    case client::Outcome::info: return EventType::info;
  }
  return EventType::info;
}

}  // namespace

bool parse_workload_kind(std::string_view text, WorkloadKind& out) {
  if (text == "list-append") out = WorkloadKind::list_append;
  else if (text == "register") out = WorkloadKind::register_value;
  else if (text == "counter") out = WorkloadKind::counter;
  else return false;
  return true;
}

const char* to_string(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::list_append: return "list-append";
    case WorkloadKind::register_value: return "register";
    case WorkloadKind::counter: return "counter";
  }
  return "?";
}

std::size_t HistoryRecorder::record(std::int64_t process, EventType type, Function f, const std::string& key,
                                    Value value) {
  checker::Event e;
  e.process = process;
  e.type = type;
  e.f = f;
  e.key = key;
  e.value = std::move(value);
  e.time_ns = clock_();
  history_.push_back(std::move(e));
  return type == EventType::invoke ? started_++ : started_;
}

void HistoryRecorder::note_ack(std::size_t operation, const Address& node) {
  if (!probe_) return;
  if (auto ack = probe_(node)) {
    ack->time = clock_();
    // Operations mostly complete in the order they started: the end is the usual place.
    acks_.insert_or_assign(acks_.end(), operation, std::move(*ack));
  }
}

std::string key_generation_name(const std::string& key, int generation) {
  if (generation == 0) return key;
  // Redis hashes the text between the first '{' and the first '}' after it when non-empty.
  const auto open = key.find('{');
  const auto close = open == std::string::npos ? std::string::npos : key.find('}', open + 1);
  const std::string suffix = ":g" + std::to_string(generation);
  if (close != std::string::npos && close > open + 1) return key + suffix;
  if (key.find_first_of("{}") == std::string::npos) return "{" + key + "}" + suffix;
  return {};
}

HistoryRecorder::Generation& HistoryRecorder::generation_of(const std::string& key) {
  auto it = generations_.find(key);
  if (it == generations_.end()) it = generations_.emplace(key, Generation{0, 0, key, {}}).first;
  return it->second;
}

const std::string& HistoryRecorder::append_key(const std::string& key, int appends_per_key) {
  Generation& g = generation_of(key);
  if (appends_per_key > 0 && g.appends >= appends_per_key) {
    std::string next = key_generation_name(key, g.number + 1);
    if (!next.empty()) {
      g.previous = std::move(g.current);
      g.current = std::move(next);
      ++g.number;
      g.appends = 0;
    }
  }
  ++g.appends;
  return g.current;
}

const std::string& HistoryRecorder::read_key(const std::string& key, bool previous) {
  Generation& g = generation_of(key);
  return previous && !g.previous.empty() ? g.previous : g.current;
}

bool HistoryRecorder::has_previous_generation(const std::string& key) const {
  const auto it = generations_.find(key);
  return it != generations_.end() && !it->second.previous.empty();
}

std::vector<std::string> HistoryRecorder::generation_names(const std::string& key) const {
  const auto it = generations_.find(key);
  const int last = it == generations_.end() ? 0 : it->second.number;
  std::vector<std::string> names;
  for (int g = 0; g <= last; ++g) names.push_back(key_generation_name(key, g));
  return names;
}

std::vector<std::string> workload_keys(const WorkloadOptions& options) {
  if (!options.key_names.empty()) return options.key_names;
  std::vector<std::string> keys;
  for (int i = 0; i < options.keys; ++i) keys.push_back("key:" + std::to_string(i));
  return keys;
}

void run_client(Env& env, const WorkloadOptions& options, std::int64_t process, HistoryRecorder& recorder,
                const bool* stop) {
  client::ClusterClientOptions client_options;
  client_options.kind = options.client_kind;
  client_options.seeds = options.seeds;
  client::ClusterClient client(env, client_options);
  const std::vector<std::string> keys = workload_keys(options);
  // Values unique in the run: the client's number, then its own counter.
  std::int64_t next_value = process * 1'000'000'000LL;
  const bool rotate = options.kind == WorkloadKind::list_append && options.appends_per_key > 0;
  HistoryReplyReader reader;
  std::vector<std::string> args;  // reassigned per operation, its buffer kept
  while (!*stop) {
    const std::string& base = keys[env.random_below(keys.size())];
    const bool read = static_cast<double>(env.random_below(1'000'000)) < options.read_fraction * 1e6;
    // One read in four of a rotated key checks the generation before: its last
    // appends would otherwise never be read.
    const std::string key =
        !rotate ? base
        : read  ? recorder.read_key(base, recorder.has_previous_generation(base) && env.random_below(4) == 0)
                : recorder.append_key(base, options.appends_per_key);
    Function f = read ? Function::read : (options.kind == WorkloadKind::list_append ? Function::append : Function::write);
    Value argument;
    if (read && options.kind == WorkloadKind::list_append) {
      args = {"LRANGE", key, "0", "-1"};
    } else if (read) {
      args = {"GET", key};
    } else if (options.kind == WorkloadKind::counter) {
      args = {"INCR", key};
    } else {
      const std::int64_t value = ++next_value;
      argument = Value::of(value);
      args = {options.kind == WorkloadKind::list_append ? "RPUSH" : "SET", key, std::to_string(value)};
    }
    const std::size_t operation = recorder.record(process, EventType::invoke, f, key, argument);
    const Nanos deadline = saturating_add(env.now(), options.op_timeout);
    // Reads and INCRs complete with what the node answered.
    const bool answers_value = read || options.kind == WorkloadKind::counter;
    const client::ClusterResult result = client.call(args, deadline, answers_value ? &reader : nullptr);
    Value completion = argument;
    if (answers_value && result.outcome == client::Outcome::ok) completion = reader.take();
    recorder.record(process, event_of(result.outcome), f, key, completion);
    // Reads too: a read answered by a deposed primary is allowed to be stale (checker::deposed_reads).
    if (result.outcome == client::Outcome::ok) recorder.note_ack(operation, result.served_by);
    if (!read && result.outcome == client::Outcome::ok && options.wait_replicas > 0) {
      client.call_node(result.served_by,
                       {"WAIT", std::to_string(options.wait_replicas),
                        std::to_string(options.wait_timeout / 1'000'000)},
                       saturating_add(env.now(), options.wait_timeout + seconds(1)));
    }
    env.sleep(options.think_time);
  }
}

}  // namespace slotsim::workload
