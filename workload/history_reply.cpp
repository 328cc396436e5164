#include "workload/history_reply.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "node/reply_parser.h"

namespace slotsim::workload {

namespace {

using checker::Value;

// Whether the eight bytes at p are all ASCII digits; then their value. A
// read is mostly 10-digit values: eight digits at a time with a few
// multiplies (the fast_float trick) instead of a multiply per digit.
bool eight_digits(const char* p, std::uint64_t& out) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap64(v);
  if (((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) != 0x3333333333333333) {
    return false;
  }
  v -= 0x3030303030303030;
  v = v * 10 + (v >> 8);  // pairs of digits
  constexpr std::uint64_t kMask = 0x000000FF000000FF;
  constexpr std::uint64_t kMul1 = 100 + (1000000ULL << 32);
  constexpr std::uint64_t kMul2 = 1 + (10000ULL << 32);
  out = (((v & kMask) * kMul1) + (((v >> 16) & kMask) * kMul2)) >> 32;
  return true;
}

// The whole text as a decimal integer: an optional '-', then digits, in range
// (what std::from_chars accepts, spelled out: every list item of every read
// goes through here).
bool parse_decimal(std::string_view text, std::int64_t& out) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return false;
  constexpr std::uint64_t kPositiveMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const std::uint64_t limit = negative ? kPositiveMax + 1 : kPositiveMax;
  // Up to 18 digits cannot overflow: no range check per digit then.
  constexpr std::size_t kAlwaysFits = 18;
  const bool may_overflow = text.size() > kAlwaysFits;
  std::uint64_t value = 0;
  std::size_t at = 0;
  if (!may_overflow) {
    for (std::uint64_t eight = 0; at + 8 <= text.size(); at += 8) {
      if (!eight_digits(text.data() + at, eight)) return false;
      value = value * 100'000'000 + eight;
    }
  }
  for (const char c : text.substr(at)) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (may_overflow && value > (limit - digit) / 10) return false;
    value = value * 10 + digit;
  }
  out = negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
  return true;
}

Value scalar(std::string_view text) {
  std::int64_t n = 0;
  if (parse_decimal(text, n)) return Value::of(n);
  return Value::of(std::string(text));
}

struct HistoryBuilder {
  using Value = checker::Value;
  using List = std::vector<checker::Value>;
  void simple(Value& out, std::string_view text) { out = scalar(text); }
  void error(Value&, std::string_view) {}  // null
  void integer(Value& out, std::int64_t n) { out = Value::of(n); }
  void bulk(Value& out, std::string_view data) { out = scalar(data); }
  void null_bulk(Value&) {}
  void null_array(Value&) {}
  void array(Value& out, List&& items) { out = Value::list_of(std::move(items)); }
};

}  // namespace

node::ReplyStep HistoryReplyReader::read(std::string_view input, std::size_t& consumed) {
  HistoryBuilder builder;
  node::ReplyParser parser(input, builder);
  Value value;
  const node::ReplyStep step = parser.parse(value);
  if (step == node::ReplyStep::done) {
    value_ = std::move(value);
    consumed = parser.pos();
  }
  return step;
}

}  // namespace slotsim::workload
