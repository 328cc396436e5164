// RESP2 reply encoding: every reply a node sends is built with these, so the
// wire format lives in one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim::node::reply {

inline std::string simple(std::string_view text) { return "+" + std::string(text) + "\r\n"; }
inline std::string ok() { return "+OK\r\n"; }
// text includes the error code: error("ERR syntax error"), error("MOVED 12 1.2.3.4:7000").
inline std::string error(std::string_view text) { return "-" + std::string(text) + "\r\n"; }
inline std::string integer(std::int64_t value) { return ":" + std::to_string(value) + "\r\n"; }
inline std::string bulk(std::string_view data) {
  std::string out = "$" + std::to_string(data.size()) + "\r\n";
  out.append(data);
  out += "\r\n";
  return out;
}
inline std::string null_bulk() { return "$-1\r\n"; }
inline std::string null_array() { return "*-1\r\n"; }
inline std::string array_header(std::size_t count) { return "*" + std::to_string(count) + "\r\n"; }
inline std::string bulk_array(const std::vector<std::string>& items) {
  std::string out = array_header(items.size());
  for (const auto& item : items) out += bulk(item);
  return out;
}

// The common errors, worded exactly as Redis 7 words them.
inline std::string wrong_arity(std::string_view lowercase_name) {
  return error("ERR wrong number of arguments for '" + std::string(lowercase_name) + "' command");
}
inline std::string syntax_error() { return error("ERR syntax error"); }
inline std::string not_an_integer() { return error("ERR value is not an integer or out of range"); }
inline std::string wrong_type() { return error("WRONGTYPE Operation against a key holding the wrong kind of value"); }

}  // namespace slotsim::node::reply
