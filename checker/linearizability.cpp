#include "checker/linearizability.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "checker/search_memo.h"

namespace slotsim::checker {

std::optional<InputError> validate_register_operations(const std::vector<Operation>& operations) {
  for (const Operation& op : operations) {
    auto error = [&](std::size_t line, std::string message) {
      return InputError{line, 0, std::move(message)};
    };
    switch (op.f) {
      case Function::append:
        return error(op.invoke_line, "f \"append\" is not a register operation (read, write, cas); "
                                     "use --model list-append for list histories");
      case Function::write:
        if (!op.argument.is_scalar()) {
          return error(op.invoke_line, fmt::format("a write's value must be an integer or a string, found {}",
                                                   op.argument.to_json(4)));
        }
        break;
      case Function::cas: {
        const Value& pair = op.argument;
        if (!pair.is_pair() || !(pair.items()[0].is_null() || pair.items()[0].is_scalar()) ||
            !pair.items()[1].is_scalar()) {
          return error(op.invoke_line, fmt::format("a cas value must be [expected, new] with integers or strings "
                                                   "(expected may be null), found {}",
                                                   pair.to_json(4)));
        }
        break;
      }
      case Function::read:
        if (op.is_ok() && !(op.result.is_null() || op.result.is_scalar())) {
          return error(op.complete_line, fmt::format("a register read returns null, an integer or a string, "
                                                     "found {}",
                                                     op.result.to_json(4)));
        }
        break;
    }
  }
  return std::nullopt;
}

namespace {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

using ValueId = std::int32_t;  // a key's values, interned; 0 is null
constexpr ValueId kNull = 0;
// Every value nobody observes (no ok read returns it, no cas expects it), as
// the search sees them: such values are indistinguishable to every remaining
// operation, so one state stands for all of them and the search never tells
// two orders of unobserved writes apart.
constexpr ValueId kUnobserved = -1;

// One operation as the search sees it.
struct SearchOp {
  std::size_t op = 0;  // index into the operations
  Function f = Function::read;
  ValueId a = kNull;  // read: the value read; write: the value; cas: expected
  ValueId b = kNull;  // cas: the new value
  ValueId written = kNull;  // write/cas: the value as interned, for explanations (a, b may be kUnobserved)
  bool info = false;
  bool writes_unobserved = false;  // a write whose value nobody observes
  std::uint32_t slot = 0;  // bit in the linearized set (info ops have their own set)
  std::uint64_t zobrist = 0;
};

// The register model: can op take effect on this value, and what is left.
bool apply(const SearchOp& op, ValueId state, ValueId& next) {
  switch (op.f) {
    case Function::read: next = state; return state == op.a;
    case Function::write: next = op.a; return true;
    case Function::cas: next = op.b; return state == op.a;
    case Function::append: return false;
  }
  return false;
}

struct KeyResult {
  Verdict verdict = Verdict::valid;
  std::string explanation;
  std::vector<std::size_t> operations;
  std::uint64_t steps = 0;
};

class KeyChecker {
 public:
  KeyChecker(const std::vector<Operation>& all, const std::vector<std::size_t>& ids, const std::string& key,
             const LinearizabilityOptions& options)
      : all_(all), ids_(ids), key_(printable_key(key)), options_(options) {}

  KeyResult run() {
    intern_values();
    if (find_unwritten_value()) return result_;
    build_search_ops();
    if (search_.empty()) return result_;
    build_entries();
    search();
    return result_;
  }

 private:
  ValueId intern(const Value& value) {
    if (value.is_null()) return kNull;
    const auto [it, inserted] = values_.emplace(value, static_cast<ValueId>(values_.size() + 1));
    return it->second;
  }

  void intern_values() {
    for (const std::size_t id : ids_) {
      const Operation& op = all_[id];
      if (op.f == Function::read && op.is_ok()) intern(op.result);
      if (op.f == Function::write) intern(op.argument);
      if (op.f == Function::cas && op.argument.is_pair()) {
        intern(op.argument.items()[0]);
        intern(op.argument.items()[1]);
      }
    }
  }

