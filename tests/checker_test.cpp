// The history checkers on hand-written histories (each anomaly, and the
// allowed behaviours next to it), on generated correct histories and their
// mutations, and the JSON-lines reader on good and bad input.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "checker/history.h"
#include "checker/history_generator.h"
#include "checker/history_json.h"
#include "checker/linearizability.h"
#include "checker/list_append.h"
#include "sim/random.h"

using namespace slotsim;
using namespace slotsim::checker;

namespace {

// Histories written like scripts: h.write(process, value, invoke, complete).
class Script {
 public:
  Script& invoke(std::int64_t p, Function f, Value value, Nanos t, const std::string& key = "x") {
    events_.push_back(Event{p, EventType::invoke, f, key, std::move(value), t, 0});
    pending_[p] = {f, key};
    return *this;
  }
  Script& complete(std::int64_t p, EventType type, Nanos t, Value value = {}) {
    const auto& [f, key] = pending_.at(p);
    events_.push_back(Event{p, type, f, key, std::move(value), t, 0});
    return *this;
  }
  Script& ok(std::int64_t p, Nanos t, Value value = {}) { return complete(p, EventType::ok, t, std::move(value)); }

  Script& write(std::int64_t p, Value v, Nanos t0, Nanos t1, const std::string& key = "x") {
    return invoke(p, Function::write, v, t0, key).ok(p, t1, v);
  }
  Script& read(std::int64_t p, Value v, Nanos t0, Nanos t1, const std::string& key = "x") {
    return invoke(p, Function::read, {}, t0, key).ok(p, t1, std::move(v));
  }
  Script& cas(std::int64_t p, Value expected, Value next, EventType outcome, Nanos t0, Nanos t1,
              const std::string& key = "x") {
    const Value pair = Value::pair(std::move(expected), std::move(next));
    return invoke(p, Function::cas, pair, t0, key).complete(p, outcome, t1, pair);
  }
  Script& append(std::int64_t p, Value v, Nanos t0, Nanos t1, const std::string& key = "x") {
    return invoke(p, Function::append, v, t0, key).ok(p, t1, v);
  }
  Script& read_list(std::int64_t p, std::vector<Value> items, Nanos t0, Nanos t1, const std::string& key = "x") {
    return invoke(p, Function::read, {}, t0, key).ok(p, t1, Value::list_of(std::move(items)));
  }

  const History& history() const { return events_; }

