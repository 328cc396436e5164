#include "node/resp_value.h"

#include <algorithm>
#include <optional>

#include "node/reply.h"
#include "node/resp_parser.h"

namespace slotsim::node {
namespace {

// The shortest reply, "+\r\n", bounds how many array elements can have arrived.
constexpr std::size_t kMinReplyBytes = 3;
constexpr std::size_t kMaxElementReserve = 1024;

enum class Step { done, need_more, error };

// Short canonical non-negative numbers (every length a reply carries) without
// the general parser; anything else goes to redis_string_to_ll.
std::optional<std::int64_t> parse_number(std::string_view text) {
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

class ReplyParser {
 public:
  explicit ReplyParser(std::string_view input) : input_(input) {}

  Step parse(RespValue& out, int depth) {
    if (pos_ >= input_.size()) return Step::need_more;
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
    if (!read_line(line)) return Step::need_more;
    switch (type) {
      case '+':
        out.type = RespValue::Type::simple;
        out.text.assign(line);
        return Step::done;
      case '-':
        out.type = RespValue::Type::error;
        out.text.assign(line);
        return Step::done;
      case ':': {
        const auto number = parse_number(line);
        if (!number) return fail("invalid integer reply");
        out.type = RespValue::Type::integer;
        out.integer = *number;
        return Step::done;
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

  Step parse_bulk(RespValue& out, std::string_view length_text) {
    if (length_text == "-1") {
      out.type = RespValue::Type::null;
      return Step::done;
    }
    const auto length = parse_number(length_text);
    if (!length || *length < 0) return fail("invalid bulk length");
    const auto remaining = static_cast<std::uint64_t>(input_.size() - pos_);
    const auto size = static_cast<std::uint64_t>(*length);
    if (remaining < size || remaining - size < 2) return Step::need_more;
    const std::size_t end = pos_ + static_cast<std::size_t>(size);
    if (input_[end] != '\r' || input_[end + 1] != '\n') return fail("bulk data not followed by CRLF");
    out.type = RespValue::Type::bulk;
    out.text.assign(input_.substr(pos_, end - pos_));
    pos_ = end + 2;
    return Step::done;
  }

  Step parse_array(RespValue& out, std::string_view count_text, int depth) {
    if (count_text == "-1") {
      out.type = RespValue::Type::null_array;
      return Step::done;
    }
    const auto count = parse_number(count_text);
    if (!count || *count < 0) return fail("invalid multibulk length");
    if (*count > 0 && depth >= kMaxReplyDepth) return fail("arrays nested too deeply");
    out.type = RespValue::Type::array;
    const auto wanted = static_cast<std::uint64_t>(*count);
    out.elements.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>({wanted, kMaxElementReserve, (input_.size() - pos_) / kMinReplyBytes + 1})));
    for (std::uint64_t i = 0; i < wanted; ++i) {
      const Step step = parse(out.elements.emplace_back(), depth + 1);
      if (step != Step::done) return step;
    }
    return Step::done;
  }

  Step fail(std::string text) {
    error_ = std::move(text);
    return Step::error;
  }

  std::string_view input_;
  std::size_t pos_ = 0;
  std::string error_;
};

void encode_into(const RespValue& value, std::string& out) {
  switch (value.type) {
    case RespValue::Type::simple: out += reply::simple(value.text); return;
    case RespValue::Type::error: out += reply::error(value.text); return;
    case RespValue::Type::integer: out += reply::integer(value.integer); return;
    case RespValue::Type::bulk: out += reply::bulk(value.text); return;
    case RespValue::Type::null: out += reply::null_bulk(); return;
    case RespValue::Type::null_array: out += reply::null_array(); return;
    case RespValue::Type::array:
      out += reply::array_header(value.elements.size());
      for (const auto& element : value.elements) encode_into(element, out);
      return;
  }
}

// sdscatrepr, as redis-cli quotes bulk strings (isprint in the C locale).
void append_repr(std::string& out, std::string_view data) {
  constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : data) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (c >= 0x20 && c <= 0x7e) {
          out += c;
        } else {
          const auto byte = static_cast<unsigned char>(c);
          out += "\\x";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xf];
        }
    }
  }
  out += '"';
}

// redis-cli prints status and error texts with "%s", so a NUL byte ends them.
std::string_view c_string_prefix(std::string_view text) { return text.substr(0, text.find('\0')); }

// cliFormatReplyTTY: the caller has already written this element's "N) ";
// nested elements after the first are indented by `prefix`.
void format_tty(const RespValue& value, const std::string& prefix, std::string& out) {
  switch (value.type) {
    case RespValue::Type::error:
      out += "(error) ";
      out += c_string_prefix(value.text);
      out += '\n';
      return;
    case RespValue::Type::simple:
      out += c_string_prefix(value.text);
      out += '\n';
      return;
    case RespValue::Type::integer:
      out += "(integer) " + std::to_string(value.integer) + "\n";
      return;
    case RespValue::Type::bulk:
      append_repr(out, value.text);
      out += '\n';
      return;
    case RespValue::Type::null:
    case RespValue::Type::null_array:  // hiredis turns *-1 into a nil reply too
      out += "(nil)\n";
      return;
    case RespValue::Type::array: break;
  }
  if (value.elements.empty()) {
    out += "(empty array)\n";
    return;
  }
  // Indices are right-aligned to the width of the largest one, and nested
  // arrays are indented past "N) ".
  const std::size_t width = std::to_string(value.elements.size()).size();
  const std::string nested_prefix = prefix + std::string(width + 2, ' ');
  for (std::size_t i = 0; i < value.elements.size(); ++i) {
    if (i != 0) out += prefix;
    const std::string index = std::to_string(i + 1);
    out.append(width - index.size(), ' ');
    out += index;
    out += ") ";
    format_tty(value.elements[i], nested_prefix, out);
  }
}

}  // namespace

ParsedReply parse_reply(std::string_view input) {
  ReplyParser parser(input);
  ParsedReply out;
  switch (parser.parse(out.value, 0)) {
    case Step::done:
      out.status = ParsedReply::Status::value;
      out.consumed = parser.pos();
      return out;
    case Step::need_more: return ParsedReply{};
    case Step::error:
      out.status = ParsedReply::Status::error;
      out.consumed = input.size();
      out.value = RespValue{};
      out.error = parser.take_error();
      return out;
  }
  return ParsedReply{};
}

std::string encode_reply(const RespValue& value) {
  std::string out;
  encode_into(value, out);
  return out;
}

std::string format_redis_cli(const RespValue& value) {
  std::string out;
  format_tty(value, "", out);
  out.pop_back();  // every rendering ends in '\n'; callers print their own
  return out;
}

// The request encoding is the same array-of-bulks framing as a reply.
std::string encode_command(const std::vector<std::string>& args) { return reply::bulk_array(args); }

}  // namespace slotsim::node
