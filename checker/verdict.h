// The outcome of a history check. Three verdicts, never two: a search that ran
// out of budget says `unknown`, because calling it `valid` would hide bugs and
// calling it `invalid` would raise false alarms.
//
// An explanation is one line a person can act on: it names the key and the
// operations involved, each with its process and the lines of the history file
// it came from, so the reader can open the file at the offending events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim::checker {

enum class Verdict { valid, invalid, unknown };

constexpr std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid: return "valid";
    case Verdict::invalid: return "invalid";
    case Verdict::unknown: return "unknown";
  }
  return "unknown";
}

struct CheckResult {
  Verdict verdict = Verdict::valid;
  // invalid: the first offending key (in key order); unknown: the first key
  // whose search ran out of budget. Empty when valid.
  std::string key;
  // invalid/unknown: what is wrong, starting with the key ("key x: ...") and
  // naming the operations. Empty when valid.
  std::string explanation;
  // Ids (Operation::id) of the operations the explanation names.
  std::vector<std::size_t> operations;
  // Work done, for benchmarks and budgets: search steps over all keys.
  std::uint64_t steps = 0;
  std::size_t keys_checked = 0;
};

// The one line `slotsim check` prints: "valid", "invalid: key K: ...", or
// "unknown: step budget exhausted on key K ...".
inline std::string verdict_line(const CheckResult& result) {
  if (result.verdict == Verdict::valid) return "valid";
  return std::string(to_string(result.verdict)) + ": " + result.explanation;
}

// A key as explanations print it: as is when it is a plain printable word,
// JSON-quoted otherwise, so an explanation stays one unambiguous line.
inline std::string printable_key(std::string_view key) {
  bool plain = !key.empty();
  for (unsigned char c : key) plain = plain && c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ':';
  if (plain) return std::string(key);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : key) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace slotsim::checker