  // The value an operation leaves in the register when it takes effect.
  const Value* produced(const Operation& op) const {
    if (op.f == Function::write) return &op.argument;
    if (op.f == Function::cas && op.argument.is_pair()) return &op.argument.items()[1];
    return nullptr;
  }

  // D3 directly: a read (or a cas's expectation) of a value that no operation
  // that may have happened wrote. Cheaper than the search, and says exactly why.
  bool find_unwritten_value() {
    std::vector<bool> written(values_.size() + 1, false);
    written[kNull] = true;
    for (const std::size_t id : ids_) {
      const Operation& op = all_[id];
      if (const Value* value = produced(op); value != nullptr && !op.is_fail()) written[intern(*value)] = true;
    }
    for (const std::size_t id : ids_) {
      const Operation& op = all_[id];
      const Value* seen = nullptr;
      if (op.f == Function::read && op.is_ok()) seen = &op.result;
      if (op.f == Function::cas && op.is_ok() && op.argument.is_pair()) seen = &op.argument.items()[0];
      if (seen == nullptr || written[intern(*seen)]) continue;
      std::vector<std::size_t> failed;
      for (const std::size_t other : ids_) {
        const Value* value = produced(all_[other]);
        if (value != nullptr && *value == *seen) failed.push_back(other);
      }
      const std::string what = op.f == Function::read ? "returned" : "expected";
      std::string text = fmt::format("key {}: {} {} {}, which ", key_, describe(op), what, seen->to_json(12));
      if (failed.empty()) {
        text += "no operation wrote";
      } else {
        text += fmt::format("only {} tried to write, and fail means it did not happen", describe(all_[failed[0]]));
      }
      result_.verdict = Verdict::invalid;
      result_.explanation = std::move(text);
      result_.operations.push_back(op.id);
      if (!failed.empty()) result_.operations.push_back(all_[failed[0]].id);
      return true;
    }
    return false;
  }

  void build_search_ops() {
    // Values somebody observes: an info write of any other value can always be
    // left out (see the header), so it never enters the search.
    observed_.assign(values_.size() + 1, false);
    auto& observed = observed_;
    for (const std::size_t id : ids_) {
      const Operation& op = all_[id];
      if (op.f == Function::read && op.is_ok()) observed[intern(op.result)] = true;
      if (op.f == Function::cas && !op.is_fail() && op.argument.is_pair()) observed[intern(op.argument.items()[0])] = true;
    }
    std::vector<std::size_t> order;
    for (const std::size_t id : ids_) {
      const Operation& op = all_[id];
      if (op.is_fail() || op.f == Function::append) continue;
      if (op.is_info() && op.f == Function::read) continue;
      if (op.f == Function::cas && !op.argument.is_pair()) continue;
      if (op.is_info() && !observed[intern(*produced(op))]) continue;
      order.push_back(id);
    }
    // Slots in invocation order keep the linearized set's window narrow.
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return all_[x].invoke_ns < all_[y].invoke_ns; });
    for (const std::size_t id : order) {
      const Operation& op = all_[id];
      SearchOp s;
      s.op = id;
      s.f = op.f;
      s.info = op.is_info();
      if (op.f == Function::read) s.a = intern(op.result);
      if (op.f == Function::write) {
        s.written = intern(op.argument);
        s.a = as_searched(s.written);
        s.writes_unobserved = s.a == kUnobserved;
      }
      if (op.f == Function::cas) {
        s.a = intern(op.argument.items()[0]);
        s.written = intern(op.argument.items()[1]);
        s.b = as_searched(s.written);
      }
      s.slot = static_cast<std::uint32_t>(s.info ? info_count_++ : plain_count_++);
      s.zobrist = mix64(search_.size() * 2 + 1);
      search_.push_back(s);
    }
  }