 private:
  History events_;
  std::map<std::int64_t, std::pair<Function, std::string>> pending_;
};

Value v(std::int64_t n) { return Value::of(n); }
std::vector<Value> list(std::initializer_list<std::int64_t> items) {
  std::vector<Value> out;
  for (auto n : items) out.push_back(Value::of(n));
  return out;
}

std::vector<Operation> paired(const History& history) {
  PairedHistory p = pair_operations(history);
  if (p.error) FAIL("pairing failed: " << p.error->to_string());
  return p.operations;
}

CheckResult check_reg(const Script& script, std::uint64_t budget = kDefaultStepBudget) {
  const auto ops = paired(script.history());
  if (auto error = validate_register_operations(ops)) FAIL("invalid register history: " << error->to_string());
  LinearizabilityOptions options;
  options.step_budget_per_key = budget;
  return check_register(ops, options);
}

CheckResult check_list(const Script& script) {
  const auto ops = paired(script.history());
  if (auto error = validate_list_append_operations(ops)) FAIL("invalid list history: " << error->to_string());
  return check_list_append(ops);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// ---------------------------------------------------------------- register

TEST_CASE("register: sequential history is linearizable", "[checker]") {
  Script h;
  h.read(0, {}, 0, 5).write(0, v(1), 10, 20).read(1, v(1), 30, 40).write(1, v(2), 50, 60).read(0, v(2), 70, 80);
  const auto result = check_reg(h);
  CHECK(result.verdict == Verdict::valid);
  CHECK(verdict_line(result) == "valid");
}

TEST_CASE("register: concurrent reads may see a write that has not returned yet", "[checker]") {
  Script h;
  h.invoke(0, Function::write, v(1), 0);
  h.read(1, {}, 5, 15);   // before the write took effect
  h.read(2, v(1), 10, 20);  // after
  h.read(1, v(1), 30, 40);
  h.ok(0, 100, v(1));
  CHECK(check_reg(h).verdict == Verdict::valid);
}

TEST_CASE("register: stale read is not linearizable", "[checker]") {
  Script h;
  h.write(0, v(1), 0, 10).write(0, v(2), 20, 30).read(1, v(1), 40, 50);
  const auto result = check_reg(h);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(result.key == "x");
  const std::string line = verdict_line(result);
  CHECK(line.rfind("invalid: key x: not linearizable: p1 read 1 (lines 5-6)", 0) == 0);
  CHECK(contains(line, "p0 write 2 (lines 3-4)"));
  CHECK(contains(line, "leaves the register at 2"));
  CHECK(result.operations.front() == 2);
}

TEST_CASE("register: a lost acknowledged write is not linearizable", "[checker]") {
  Script h;
  h.write(0, v(1), 0, 10).read(1, {}, 20, 30);
  CHECK(check_reg(h).verdict == Verdict::invalid);
  Script concurrent;  // the same read overlapping the write is fine
  concurrent.write(0, v(1), 0, 25).read(1, {}, 20, 30);
  CHECK(check_reg(concurrent).verdict == Verdict::valid);
}

TEST_CASE("register: operations that touch in time are concurrent", "[checker]") {
  Script touching;
  touching.write(0, v(1), 0, 10).read(1, {}, 10, 20);
  CHECK(check_reg(touching).verdict == Verdict::valid);
  Script after;
  after.write(0, v(1), 0, 10).read(1, {}, 11, 20);
  CHECK(check_reg(after).verdict == Verdict::invalid);
}

TEST_CASE("register: lost update through two successful cas from the same value", "[checker]") {
  Script h;
  h.write(0, v(0), 0, 10);
  h.cas(1, v(0), v(1), EventType::ok, 20, 40);
  h.cas(2, v(0), v(2), EventType::ok, 25, 45);
  h.read(0, v(2), 50, 60);
  CHECK(check_reg(h).verdict == Verdict::invalid);

  Script fair;  // one of them failed: fine
  fair.write(0, v(0), 0, 10);
  fair.cas(1, v(0), v(1), EventType::ok, 20, 40);
  fair.cas(2, v(0), v(2), EventType::fail, 25, 45);
  fair.read(0, v(1), 50, 60);
  CHECK(check_reg(fair).verdict == Verdict::valid);
}

TEST_CASE("register: cas succeeds only on its expected value", "[checker]") {
  Script h;
  h.write(0, v(5), 0, 10).cas(1, v(4), v(6), EventType::ok, 20, 30);
  const auto result = check_reg(h);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(contains(result.explanation, "expected 4, which no operation wrote"));
  Script from_null;  // expected null: the key was never written
  from_null.cas(1, Value(), v(6), EventType::ok, 0, 10).read(0, v(6), 20, 30);
  CHECK(check_reg(from_null).verdict == Verdict::valid);
}

TEST_CASE("register: a read concurrent with a write may see either value", "[checker]") {
  for (std::int64_t seen : {1, 2}) {
    Script h;
    h.write(0, v(1), 0, 10);
    h.invoke(0, Function::write, v(2), 20);
    h.read(1, v(seen), 30, 40);
    h.ok(0, 60, v(2));
    CHECK(check_reg(h).verdict == Verdict::valid);
  }
  Script other;
  other.write(0, v(1), 0, 10).invoke(0, Function::write, v(2), 20).read(1, v(3), 30, 40).ok(0, 60, v(2));
  CHECK(check_reg(other).verdict == Verdict::invalid);
}

TEST_CASE("register: an info write may or may not have happened, but not before it was invoked", "[checker]") {
  for (std::int64_t seen : {1, 2}) {
    Script h;
    h.write(0, v(1), 0, 10);
    h.invoke(0, Function::write, v(2), 20).complete(0, EventType::info, 25);
    h.read(1, v(seen), 30, 40).read(1, v(seen), 1000, 1010);
    CHECK(check_reg(h).verdict == Verdict::valid);
  }
  Script late;  // once seen, it has happened: the register cannot go back to 1
  late.write(0, v(1), 0, 10).invoke(0, Function::write, v(2), 20).complete(0, EventType::info, 25);
  late.read(1, v(2), 30, 40).read(1, v(1), 50, 60);
  CHECK(check_reg(late).verdict == Verdict::invalid);
  Script early;  // seen before it was invoked
  early.write(0, v(1), 0, 10).read(1, v(2), 12, 15).invoke(0, Function::write, v(2), 20);
  CHECK(check_reg(early).verdict == Verdict::invalid);
  Script pending;  // an invoke never completed counts as info
  pending.write(0, v(1), 0, 10).invoke(0, Function::write, v(2), 20).read(1, v(2), 30, 40);
  CHECK(check_reg(pending).verdict == Verdict::valid);
}

TEST_CASE("register: an info cas either swapped or did not", "[checker]") {
  for (std::int64_t seen : {1, 2}) {
    Script h;
    h.write(0, v(1), 0, 10);
    h.invoke(0, Function::cas, Value::pair(v(1), v(2)), 20).complete(0, EventType::info, 25);
    h.read(1, v(seen), 30, 40);
    CHECK(check_reg(h).verdict == Verdict::valid);
  }
}

TEST_CASE("register: a failed write must not be visible", "[checker]") {
  Script h;
  h.write(0, v(1), 0, 10);
  h.invoke(0, Function::write, v(2), 20).complete(0, EventType::fail, 30);
  h.read(1, v(2), 40, 50);
  const auto result = check_reg(h);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(contains(result.explanation, "p1 read 2 (lines 5-6) returned 2, which only p0 write 2 (lines 3-4, fail) tried"));
  Script fine;
  fine.write(0, v(1), 0, 10).invoke(0, Function::write, v(2), 20).complete(0, EventType::fail, 30);
  fine.read(1, v(1), 40, 50);
  CHECK(check_reg(fine).verdict == Verdict::valid);
}

TEST_CASE("register: reading a value never written is invalid", "[checker]") {
  Script h;
  h.write(0, v(1), 0, 10).read(1, v(7), 20, 30);
  const auto result = check_reg(h);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(contains(result.explanation, "which no operation wrote"));
  Script types;  // the string "1" is not the integer 1
  types.write(0, v(1), 0, 10).read(1, Value::of("1"), 20, 30);
  CHECK(check_reg(types).verdict == Verdict::invalid);
}

TEST_CASE("register: keys are checked independently", "[checker]") {
  Script h;
  h.write(0, v(1), 0, 10, "x").read(1, {}, 20, 30, "y").read(1, v(1), 40, 50, "x");
  CHECK(check_reg(h).verdict == Verdict::valid);
  h.read(2, v(1), 60, 70, "y");  // y never had 1
  const auto result = check_reg(h);
  CHECK(result.verdict == Verdict::invalid);
  CHECK(result.key == "y");
}

namespace {

// n concurrent writes, each value seen by one of n concurrent reads, then a
// read of null, which no order explains: proving it takes a search over
// orders of the writes (with a read after each).
Script many_concurrent_writes(int n, const std::string& key) {
  Script h;
  for (int p = 0; p < n; ++p) h.invoke(p, Function::write, v(p + 1), p, key);
  for (int p = 0; p < n; ++p) h.invoke(n + p, Function::read, {}, n + p, key);
  for (int p = 0; p < n; ++p) h.ok(p, 1000 + p, v(p + 1)).ok(n + p, 1000 + n + p, v(p + 1));
  h.read(2 * n, {}, 2000, 2010, key);
  return h;
}

}  // namespace

TEST_CASE("register: a hard history with a tiny budget is unknown, not a guess", "[checker]") {
  const Script hard = many_concurrent_writes(12, "hot");
  const auto tiny = check_reg(hard, 100);
  REQUIRE(tiny.verdict == Verdict::unknown);
  CHECK(tiny.key == "hot");
  CHECK(verdict_line(tiny).rfind("unknown: step budget exhausted on key hot", 0) == 0);
  const auto full = check_reg(hard);
  CHECK(full.verdict == Verdict::invalid);
  CHECK(full.steps > 100);
}

TEST_CASE("register: an invalid key wins over a key that ran out of budget", "[checker]") {
  Script h = many_concurrent_writes(12, "a");
  h.write(20, v(1), 3000, 3010, "b").write(20, v(2), 3020, 3030, "b").read(21, v(1), 3040, 3050, "b");
  const auto result = check_reg(h, 100);
  CHECK(result.verdict == Verdict::invalid);
  CHECK(result.key == "b");
}

TEST_CASE("register: generated correct histories are valid, and stale mutations are not", "[checker]") {
  int concurrent_mutations = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    GeneratorOptions options;
    options.operations = 300;
    options.keys = 3;
    options.clients = 6;
    options.info_fraction = 0.05;
    sim::Rng rng = sim::Rng::derive(seed, "checker_test/register");
    std::vector<Operation> ops = paired(generate_register_history(rng, options));
    REQUIRE_FALSE(validate_register_operations(ops));
    const auto result = check_register(ops);
    INFO("seed " << seed << ": " << verdict_line(result));
    REQUIRE(result.verdict == Verdict::valid);

    // A read R after ok writes W1 then W2 (each finished before the next began)
    // that returns W1's value is stale in every order: values are unique.
    bool mutated = false;
    for (auto& r : ops) {
      if (mutated || r.f != Function::read || !r.is_ok()) continue;
      for (const auto& w2 : ops) {
        if (mutated || w2.key != r.key || w2.f != Function::write || !w2.is_ok() || w2.complete_ns >= r.invoke_ns)
          continue;
        for (const auto& w1 : ops) {
          if (w1.key != r.key || w1.f != Function::write || !w1.is_ok() || w1.complete_ns >= w2.invoke_ns) continue;
          r.result = w1.argument;
          mutated = true;
          break;
        }
      }
    }
    if (!mutated) continue;
    ++concurrent_mutations;
    CHECK(check_register(ops).verdict == Verdict::invalid);
  }
  CHECK(concurrent_mutations >= 20);
}

TEST_CASE("register: a sequential history with one read made stale is invalid", "[checker]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    GeneratorOptions options;
    options.operations = 200;
    options.keys = 2;
    options.clients = 1;
    sim::Rng rng = sim::Rng::derive(seed, "checker_test/sequential");
    std::vector<Operation> ops = paired(generate_register_history(rng, options));
    REQUIRE(check_register(ops).verdict == Verdict::valid);
    // The last read of k0 gets the first value ever written to k0 (unless it
    // already returns it, the mutation is stale).
    const Value* first_write = nullptr;
    Operation* last_read = nullptr;
    for (auto& op : ops) {
      if (op.key != "k0" || !op.is_ok()) continue;
      if (op.f == Function::write && first_write == nullptr) first_write = &op.argument;
      if (op.f == Function::read && first_write != nullptr) last_read = &op;
    }
    REQUIRE(last_read != nullptr);
    if (last_read->result == *first_write) continue;
    last_read->result = *first_write;
    INFO("seed " << seed);
    CHECK(check_register(ops).verdict == Verdict::invalid);
  }
}

