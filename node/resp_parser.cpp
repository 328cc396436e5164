#include "node/resp_parser.h"

#include <algorithm>
#include <array>
#include <limits>

namespace slotsim::node {
namespace {

constexpr std::size_t kNotFound = std::string_view::npos;
// Redis sizes argv for at most this many arguments up front and grows after.
constexpr std::size_t kMaxArgReserve = 1024;
// The shortest multibulk element, "$0\r\n\r\n", bounds how many can have arrived.
constexpr std::size_t kMinElementBytes = 6;

// strchr semantics: Redis searches its NUL-terminated query buffer, so the
// search stops at the first NUL byte as if the data ended there.
std::size_t find_before_nul(std::string_view input, std::size_t from, char wanted) {
  for (std::size_t i = from; i < input.size(); ++i) {
    if (input[i] == wanted) return i;
    if (input[i] == '\0') return kNotFound;
  }
  return kNotFound;
}

ParsedRequest make_error(std::string_view input, std::string_view protocol_text) {
  ParsedRequest out;
  out.status = ParsedRequest::Status::error;
  out.consumed = input.size();
  out.error = "ERR Protocol error: ";
  out.error.append(protocol_text);
  return out;
}

ParsedRequest make_empty(std::size_t consumed) {
  ParsedRequest out;
  out.status = ParsedRequest::Status::empty;
  out.consumed = consumed;
  return out;
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// isspace() in the C locale (Redis never changes LC_CTYPE).
bool is_c_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// sdssplitargs on a line that holds no NUL byte. Returns nullopt for
// "unbalanced quotes". Note the asymmetry Redis has: blanks between tokens are
// isspace() (so \v and \f too) but an unquoted token ends only at ' ', \t, \r, \n.
std::optional<std::vector<std::string>> split_inline_args(std::string_view line) {
  // The line is a C string to sdssplitargs: reading past its end yields '\0'.
  auto at = [line](std::size_t i) { return i < line.size() ? line[i] : '\0'; };
  std::vector<std::string> args;
  std::size_t p = 0;
  while (true) {
    while (at(p) != '\0' && is_c_space(at(p))) ++p;
    if (at(p) == '\0') return args;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    std::string current;
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && is_hex_digit(at(p + 2)) && is_hex_digit(at(p + 3))) {
          current += static_cast<char>(hex_value(at(p + 2)) * 16 + hex_value(at(p + 3)));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          switch (at(p)) {
            case 'n': current += '\n'; break;
            case 'r': current += '\r'; break;
            case 't': current += '\t'; break;
            case 'b': current += '\b'; break;
            case 'a': current += '\a'; break;
            default: current += at(p); break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a blank or the end of the line.
          if (at(p + 1) != '\0' && !is_c_space(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;
        } else {
          current += c;
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          current += '\'';
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !is_c_space(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;
        } else {
          current += c;
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0': done = true; break;
          case '"': in_double = true; break;
          case '\'': in_single = true; break;
          default: current += c; break;
        }
      }
      if (at(p) != '\0') ++p;
    }
    args.push_back(std::move(current));
  }
}

ParsedRequest parse_inline(std::string_view input, const RespLimits& limits) {
  const std::size_t newline = find_before_nul(input, 0, '\n');
  if (newline == kNotFound) {
    if (input.size() > limits.max_inline_bytes) return make_error(input, "too big inline request");
    return {};
  }
  // A '\r' right before the '\n' belongs to the terminator.
  std::size_t line_end = newline;
  if (line_end > 0 && input[line_end - 1] == '\r') --line_end;
  auto args = split_inline_args(input.substr(0, line_end));
  if (!args) return make_error(input, "unbalanced quotes in request");
  if (args->empty()) return make_empty(newline + 1);
  ParsedRequest out;
  out.status = ParsedRequest::Status::command;
  out.consumed = newline + 1;
  out.args = std::move(*args);
  return out;
}

ParsedRequest parse_multibulk(std::string_view input, const RespLimits& limits) {
  const std::size_t header_cr = find_before_nul(input, 0, '\r');
  if (header_cr == kNotFound) {
    if (input.size() > limits.max_inline_bytes) return make_error(input, "too big mbulk count string");
    return {};
  }
  // Redis wants one more byte after the '\r' but never checks that it is '\n'.
  if (header_cr + 2 > input.size()) return {};
  const auto count = redis_string_to_ll(input.substr(1, header_cr - 1));
  if (!count || *count > limits.max_array_length) return make_error(input, "invalid multibulk length");
  std::size_t pos = header_cr + 2;
  if (*count <= 0) return make_empty(pos);

  const auto wanted = static_cast<std::uint64_t>(*count);
  // Views into input until the request is complete: an incomplete request costs
  // no copies, and the reservation is bounded by what has arrived.
  // Short commands (nearly all) keep their views on the stack.
  std::array<std::string_view, 8> small;
  std::size_t small_count = 0;
  const bool is_small = wanted <= small.size();
  std::vector<std::string_view> views;
  if (!is_small) {
    views.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>({wanted, kMaxArgReserve, (input.size() - pos) / kMinElementBytes + 1})));
  }
  while ((is_small ? small_count : views.size()) < wanted) {
    const std::size_t cr = find_before_nul(input, pos, '\r');
    if (cr == kNotFound) {
      if (input.size() - pos > limits.max_inline_bytes) return make_error(input, "too big bulk count string");
      return {};
    }
    if (cr + 2 > input.size()) return {};
    if (input[pos] != '$') {
      // addReplyErrorFormat turns CR and LF into spaces to keep the reply one line.
      char got = input[pos];
      if (got == '\r' || got == '\n') got = ' ';
      std::string text = "expected '$', got '";
      text += got;
      text += '\'';
      return make_error(input, text);
    }
    const auto length = redis_string_to_ll(input.substr(pos + 1, cr - pos - 1));
    if (!length || *length < 0 || static_cast<std::uint64_t>(*length) > limits.max_bulk_bytes) {
      return make_error(input, "invalid bulk length");
    }
    pos = cr + 2;
    const auto bulk = static_cast<std::size_t>(*length);
    // The data plus two terminator bytes must have arrived (written to avoid overflow).
    if (input.size() - pos < bulk || input.size() - pos - bulk < 2) return {};
    if (is_small) {
      small[small_count++] = input.substr(pos, bulk);
    } else {
      views.push_back(input.substr(pos, bulk));
    }
    pos += bulk + 2;
  }
  ParsedRequest out;
  out.status = ParsedRequest::Status::command;
  out.consumed = pos;
  if (is_small) {
    out.args.assign(small.begin(), small.begin() + static_cast<std::ptrdiff_t>(small_count));
  } else {
    out.args.assign(views.begin(), views.end());
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> redis_string_to_ll(std::string_view text) {
  constexpr std::size_t kLongStrSize = 21;
  if (text.empty() || text.size() >= kLongStrSize) return std::nullopt;
  if (text == "0") return 0;
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '-') {
    negative = true;
    ++i;
    if (i == text.size()) return std::nullopt;
  }
  if (text[i] < '1' || text[i] > '9') return std::nullopt;
  // Up to 18 digits cannot overflow: the common case (every bulk length of
  // every reply) skips the per-digit range checks.
  constexpr std::size_t kAlwaysFits = 18;
  if (text.size() - i <= kAlwaysFits) {
    std::int64_t small = 0;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return std::nullopt;
      small = small * 10 + (c - '0');
    }
    return negative ? -small : small;
  }
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > kMax / 10) return std::nullopt;
    value *= 10;
    if (value > kMax - digit) return std::nullopt;
    value += digit;
  }
  constexpr auto kPositiveMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (value > kPositiveMax + 1) return std::nullopt;
    if (value == kPositiveMax + 1) return std::numeric_limits<std::int64_t>::min();
    return -static_cast<std::int64_t>(value);
  }
  if (value > kPositiveMax) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

ParsedRequest parse_request(std::string_view input, const RespLimits& limits) {
  if (input.empty()) return {};
  if (input[0] == '*') return parse_multibulk(input, limits);
  return parse_inline(input, limits);
}

}  // namespace slotsim::node