  ValueId as_searched(ValueId id) const { return observed_[id] ? id : kUnobserved; }

  // True when lifting op in this state loses no solution, so that if the
  // search fails after it, it fails without it too and needs no alternative:
  //  - a read of the current value: moving it from anywhere later in a
  //    solution to now changes no state and breaks no real-time order (it is
  //    eligible, so everything that had to precede it already has);
  //  - a write of an unobserved value when the state is unobserved: in a
  //    solution it is followed by a write (nothing else accepts its value),
  //    so moving it to now changes no observable state.
  static bool is_forced(const SearchOp& op, ValueId state) {
    if (op.f == Function::read) return state == op.a;
    return op.writes_unobserved && state == kUnobserved;
  }

  struct Entry {
    std::uint32_t op = 0;  // index into search_
    bool call = true;
    std::uint32_t match = 0;  // the other entry of the same operation
  };

  void build_entries() {
    const std::size_t n = search_.size();
    std::vector<std::tuple<Nanos, bool, std::uint32_t>> order;
    order.reserve(2 * n);
    for (std::uint32_t i = 0; i < n; ++i) {
      const Operation& op = all_[search_[i].op];
      order.emplace_back(op.invoke_ns, false, i);
      // Returns after calls at equal times: touching operations are concurrent.
      order.emplace_back(search_[i].info ? kForever : op.complete_ns, true, i);
    }
    std::sort(order.begin(), order.end());
    entries_.resize(2 * n);
    std::vector<std::uint32_t> call_of(n), return_of(n);
    for (std::uint32_t e = 0; e < order.size(); ++e) {
      const auto& [time, is_return, i] = order[e];
      entries_[e].op = i;
      entries_[e].call = !is_return;
      (is_return ? return_of : call_of)[i] = e;
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      entries_[call_of[i]].match = return_of[i];
      entries_[return_of[i]].match = call_of[i];
    }
    // A doubly linked list with a head sentinel at index 2n; kEnd ends it.
    head_ = static_cast<std::int64_t>(2 * n);
    next_.assign(2 * n + 1, kEnd);
    prev_.assign(2 * n + 1, kEnd);
    std::int64_t last = head_;
    for (std::int64_t e = 0; e < head_; ++e) {
      next_[last] = e;
      prev_[e] = last;
      last = e;
    }
  }

  void lift(std::int64_t call) {
    const std::int64_t ret = entries_[call].match;
    next_[prev_[call]] = next_[call];
    prev_[next_[call]] = prev_[call];  // a call is always followed by its return
    next_[prev_[ret]] = next_[ret];
    if (next_[ret] != kEnd) prev_[next_[ret]] = prev_[ret];
  }

  void unlift(std::int64_t call) {
    const std::int64_t ret = entries_[call].match;
    next_[prev_[ret]] = ret;
    if (next_[ret] != kEnd) prev_[next_[ret]] = ret;
    next_[prev_[call]] = call;
    prev_[next_[call]] = call;
  }