// ---------------------------------------------------------------- list-append

TEST_CASE("list-append: acknowledged appends in order are valid", "[checker]") {
  Script h;
  h.append(0, v(1), 0, 10).append(1, v(2), 20, 30).read_list(2, list({1, 2}), 40, 50);
  h.invoke(0, Function::append, v(3), 60);
  h.read_list(1, list({1, 2}), 65, 70).read_list(2, list({1, 2, 3}), 75, 80);
  h.ok(0, 90, v(3));
  h.read_list(1, list({1, 2, 3}), 100, 110);
  CHECK(check_list(h).verdict == Verdict::valid);
}

TEST_CASE("list-append: a missing acknowledged append is a lost write", "[checker]") {
  Script h;
  h.append(0, v(1), 0, 10).append(0, v(2), 20, 30).read_list(1, list({2}), 40, 50);
  const auto result = check_list(h);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(verdict_line(result) ==
        "invalid: key x: lost write: p0 append 1 (lines 1-2) was acknowledged before p1 read [2] (lines 5-6) was "
        "invoked, but the read lacks it");
  Script concurrent;  // a read that began before the ack may miss it
  concurrent.append(0, v(1), 0, 30).read_list(1, {}, 20, 50);
  CHECK(check_list(concurrent).verdict == Verdict::valid);
  Script saw_later;  // ...unless it saw an append invoked after that ack
  saw_later.invoke(1, Function::read, {}, 5).append(0, v(1), 10, 20).append(0, v(2), 30, 40);
  saw_later.ok(1, 50, Value::list_of(list({2})));
  const auto later = check_list(saw_later);
  CHECK(later.verdict == Verdict::invalid);
  CHECK(contains(later.explanation, "though it contains p0 append 2"));
}

