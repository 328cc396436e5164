// The RESP2 reply grammar, generic over what it builds: parse_reply builds
// RespValues with it, and a caller that wants its own form (a workload's
// history values) builds that straight from the bytes, with the same
// strictness and the same verdict on every input (see parse_reply).
//
// A Builder provides:
//   using Value = ...;  using List = ...;   // List: reserve(n), emplace_back() -> Value&
//   void simple(Value&, std::string_view);  void error(Value&, std::string_view);
//   void integer(Value&, std::int64_t);     void bulk(Value&, std::string_view);
//   void null_bulk(Value&);  void null_array(Value&);  void array(Value&, List&&);
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/resp_parser.h"

namespace slotsim::node {

// Arrays may nest this deep; deeper input is rejected so that parsing,
// formatting and destruction (all recursive) stay within a small stack.
inline constexpr int kMaxReplyDepth = 64;

enum class ReplyStep { done, need_more, error };

namespace reply_grammar {

// The shortest reply, "+\r\n", bounds how many array elements can have arrived.
constexpr std::size_t kMinReplyBytes = 3;
constexpr std::size_t kMaxElementReserve = 1024;

// Short canonical non-negative numbers (every length a reply carries) without
// the general parser; anything else goes to redis_string_to_ll.
inline std::optional<std::int64_t> parse_number(std::string_view text) {
  const std::size_t n = text.size();
  if (n >= 1 && n <= 9 && (text[0] != '0' || n == 1)) {
    std::int64_t value = 0;
    for (const char c : text) {
      const unsigned digit = static_cast<unsigned>(c - '0');
      if (digit > 9) return redis_string_to_ll(text);
      value = value * 10 + digit;
    }
    return value;
  }
  return redis_string_to_ll(text);
}

}  // namespace reply_grammar

template <class Builder>
class ReplyParser {
 public:
  using Value = typename Builder::Value;

  ReplyParser(std::string_view input, Builder& builder) : input_(input), builder_(builder) {}

  // Parses one reply from the start of the input into out.
  ReplyStep parse(Value& out, int depth = 0) {
    if (pos_ >= input_.size()) return ReplyStep::need_more;
    const char type = input_[pos_];
    switch (type) {
      case '+':
      case '-':
      case ':':
      case '$':
      case '*': break;
      default: return fail(std::string("unexpected reply type byte '") + type + "'");
    }
    ++pos_;
    std::string_view line;
    if (!read_line(line)) return ReplyStep::need_more;
    switch (type) {
      case '+':
        builder_.simple(out, line);
        return ReplyStep::done;
      case '-':
        builder_.error(out, line);
        return ReplyStep::done;
      case ':': {
        const auto number = reply_grammar::parse_number(line);
        if (!number) return fail("invalid integer reply");
        builder_.integer(out, *number);
        return ReplyStep::done;
      }
      case '$': return parse_bulk(out, line);
      default: return parse_array(out, line, depth);
    }
  }

  std::size_t pos() const { return pos_; }
  std::string take_error() { return std::move(error_); }

 private:
  // The content of the line at pos_, which must end in "\r\n".
  bool read_line(std::string_view& line) {
    // Lines are short: a byte loop beats a general substring search.
    std::size_t end = pos_;
    while (end + 1 < input_.size() && (input_[end] != '\r' || input_[end + 1] != '\n')) ++end;
    if (end + 1 >= input_.size()) return false;
    line = input_.substr(pos_, end - pos_);
    pos_ = end + 2;
    return true;
  }

  ReplyStep parse_bulk(Value& out, std::string_view length_text) {
    if (length_text == "-1") {
      builder_.null_bulk(out);
      return ReplyStep::done;
    }
    const auto length = reply_grammar::parse_number(length_text);
    if (!length || *length < 0) return fail("invalid bulk length");
    const auto remaining = static_cast<std::uint64_t>(input_.size() - pos_);
    const auto size = static_cast<std::uint64_t>(*length);
    if (remaining < size || remaining - size < 2) return ReplyStep::need_more;
    const std::size_t end = pos_ + static_cast<std::size_t>(size);
    if (input_[end] != '\r' || input_[end + 1] != '\n') return fail("bulk data not followed by CRLF");
    builder_.bulk(out, input_.substr(pos_, end - pos_));
    pos_ = end + 2;
    return ReplyStep::done;
  }

  ReplyStep parse_array(Value& out, std::string_view count_text, int depth) {
    if (count_text == "-1") {
      builder_.null_array(out);
      return ReplyStep::done;
    }
    const auto count = reply_grammar::parse_number(count_text);
    if (!count || *count < 0) return fail("invalid multibulk length");
    if (*count > 0 && depth >= kMaxReplyDepth) return fail("arrays nested too deeply");
    const auto wanted = static_cast<std::uint64_t>(*count);
    typename Builder::List items;
    items.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(
        {wanted, reply_grammar::kMaxElementReserve, (input_.size() - pos_) / reply_grammar::kMinReplyBytes + 1})));
    for (std::uint64_t i = 0; i < wanted; ++i) {
      const ReplyStep step = parse(items.emplace_back(), depth + 1);
      if (step != ReplyStep::done) return step;
    }
    builder_.array(out, std::move(items));
    return ReplyStep::done;
  }

  ReplyStep fail(std::string text) {
    error_ = std::move(text);
    return ReplyStep::error;
  }

  std::string_view input_;
  Builder& builder_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace slotsim::node