  void search() {
    LinearizedSet plain(plain_count_);
    LinearizedSet info(info_count_);
    VisitedCache cache;
    std::uint64_t set_hash = 0;
    ValueId state = as_searched(kNull);
    struct Frame {
      std::int64_t call;
      ValueId state;
      bool forced;
    };
    std::vector<Frame> stack;
    std::vector<std::uint64_t> config;
    std::uint64_t steps = 0;
    std::int64_t entry = next_[head_];

    auto mark = [&](const SearchOp& op, bool on) {
      LinearizedSet& set = op.info ? info : plain;
      if (on) {
        set.set(op.slot);
      } else {
        set.clear(op.slot);
      }
      set_hash ^= op.zobrist;
    };
    auto out_of_steps = [&] {
      if (++steps <= options_.step_budget_per_key) return false;
      result_.verdict = Verdict::unknown;
      result_.explanation = fmt::format("step budget exhausted on key {} ({} steps; {} operations on the key)", key_,
                                        options_.step_budget_per_key, ids_.size());
      return true;
    };
    // Lifts the call at `call` if the model accepts it and the configuration
    // it leads to is new. False: not lifted (or out of memory: result_ set).
    auto try_lift = [&](std::int64_t call, bool forced) {
      const SearchOp& op = search_[entries_[call].op];
      ValueId next_state = kNull;
      if (!apply(op, state, next_state)) return false;
      mark(op, true);
      config.clear();
      config.push_back(static_cast<std::uint64_t>(static_cast<std::int64_t>(next_state)));
      plain.append_to(config);
      info.append_to(config);
      if (!cache.insert(set_hash ^ mix64(static_cast<std::uint64_t>(static_cast<std::int64_t>(next_state))), config)) {
        mark(op, false);
        return false;
      }
      if (cache.bytes() > options_.memory_budget_bytes_per_key) {
        result_.verdict = Verdict::unknown;
        result_.explanation = fmt::format(
            "memory budget exhausted on key {} ({} MiB of explored configurations; {} operations on the key)", key_,
            options_.memory_budget_bytes_per_key >> 20, ids_.size());
        return false;
      }
      stack.push_back({call, state, forced});
      state = next_state;
      lift(call);
      entry = next_[head_];
      return true;
    };
    // Undoes lifts up to and including the last one that had alternatives.
    // False when nothing is left to undo: no linearization exists.
    auto backtrack = [&] {
      while (!stack.empty()) {
        const Frame top = stack.back();
        stack.pop_back();
        state = top.state;
        mark(search_[entries_[top.call].op], false);
        unlift(top.call);
        entry = next_[top.call];
        // A forced lift lost nothing: its configuration failed with it, so it
        // fails without it too.
        if (!top.forced) return true;
      }
      return false;
    };

    bool arrived = true;  // at a configuration not scanned yet
    while (next_[head_] != kEnd && entry != kEnd && result_.verdict == Verdict::valid) {
      if (arrived) {
        arrived = false;
        // A forced operation among the eligible calls is the only branch
        // worth taking here (see is_forced).
        std::int64_t e = next_[head_];
        bool out = false;
        while (e != kEnd && entries_[e].call && !is_forced(search_[entries_[e].op], state)) {
          if ((out = out_of_steps())) break;
          e = next_[e];
        }
        if (out) break;
        if (e != kEnd && entries_[e].call) {
          if (try_lift(e, true)) {
            arrived = true;
            continue;
          }
          if (result_.verdict != Verdict::valid) break;
          // Explored before, and failed: so does this configuration.
          if (!backtrack()) {
            report_not_linearizable();
            break;
          }
          continue;
        }
      }
      if (out_of_steps()) break;
      const Entry& e = entries_[entry];
      const SearchOp& op = search_[e.op];
      if (e.call) {
        if (try_lift(entry, false)) {
          arrived = true;
        } else {
          entry = next_[entry];
        }
        continue;
      }
      // A return entry: its operation should have taken effect by now.
      if (op.info) break;  // only info operations remain; they may never happen
      remember_if_deepest(e.op, stack.size(), stack);
      if (!backtrack()) {
        report_not_linearizable();
        break;
      }
    }
    result_.steps = steps;
  }

  template <class Stack>
  void remember_if_deepest(std::uint32_t op, std::size_t depth, const Stack& stack) {
    if (stuck_.known && depth <= stuck_.depth) return;
    stuck_.known = true;
    stuck_.depth = depth;
    stuck_.op = op;
    stuck_.last.clear();
    for (std::size_t i = depth > kPrefixShown ? depth - kPrefixShown : 0; i < depth; ++i) {
      stuck_.last.push_back(entries_[stack[i].call].op);
    }
    // The register's actual value: the last write or swap in the prefix
    // (state may be kUnobserved, which stands for many values).
    stuck_.value = kNull;
    for (std::size_t i = depth; i-- > 0;) {
      const SearchOp& lifted = search_[entries_[stack[i].call].op];
      if (lifted.f != Function::read) {
        stuck_.value = lifted.written;
        break;
      }
    }
  }