TEST_CASE("list-append: an element seen twice is a duplicate", "[checker]") {
  Script h;
  h.append(0, v(1), 0, 10).append(0, v(2), 20, 30).read_list(1, list({1, 2, 1}), 40, 50);
  const auto result = check_list(h);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(contains(result.explanation, "duplicate: p1 read [1,2,1] (lines 5-6) contains 1 twice"));
}

TEST_CASE("list-append: appends acknowledged one after another must not flip", "[checker]") {
  Script h;
  h.append(0, v(1), 0, 10).append(0, v(2), 20, 30).read_list(1, list({2, 1}), 40, 50);
  const auto result = check_list(h);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(contains(result.explanation, "reorder: p0 append 1 (lines 1-2) was acknowledged before p0 append 2"));
  Script concurrent;  // overlapping appends may land in either order
  concurrent.invoke(0, Function::append, v(1), 0).append(1, v(2), 10, 20).ok(0, 30, v(1));
  concurrent.read_list(2, list({2, 1}), 40, 50);
  CHECK(check_list(concurrent).verdict == Verdict::valid);
  Script info_second;  // an info append invoked after 1's ack cannot precede 1
  info_second.append(0, v(1), 0, 10).invoke(0, Function::append, v(2), 20).complete(0, EventType::info, 30);
  info_second.read_list(1, list({2, 1}), 40, 50);
  CHECK(check_list(info_second).verdict == Verdict::invalid);
}

