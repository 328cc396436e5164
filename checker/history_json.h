// Histories as JSON lines, one event per line:
//   {"process": 3, "type": "invoke", "f": "write", "key": "x", "value": 5, "time": 1200}
// Required: process (integer), type (invoke|ok|fail|info), f (read|write|cas|
// append), key (string), time (integer nanoseconds, 0 <= time < 2^63-1).
// Optional: value (null, an integer, a string, or an array of these; missing
// means null). Other fields are ignored, so richer histories (Jepsen's
// "index", "error") read as they are. Blank lines are skipped.
//
// The parser is hand-written and small (RFC 8259 values; nesting limited to
// kMaxJsonDepth) and does no I/O: it takes the text and returns events or the
// first error, with its line and column. No input makes it crash or throw.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "checker/history.h"

namespace slotsim::checker {

constexpr std::size_t kMaxJsonDepth = 64;

struct ParsedHistory {
  History history;
  std::optional<InputError> error;  // when set, history holds the events before the bad line
};

ParsedHistory parse_history_jsonl(std::string_view text);

// One event as one JSON line (no newline); parse_history_jsonl reads it back.
std::string to_json_line(const Event& event);
// The whole history, one line per event, each ending in '\n'.
std::string to_jsonl(const History& history);

}  // namespace slotsim::checker