  std::string value_text(ValueId id) const {
    if (id == kUnobserved) return "a value no read observes";
    if (id == kNull) return "null";
    for (const auto& [value, vid] : values_) {
      if (vid == id) return value.to_json(12);
    }
    return "?";
  }

  void report_not_linearizable() {
    result_.verdict = Verdict::invalid;
    if (!stuck_.known) {  // cannot happen: the first failure is always at a return entry
      result_.explanation = fmt::format("key {}: not linearizable", key_);
      return;
    }
    const Operation& blocked = all_[search_[stuck_.op].op];
    std::string text = fmt::format("key {}: not linearizable: {} cannot take effect before it returned; ", key_,
                                   describe(blocked));
    if (stuck_.depth == 0) {
      text += fmt::format("no operation can come first and leave it valid (the register starts at null)");
    } else {
      text += fmt::format("the longest linearizable prefix has {} operation{}, ending with ", stuck_.depth,
                          stuck_.depth == 1 ? "" : "s");
      for (std::size_t i = 0; i < stuck_.last.size(); ++i) {
        if (i > 0) text += ", ";
        text += describe(all_[search_[stuck_.last[i]].op]);
      }
      text += fmt::format(", and leaves the register at {}", value_text(stuck_.value));
    }
    result_.verdict = Verdict::invalid;
    result_.explanation = std::move(text);
    result_.operations.push_back(blocked.id);
    for (const std::uint32_t i : stuck_.last) result_.operations.push_back(all_[search_[i].op].id);
  }

  static constexpr std::int64_t kEnd = -1;
  static constexpr std::size_t kPrefixShown = 3;

  const std::vector<Operation>& all_;
  const std::vector<std::size_t>& ids_;
  const std::string key_;
  const LinearizabilityOptions& options_;
  std::map<Value, ValueId> values_;
  std::vector<bool> observed_;  // by ValueId
  std::vector<SearchOp> search_;
  std::size_t plain_count_ = 0;
  std::size_t info_count_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::int64_t> next_, prev_;
  std::int64_t head_ = 0;
  struct {
    bool known = false;
    std::size_t depth = 0;
    std::uint32_t op = 0;
    ValueId value = kNull;
    std::vector<std::uint32_t> last;
  } stuck_;
  KeyResult result_;
};

}  // namespace

CheckResult check_register(const std::vector<Operation>& operations, const LinearizabilityOptions& options) {
  std::map<std::string, std::vector<std::size_t>> by_key;
  for (std::size_t i = 0; i < operations.size(); ++i) by_key[operations[i].key].push_back(i);
  CheckResult result;
  CheckResult first_unknown;
  for (const auto& [key, ids] : by_key) {
    KeyResult key_result = KeyChecker(operations, ids, key, options).run();
    result.steps += key_result.steps;
    ++result.keys_checked;
    if (key_result.verdict == Verdict::invalid) {
      result.verdict = Verdict::invalid;
      result.key = key;
      result.explanation = std::move(key_result.explanation);
      result.operations = std::move(key_result.operations);
      return result;
    }
    if (key_result.verdict == Verdict::unknown && first_unknown.verdict != Verdict::unknown) {
      first_unknown.verdict = Verdict::unknown;
      first_unknown.key = key;
      first_unknown.explanation = std::move(key_result.explanation);
    }
  }
  if (first_unknown.verdict == Verdict::unknown) {
    result.verdict = Verdict::unknown;
    result.key = first_unknown.key;
    result.explanation = std::move(first_unknown.explanation);
  }
  return result;
}

}  // namespace slotsim::checker