TEST_CASE("list-append: a value never appended, or only by a failed append, is a phantom", "[checker]") {
  Script never;
  never.append(0, v(1), 0, 10).read_list(1, list({1, 9}), 20, 30);
  const auto result = check_list(never);
  REQUIRE(result.verdict == Verdict::invalid);
  CHECK(contains(result.explanation, "phantom: p1 read [1,9] (lines 3-4) contains 9, which no operation appended"));
  Script failed;
  failed.append(0, v(1), 0, 10).invoke(0, Function::append, v(9), 15).complete(0, EventType::fail, 18);
  failed.read_list(1, list({1, 9}), 20, 30);
  const auto failed_result = check_list(failed);
  REQUIRE(failed_result.verdict == Verdict::invalid);
  CHECK(contains(failed_result.explanation, "only p0 append 9 (lines 3-4, fail) appended"));
}

TEST_CASE("list-append: an info append may be present or absent", "[checker]") {
  for (bool present : {false, true}) {
    Script h;
    h.append(0, v(1), 0, 10).invoke(0, Function::append, v(2), 20).complete(0, EventType::info, 30);
    h.read_list(1, present ? list({1, 2}) : list({1}), 40, 50);
    h.append(2, v(3), 60, 70).read_list(1, present ? list({1, 2, 3}) : list({1, 3}), 80, 90);
    CHECK(check_list(h).verdict == Verdict::valid);
  }
}

