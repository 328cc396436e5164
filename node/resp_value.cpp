#include "node/resp_value.h"

#include "node/reply.h"

namespace slotsim::node {
namespace {

// Builds RespValues in place: the reply tree exactly as it arrived.
struct RespValueBuilder {
  using Value = RespValue;
  using List = std::vector<RespValue>;
  void simple(RespValue& out, std::string_view line) {
    out.type = RespValue::Type::simple;
    out.text.assign(line);
  }
  void error(RespValue& out, std::string_view line) {
    out.type = RespValue::Type::error;
    out.text.assign(line);
  }
  void integer(RespValue& out, std::int64_t n) {
    out.type = RespValue::Type::integer;
    out.integer = n;
  }
  void bulk(RespValue& out, std::string_view data) {
    out.type = RespValue::Type::bulk;
    out.text.assign(data);
  }
  void null_bulk(RespValue& out) { out.type = RespValue::Type::null; }
  void null_array(RespValue& out) { out.type = RespValue::Type::null_array; }
  void array(RespValue& out, List&& items) {
    out.type = RespValue::Type::array;
    out.elements = std::move(items);
  }
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
  RespValueBuilder builder;
  ReplyParser parser(input, builder);
  ParsedReply out;
  switch (parser.parse(out.value)) {
    case ReplyStep::done:
      out.status = ParsedReply::Status::value;
      out.consumed = parser.pos();
      return out;
    case ReplyStep::need_more: return ParsedReply{};
    case ReplyStep::error:
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
void append_command(std::string& out, const std::vector<std::string>& args) { reply::append_bulk_array(out, args); }

}  // namespace slotsim::node
