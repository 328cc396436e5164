// The operation history model, Jepsen-style. A history is a list of events:
// a process invokes an operation, then it completes as `ok` (it happened, with
// this result), `fail` (it definitely did not happen) or `info` (unknown: a
// timeout or a lost connection; it may take effect at any time after its
// invocation, or never). The checkers work on operations: an invoke paired
// with its completion.
//
// Invariants of a paired history (pair_operations() checks them and refuses
// the history otherwise, naming the line):
//  - a process has at most one operation pending: an invoke while one is
//    pending, or a completion without a pending invoke, is bad input;
//  - a completion carries the same f and key as its invoke, and a time no
//    earlier than the invoke's;
//  - an invoke never completed by the end of the history counts as `info`;
//  - an `info` operation's completion time is kForever: nothing is known about
//    when it took effect, so it is concurrent with everything after its invoke.
// Real-time order: A precedes B when A completed strictly before B was
// invoked; equal times count as concurrent (never a false alarm on ties).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/time.h"

namespace slotsim::checker {

// A value in a history: null, an integer, a string, or a list of values. An
// integer 5 and a string "5" are different values. A cas argument is the list
// [expected, new]; a list-append read returns a list.
class Value {
 public:
  enum class Kind : std::uint8_t { null, integer, string, list };

  Value() = default;
  static Value of(std::int64_t n);
  static Value of(int n) { return of(static_cast<std::int64_t>(n)); }  // so of(0) is not a null pointer
  static Value of(std::string text);
  static Value of(const char* text) { return of(std::string(text)); }
  static Value list_of(std::vector<Value> items);
  static Value pair(Value first, Value second);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_integer() const { return kind_ == Kind::integer; }
  bool is_string() const { return kind_ == Kind::string; }
  bool is_list() const { return kind_ == Kind::list; }
  // An integer or a string: what registers hold and lists contain.
  bool is_scalar() const { return is_integer() || is_string(); }
  bool is_pair() const { return is_list() && items().size() == 2; }

  std::int64_t integer() const { return integer_; }
  const std::string& text() const;
  const std::vector<Value>& items() const;

  // JSON text. Lists longer than max_items print their first max_items items
  // then "...(+N)", so explanations stay readable (0: no limit).
  std::string to_json(std::size_t max_items = 0) const;

  // Integers inline: checkers compare every item of every list read.
  friend bool operator==(const Value& a, const Value& b) {
    if (a.kind_ == Kind::integer && b.kind_ == Kind::integer) return a.integer_ == b.integer_;
    return compare(a, b) == 0;
  }
  friend std::strong_ordering operator<=>(const Value& a, const Value& b) {
    if (a.kind_ == Kind::integer && b.kind_ == Kind::integer) return a.integer_ <=> b.integer_;
    return compare(a, b) <=> 0;
  }

 private:
  static int compare(const Value& a, const Value& b);

  Kind kind_ = Kind::null;
  std::int64_t integer_ = 0;
  // The text (string) or the items (list; null when empty). Shared and
  // immutable: a read's list is copied from event to operation to result many
  // times over, and a copy must not duplicate hundreds of items. One pointer
  // for both keeps a Value at 32 bytes: a run records ~10^6 of them.
  std::shared_ptr<const void> payload_;
};
static_assert(sizeof(Value) <= 32);

// A JSON string literal for text (quotes and escapes added).
std::string json_quote(std::string_view text);

enum class EventType : std::uint8_t { invoke, ok, fail, info };
enum class Function : std::uint8_t { read, write, cas, append };

std::string_view to_string(EventType type);
std::string_view to_string(Function f);
std::optional<EventType> parse_event_type(std::string_view text);
std::optional<Function> parse_function(std::string_view text);

struct Event {
  std::int64_t process = 0;
  EventType type = EventType::invoke;
  Function f = Function::read;
  std::string key;
  Value value;
  Nanos time_ns = 0;
  // 1-based line of the source file; 0 when built in code (errors then count
  // events instead).
  std::size_t line = 0;
};

using History = std::vector<Event>;

enum class Outcome : std::uint8_t { ok, fail, info };
std::string_view to_string(Outcome outcome);

struct Operation {
  std::size_t id = 0;  // index in the operation list, in the order of the invoke events
  std::int64_t process = 0;
  Function f = Function::read;
  std::string key;
  // From the invoke: the written or appended value, the cas pair; null for reads.
  Value argument;
  // From an ok read's completion: the value (register) or list read. Null otherwise.
  Value result;
  Outcome outcome = Outcome::info;
  Nanos invoke_ns = 0;
  Nanos complete_ns = kForever;    // kForever unless ok or fail
  std::size_t invoke_line = 0;
  std::size_t complete_line = 0;  // 0 when the invoke was never completed

  bool is_ok() const { return outcome == Outcome::ok; }
  bool is_fail() const { return outcome == Outcome::fail; }
  bool is_info() const { return outcome == Outcome::info; }
};

// What is wrong with an input, and where: line (and column when known), 1-based.
struct InputError {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;

  // "line 7, column 3: message" (or "line 7: message").
  std::string to_string() const;
};

struct PairedHistory {
  std::vector<Operation> operations;
  std::optional<InputError> error;  // when set, operations is empty
};

// Pairs every invoke with its process's next completion (see the invariants
// above). Never throws on any event sequence.
PairedHistory pair_operations(const History& history);

// "p3 write 5 (lines 4-6)", "p1 read [1,2] (lines 2-9)", "p2 cas [1,2] (line 5,
// info at line 8)", "p0 write 7 (lines 3-4, fail)": the operation as a person
// finds it in the file.
std::string describe(const Operation& op);

}  // namespace slotsim::checker