TEST_CASE("list-append: generated histories are valid; a dropped acknowledged element is a lost write",
          "[checker]") {
  int mutations = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    GeneratorOptions options;
    options.operations = 400;
    options.keys = 3;
    options.clients = 6;
    options.info_fraction = 0.05;
    sim::Rng rng = sim::Rng::derive(seed, "checker_test/list_append");
    std::vector<Operation> ops = paired(generate_list_append_history(rng, options));
    REQUIRE_FALSE(validate_list_append_operations(ops));
    INFO("seed " << seed);
    REQUIRE(check_list_append(ops).verdict == Verdict::valid);
    // Drop from the last read of a key the first element an ok append put
    // there before the read began.
    std::map<Value, const Operation*> appends;
    for (const auto& op : ops) {
      if (op.f == Function::append) appends[op.argument] = &op;
    }
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      if (it->f != Function::read || !it->is_ok() || it->result.items().empty()) continue;
      std::vector<Value> items = it->result.items();
      const Operation* first = appends.at(items.front());
      if (!first->is_ok() || first->complete_ns >= it->invoke_ns) continue;
      items.erase(items.begin());
      it->result = Value::list_of(items);
      ++mutations;
      CHECK(check_list_append(ops).verdict == Verdict::invalid);
      break;
    }
  }
  CHECK(mutations >= 15);
}

// ---------------------------------------------------------------- JSON lines

