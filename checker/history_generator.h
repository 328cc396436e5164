// Correct histories on demand, for tests and benchmarks: clients run against a
// real linearizable register (or list) in virtual time. Each operation gets an
// invocation, a completion, and an effect instant between the two; effects are
// applied in instant order, so the history is linearizable by construction
// (the effect instants are a witness). Timeouts (`info`) take effect half the
// time, and their client continues as a new process, as in Jepsen.
//
// Written values are unique integers, so a read names the write it saw. A cas
// expects the value last written to its key when the cas is issued, so some
// succeed and some fail (`fail`, no effect).
//
// Header-only and generic over the random source (anything with below(n) and
// chance(p), such as sim::Rng), so the checker library needs no simulator.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "checker/history.h"

namespace slotsim::checker {

struct GeneratorOptions {
  std::size_t operations = 1000;
  std::size_t keys = 10;
  std::size_t clients = 5;  // 1 gives a sequential history
  double read_fraction = 0.5;
  double cas_fraction = 0.1;   // register only; the rest write (or append)
  double info_fraction = 0.0;  // operations that time out
  Nanos latency_ns_max = 50'000;
  Nanos think_ns_max = 20'000;
};

namespace generator_detail {

struct PlannedOp {
  std::int64_t process = 0;
  Function f = Function::read;
  std::string key;
  Value argument;
  Value result;
  Outcome outcome = Outcome::ok;
  Nanos invoke_ns = 0;
  Nanos complete_ns = 0;
  Nanos effect_ns = kForever;  // kForever: never takes effect
};

template <class Rng>
History generate(Rng& rng, const GeneratorOptions& options, bool list_append) {
  const std::size_t clients = std::max<std::size_t>(options.clients, 1);
  const std::size_t keys = std::max<std::size_t>(options.keys, 1);
  std::vector<Nanos> client_time(clients);
  std::vector<std::int64_t> incarnation(clients, 0);
  for (auto& t : client_time) t = static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(options.think_ns_max) + 1));
  std::map<std::string, Value> last_written;
  std::int64_t next_value = 1;
  std::vector<PlannedOp> ops;
  ops.reserve(options.operations);
  for (std::size_t i = 0; i < options.operations; ++i) {
    const std::size_t c = static_cast<std::size_t>(
        std::min_element(client_time.begin(), client_time.end()) - client_time.begin());
    PlannedOp op;
    op.process = static_cast<std::int64_t>(c) + static_cast<std::int64_t>(clients) * incarnation[c];
    op.key = "k" + std::to_string(rng.below(keys));
    const bool read = rng.chance(options.read_fraction);
    const bool cas =
        !read && !list_append && rng.chance(options.cas_fraction / std::max(1e-9, 1 - options.read_fraction));
    if (read) {
      op.f = Function::read;
    } else if (list_append) {
      op.f = Function::append;
      op.argument = Value::of(next_value++);
    } else if (cas) {
      op.f = Function::cas;
      op.argument = Value::pair(last_written[op.key], Value::of(next_value++));
    } else {
      op.f = Function::write;
      op.argument = Value::of(next_value++);
    }
    if (op.f == Function::write) last_written[op.key] = op.argument;
    if (op.f == Function::cas) last_written[op.key] = op.argument.items()[1];
    const Nanos latency = 1 + static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(options.latency_ns_max)));
    op.invoke_ns = client_time[c];
    op.complete_ns = op.invoke_ns + latency;
    op.effect_ns = op.invoke_ns + static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(latency) + 1));
    if (rng.chance(options.info_fraction)) {
      op.outcome = Outcome::info;
      if (rng.chance(0.5)) op.effect_ns = kForever;
      ++incarnation[c];
    }
    client_time[c] =
        op.complete_ns + 1 + static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(options.think_ns_max) + 1));
    ops.push_back(std::move(op));
  }

  // Apply the effects in instant order: the witness linearization.
  std::vector<std::size_t> by_effect;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].effect_ns != kForever) by_effect.push_back(i);
  }
  std::stable_sort(by_effect.begin(), by_effect.end(),
                   [&](std::size_t a, std::size_t b) { return ops[a].effect_ns < ops[b].effect_ns; });
  std::map<std::string, Value> registers;
  std::map<std::string, std::vector<Value>> lists;
  for (const std::size_t i : by_effect) {
    PlannedOp& op = ops[i];
    switch (op.f) {
      case Function::read:
        op.result = list_append ? Value::list_of(lists[op.key]) : registers[op.key];
        break;
      case Function::write: registers[op.key] = op.argument; break;
      case Function::append: lists[op.key].push_back(op.argument); break;
      case Function::cas:
        if (registers[op.key] == op.argument.items()[0]) {
          registers[op.key] = op.argument.items()[1];
        } else if (op.outcome == Outcome::ok) {
          op.outcome = Outcome::fail;
        }
        break;
    }
  }

  // Events in time order (a process's next invoke comes after its completion).
  std::vector<std::tuple<Nanos, std::size_t, bool>> order;  // time, op, is completion
  for (std::size_t i = 0; i < ops.size(); ++i) {
    order.emplace_back(ops[i].invoke_ns, i, false);
    order.emplace_back(ops[i].complete_ns, i, true);
  }
  std::sort(order.begin(), order.end());
  History history;
  history.reserve(order.size());
  for (const auto& [time, i, completion] : order) {
    const PlannedOp& op = ops[i];
    Event event;
    event.process = op.process;
    event.f = op.f;
    event.key = op.key;
    event.time_ns = time;
    if (!completion) {
      event.type = EventType::invoke;
      event.value = op.argument;
    } else {
      event.type = op.outcome == Outcome::ok     ? EventType::ok
                   : op.outcome == Outcome::fail ? EventType::fail
                                                 : EventType::info;
      if (op.f != Function::read) event.value = op.argument;
      if (op.f == Function::read && op.outcome == Outcome::ok) event.value = op.result;
    }
    history.push_back(std::move(event));
  }
  return history;
}

}  // namespace generator_detail

template <class Rng>
History generate_register_history(Rng& rng, const GeneratorOptions& options) {
  return generator_detail::generate(rng, options, false);
}

template <class Rng>
History generate_list_append_history(Rng& rng, const GeneratorOptions& options) {
  return generator_detail::generate(rng, options, true);
}

}  // namespace slotsim::checker
