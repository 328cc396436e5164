// RESP2 reply encoding: every reply a node sends is built with these, so the
// wire format lives in one place.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim::node::reply {

// Appending forms, for replies built from many parts (LRANGE, CLUSTER SLOTS,
// requests): one growing buffer instead of a temporary string per part.
inline void append_number_line(std::string& out, char type, std::int64_t value) {
  char line[24];
  line[0] = type;
  char* end = std::to_chars(line + 1, line + sizeof line - 2, value).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(line, static_cast<std::size_t>(end - line));  // (pointer, size): the (first, last) form goes through replace()
}
inline void append_integer(std::string& out, std::int64_t value) { append_number_line(out, ':', value); }
inline void append_array_header(std::string& out, std::size_t count) {
  append_number_line(out, '*', static_cast<std::int64_t>(count));
}
inline void append_bulk(std::string& out, std::string_view data) {
  append_number_line(out, '$', static_cast<std::int64_t>(data.size()));
  out.append(data);
  out.append("\r\n", 2);
}

inline std::string simple(std::string_view text) { return "+" + std::string(text) + "\r\n"; }
inline std::string ok() { return "+OK\r\n"; }
// text includes the error code: error("ERR syntax error"), error("MOVED 12 1.2.3.4:7000").
inline std::string error(std::string_view text) { return "-" + std::string(text) + "\r\n"; }
inline std::string integer(std::int64_t value) {
  std::string out;
  append_integer(out, value);
  return out;
}
inline std::string bulk(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  append_bulk(out, data);
  return out;
}
inline std::string null_bulk() { return "$-1\r\n"; }
inline std::string null_array() { return "*-1\r\n"; }
inline std::string array_header(std::size_t count) {
  std::string out;
  append_array_header(out, count);
  return out;
}
// The strings of [first, last) as an array of bulk strings. Written in place
// into room made once (every request and every LRANGE reply is one of
// these): a few appends per item cost more than the bytes.
template <class It>
void append_bulk_array(std::string& out, It first, It last) {
  constexpr std::size_t kLineRoom = 24;  // a type byte, 20 digits and CRLF, with room to spare
  std::size_t count = 0;
  std::size_t room = kLineRoom;
  for (It it = first; it != last; ++it, ++count) room += kLineRoom + it->size() + 2;
  const std::size_t at = out.size();
  out.resize(at + room);
  char* p = out.data() + at;
  auto number_line = [&p](char type, std::size_t value) {
    *p++ = type;
    p = std::to_chars(p, p + kLineRoom, value).ptr;
    *p++ = '\r';
    *p++ = '\n';
  };
  number_line('*', count);
  for (It it = first; it != last; ++it) {
    number_line('$', it->size());
    std::memcpy(p, it->data(), it->size());
    p += it->size();
    *p++ = '\r';
    *p++ = '\n';
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
}
inline void append_bulk_array(std::string& out, const std::vector<std::string>& items) {
  append_bulk_array(out, items.begin(), items.end());
}
inline std::string bulk_array(const std::vector<std::string>& items) {
  std::string out;
  append_bulk_array(out, items);
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