TEST_CASE("json lines: events read back as written", "[checker]") {
  const std::string text =
      "{\"process\": 3, \"type\": \"invoke\", \"f\": \"write\", \"key\": \"x\", \"value\": 5, \"time\": 1200}\n"
      "\n"
      "{\"time\": 1500, \"type\": \"ok\", \"value\": 5, \"key\": \"x\", \"f\": \"write\", \"process\": 3, \"index\": 1}\r\n"
      "{\"process\": 4, \"type\": \"invoke\", \"f\": \"cas\", \"key\": \"caf\\u00e9\\ud83d\\ude00\", "
      "\"value\": [null, \"5\"], \"time\": 0}\n";
  const ParsedHistory parsed = parse_history_jsonl(text);
  REQUIRE_FALSE(parsed.error);
  REQUIRE(parsed.history.size() == 3);
  CHECK(parsed.history[0].process == 3);
  CHECK(parsed.history[0].value == v(5));
  CHECK(parsed.history[0].time_ns == 1200);
  CHECK(parsed.history[1].type == EventType::ok);
  CHECK(parsed.history[1].line == 3);
  CHECK(parsed.history[2].f == Function::cas);
  CHECK(parsed.history[2].key == "caf\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(parsed.history[2].value == Value::pair(Value(), Value::of("5")));
  CHECK_FALSE(parsed.history[2].value == Value::pair(Value(), v(5)));

  sim::Rng rng(7);
  GeneratorOptions options;
  options.info_fraction = 0.1;
  const History generated = generate_list_append_history(rng, options);
  const ParsedHistory again = parse_history_jsonl(to_jsonl(generated));
  REQUIRE_FALSE(again.error);
  REQUIRE(again.history.size() == generated.size());
  for (std::size_t i = 0; i < generated.size(); ++i) {
    CHECK(again.history[i].value == generated[i].value);
    CHECK(again.history[i].time_ns == generated[i].time_ns);
  }
}

namespace {

InputError parse_error(const std::string& text) {
  const ParsedHistory parsed = parse_history_jsonl(text);
  if (!parsed.error) FAIL("expected an error for: " << text);
  return *parsed.error;
}

const char* const kGoodLine = R"({"process": 1, "type": "invoke", "f": "read", "key": "x", "time": 0})";

}  // namespace

TEST_CASE("json lines: malformed JSON is reported with its line and column", "[checker]") {
  const auto error = parse_error(std::string(kGoodLine) + "\n" + R"({"process": 1, "type": "ok",)" + "\n");
  CHECK(error.line == 2);
  CHECK(error.column == 29);
  CHECK(contains(error.to_string(), "line 2, column 29: bad JSON: expected '\"' to start a field name, found end of line"));
  CHECK(parse_error("{\"process\": 01}").message == "bad JSON: numbers must not have leading zeros");
  CHECK(contains(parse_error("{\"a\": \"\\q\"}").message, "invalid escape"));
  CHECK(contains(parse_error("{\"a\": \"abc").message, "unterminated string"));
  CHECK(contains(parse_error("{\"a\": \"\\ud800\"}").message, "surrogate"));
  CHECK(contains(parse_error("{\"a\": tru}").message, "not a JSON value"));
  CHECK(contains(parse_error("{} {}").message, "after the end of the JSON value"));
  CHECK(contains(parse_error(std::string(100000, '[')).message, "nested deeper than 64"));
  CHECK(contains(parse_error("{\"process\": 99999999999999999999}").message, "does not fit in 64 bits"));
  CHECK(contains(parse_error("[1, 2]").message, "an event must be a JSON object, found an array"));
  CHECK(contains(parse_error(std::string("{\"a\": \"x\x01\"}")).message, "control character"));
}

TEST_CASE("json lines: missing and wrong fields are named", "[checker]") {
  const auto missing = parse_error(std::string(kGoodLine) + "\n\n" +
                                   R"({"process": 1, "type": "ok", "f": "read", "time": 5})");
  CHECK(missing.line == 3);
  CHECK(missing.to_string() == "line 3: missing field \"key\"");
  const auto type = parse_error(R"({"process": 1, "type": "done", "f": "read", "key": "x", "time": 5})");
  CHECK(type.message == "unknown type \"done\": must be invoke, ok, fail or info");
  CHECK(type.column == 24);
  CHECK(contains(parse_error(R"({"process": 1, "type": "ok", "f": "incr", "key": "x", "time": 5})").message,
                 "unknown f \"incr\""));
  CHECK(contains(parse_error(R"({"process": "a", "type": "ok", "f": "read", "key": "x", "time": 5})").message,
                 "\"process\" must be an integer, found a string"));
  CHECK(contains(parse_error(R"({"process": 1, "type": "ok", "f": "read", "key": 5, "time": 5})").message,
                 "\"key\" must be a string"));
  CHECK(contains(parse_error(R"({"process": 1, "type": "ok", "f": "read", "key": "x", "time": 1.5})").message,
                 "\"time\" must be an integer (nanoseconds), found the number 1.5"));
  CHECK(contains(parse_error(R"({"process": 1, "type": "ok", "f": "read", "key": "x", "time": -1})").message,
                 "\"time\" must be at least 0"));
  CHECK(contains(parse_error(R"({"process": 1, "type": "ok", "f": "read", "key": "x", "time": 1, "value": true})")
                     .message,
                 "\"value\" holds a boolean"));
  CHECK(contains(parse_error(R"({"process": 1, "process": 2, "type": "ok", "f": "read", "key": "x", "time": 1})")
                     .message,
                 "field \"process\" appears twice"));
}

TEST_CASE("pairing: completions without an invoke, and double invokes, are bad input", "[checker]") {
  {
    const ParsedHistory parsed = parse_history_jsonl(
        std::string(kGoodLine) + "\n" + R"({"process": 2, "type": "ok", "f": "read", "key": "x", "time": 5})" + "\n");
    REQUIRE_FALSE(parsed.error);
    const PairedHistory p = pair_operations(parsed.history);
    REQUIRE(p.error);
    CHECK(p.error->to_string() == "line 2: 'ok' completion for process 2 without a pending invoke");
  }
  {
    const ParsedHistory parsed = parse_history_jsonl(std::string(kGoodLine) + "\n" + kGoodLine + "\n");
    const PairedHistory p = pair_operations(parsed.history);
    REQUIRE(p.error);
    CHECK(p.error->line == 2);
    CHECK(contains(p.error->message, "process 1 invokes read while its read invoked at line 1 is still pending"));
  }
  {
    const ParsedHistory parsed = parse_history_jsonl(
        std::string(kGoodLine) + "\n" + R"({"process": 1, "type": "ok", "f": "read", "key": "y", "time": 5})");
    const PairedHistory p = pair_operations(parsed.history);
    REQUIRE(p.error);
    CHECK(contains(p.error->message, "is read on key \"y\" but its invoke at line 1 is read on key \"x\""));
  }
  {
    const ParsedHistory parsed = parse_history_jsonl(
        R"({"process": 1, "type": "invoke", "f": "read", "key": "x", "time": 10})"
        "\n"
        R"({"process": 1, "type": "ok", "f": "read", "key": "x", "time": 5})");
    const PairedHistory p = pair_operations(parsed.history);
    REQUIRE(p.error);
    CHECK(contains(p.error->to_string(), "line 2: completion time 5 is before its invoke's time 10"));
  }
}

TEST_CASE("models refuse operations and values they do not know", "[checker]") {
  Script appends;
  appends.append(0, v(1), 0, 10);
  const auto ops = paired(appends.history());
  const auto error = validate_register_operations(ops);
  REQUIRE(error);
  CHECK(error->line == 1);
  CHECK_FALSE(validate_list_append_operations(ops));

  Script twice;
  twice.append(0, v(1), 0, 10).append(0, v(1), 20, 30);
  const auto dup = validate_list_append_operations(paired(twice.history()));
  REQUIRE(dup);
  CHECK(dup->to_string() == "line 3: 1 is appended to key \"x\" again (first at line 1); list-append histories need "
                            "unique values per key");

  Script bad_cas;
  bad_cas.invoke(0, Function::cas, v(1), 0).ok(0, 10);
  CHECK(validate_register_operations(paired(bad_cas.history())));
  Script list_read;
  list_read.read(0, Value::list_of(list({1})), 0, 10);
  CHECK(validate_register_operations(paired(list_read.history())));
  CHECK_FALSE(validate_list_append_operations(paired(list_read.history())));
}

TEST_CASE("json lines: random garbage and mutated lines never crash the reader or the checkers", "[checker]") {
  sim::Rng rng(42);
  GeneratorOptions options;
  options.operations = 40;
  options.info_fraction = 0.1;
  const std::string good = to_jsonl(generate_register_history(rng, options));
  const std::string alphabet = "{}[]\",:0123456789-.eE\\u tnrfalsx\n";
  for (int round = 0; round < 2000; ++round) {
    std::string text = good;
    const int edits = 1 + static_cast<int>(rng.below(5));
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng.below(text.size());
      switch (rng.below(3)) {
        case 0: text[at] = alphabet[rng.below(alphabet.size())]; break;
        case 1: text.erase(at, 1 + rng.below(8)); break;
        default: text.insert(at, 1, static_cast<char>(rng.below(256))); break;
      }
    }
    const ParsedHistory parsed = parse_history_jsonl(text);
    if (parsed.error) continue;
    const PairedHistory p = pair_operations(parsed.history);
    if (p.error) continue;
    // Unvalidated operations still get a verdict.
    (void)check_register(p.operations);
    (void)check_list_append(p.operations);
  }
  SUCCEED();
}
