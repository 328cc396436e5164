#include "checker/history_json.h"

#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace slotsim::checker {

namespace {

// A parsed JSON value. Numbers keep only what histories need: integers that
// fit in 64 bits; any other number is remembered as "not an integer".
struct Json {
  enum class Kind : std::uint8_t { null, boolean, integer, non_integer, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  std::string text;  // string; for non_integer, the number's text
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;
  std::size_t column = 0;  // where the value starts, for errors about it
};

std::string_view kind_name(Json::Kind kind) {
  switch (kind) {
    case Json::Kind::null: return "null";
    case Json::Kind::boolean: return "a boolean";
    case Json::Kind::integer: return "an integer";
    case Json::Kind::non_integer: return "a non-integer number";
    case Json::Kind::string: return "a string";
    case Json::Kind::array: return "an array";
    case Json::Kind::object: return "an object";
  }
  return "?";
}

// Recursive descent over one line. Every failure sets error_ and returns
// false; the first error wins.
class LineParser {
 public:
  explicit LineParser(std::string_view line) : in_(line) {}

  // The whole line must be exactly one JSON value.
  bool parse_document(Json& out) {
    skip_space();
    if (!parse_value(out, 0)) return false;
    skip_space();
    if (pos_ != in_.size()) return fail(fmt::format("unexpected {} after the end of the JSON value", here()));
    return true;
  }

  const std::string& error() const { return error_; }
  std::size_t error_column() const { return error_column_; }

 private:
  bool fail(std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      error_column_ = pos_ + 1;
    }
    return false;
  }

  // The character at pos_, for messages.
  std::string here() const {
    if (pos_ >= in_.size()) return "end of line";
    const auto c = static_cast<unsigned char>(in_[pos_]);
    if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
    return fmt::format("byte 0x{:02x}", c);
  }

  void skip_space() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\r')) ++pos_;
  }

  bool literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return fail(fmt::format("unexpected {}: not a JSON value", here()));
    pos_ += word.size();
    return true;
  }

  bool parse_value(Json& out, std::size_t depth) {
    if (depth >= kMaxJsonDepth) return fail(fmt::format("arrays and objects nested deeper than {}", kMaxJsonDepth));
    out.column = pos_ + 1;
    if (pos_ >= in_.size()) return fail("expected a JSON value, found the end of the line");
    switch (in_[pos_]) {
      case '{': return parse_object(out, depth);
      case '[': return parse_array(out, depth);
      case '"': out.kind = Json::Kind::string; return parse_string(out.text);
      case 't': out.kind = Json::Kind::boolean; out.boolean = true; return literal("true");
      case 'f': out.kind = Json::Kind::boolean; out.boolean = false; return literal("false");
      case 'n': out.kind = Json::Kind::null; return literal("null");
      default:
        if (in_[pos_] == '-' || (in_[pos_] >= '0' && in_[pos_] <= '9')) return parse_number(out);
        return fail(fmt::format("unexpected {}: not a JSON value", here()));
    }
  }

  bool parse_object(Json& out, std::size_t depth) {
    out.kind = Json::Kind::object;
    ++pos_;  // '{'
    skip_space();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_space();
      if (pos_ >= in_.size() || in_[pos_] != '"') return fail(fmt::format("expected '\"' to start a field name, found {}", here()));
      std::string name;
      if (!parse_string(name)) return false;
      skip_space();
      if (pos_ >= in_.size() || in_[pos_] != ':') return fail(fmt::format("expected ':' after field name, found {}", here()));
      ++pos_;
      skip_space();
      Json value;
      if (!parse_value(value, depth + 1)) return false;
      out.members.emplace_back(std::move(name), std::move(value));
      skip_space();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail(fmt::format("expected ',' or '}}' in an object, found {}", here()));
    }
  }

  bool parse_array(Json& out, std::size_t depth) {
    out.kind = Json::Kind::array;
    ++pos_;  // '['
    skip_space();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_space();
      Json item;
      if (!parse_value(item, depth + 1)) return false;
      out.items.push_back(std::move(item));
      skip_space();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail(fmt::format("expected ',' or ']' in an array, found {}", here()));
    }
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits at pos_ (after "\u").
  bool parse_hex4(std::uint32_t& code) {
    code = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = pos_ < in_.size() ? hex_digit(in_[pos_]) : -1;
      if (d < 0) return fail("\\u must be followed by four hex digits");
      code = code * 16 + static_cast<std::uint32_t>(d);
      ++pos_;
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xc0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xe0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    }
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= in_.size()) return fail("unterminated string");
      const auto c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail(fmt::format("control character 0x{:02x} inside a string (escape it)", c));
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= in_.size()) return fail("unterminated string");
      const char escape = in_[pos_++];
      switch (escape) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t code = 0;
          if (!parse_hex4(code)) return false;
          if (code >= 0xdc00 && code <= 0xdfff) return fail("\\u escape is a lone low surrogate");
          if (code >= 0xd800 && code <= 0xdbff) {
            std::uint32_t low = 0;
            if (in_.substr(pos_, 2) != "\\u") return fail("\\u escape is a high surrogate without its low half");
            pos_ += 2;
            if (!parse_hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return fail("\\u escape is a high surrogate without its low half");
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          }
          append_utf8(out, code);
          break;
        }
        default:
          --pos_;
          return fail(fmt::format("invalid escape '\\{}' in a string", escape));
      }
    }
  }

  bool parse_number(Json& out) {
    const std::size_t start = pos_;
    bool negative = false;
    if (in_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    if (pos_ >= in_.size() || in_[pos_] < '0' || in_[pos_] > '9') return fail("expected a digit in a number");
    // Accumulate the magnitude as unsigned to accept INT64_MIN exactly.
    std::uint64_t magnitude = 0;
    bool overflow = false;
    const bool leading_zero = in_[pos_] == '0';
    const std::size_t digits_start = pos_;
    while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(in_[pos_] - '0');
      if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) overflow = true;
      if (!overflow) magnitude = magnitude * 10 + digit;
      ++pos_;
    }
    if (leading_zero && pos_ - digits_start > 1) {
      pos_ = digits_start;
      return fail("numbers must not have leading zeros");
    }
    bool integral = true;
    if (pos_ < in_.size() && in_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (pos_ >= in_.size() || in_[pos_] < '0' || in_[pos_] > '9') return fail("expected a digit after '.'");
      while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') ++pos_;
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (pos_ >= in_.size() || in_[pos_] < '0' || in_[pos_] > '9') return fail("expected a digit in an exponent");
      while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') ++pos_;
    }
    out.text = std::string(in_.substr(start, pos_ - start));
    if (!integral) {
      out.kind = Json::Kind::non_integer;
      return true;
    }
    const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
    if (overflow || magnitude > limit) {
      pos_ = start;
      return fail(fmt::format("integer {} does not fit in 64 bits", out.text));
    }
    out.kind = Json::Kind::integer;
    out.integer = negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_column_ = 0;
};

// A history value from JSON: null, integers, strings and arrays of them.
std::optional<Value> to_value(const Json& json, std::string& error) {
  switch (json.kind) {
    case Json::Kind::null: return Value();
    case Json::Kind::integer: return Value::of(json.integer);
    case Json::Kind::string: return Value::of(json.text);
    case Json::Kind::array: {
      std::vector<Value> items;
      items.reserve(json.items.size());
      for (const Json& item : json.items) {
        auto value = to_value(item, error);
        if (!value) return std::nullopt;
        items.push_back(std::move(*value));
      }
      return Value::list_of(std::move(items));
    }
    case Json::Kind::non_integer:
      error = fmt::format("\"value\" holds the number {}; values are null, integers, strings or arrays of them",
                          json.text);
      return std::nullopt;
    case Json::Kind::boolean:
    case Json::Kind::object:
      error = fmt::format("\"value\" holds {}; values are null, integers, strings or arrays of them",
                          kind_name(json.kind));
      return std::nullopt;
  }
  return std::nullopt;
}

// The event in one parsed line, or an error message (column: of the bad field).
std::optional<Event> to_event(const Json& json, std::string& error, std::size_t& column) {
  if (json.kind != Json::Kind::object) {
    error = fmt::format("an event must be a JSON object, found {}", kind_name(json.kind));
    return std::nullopt;
  }
  const Json* fields[6] = {};
  static constexpr std::string_view kNames[6] = {"process", "type", "f", "key", "time", "value"};
  for (const auto& [name, value] : json.members) {
    for (std::size_t i = 0; i < 6; ++i) {
      if (name != kNames[i]) continue;
      if (fields[i] != nullptr) {
        error = fmt::format("field \"{}\" appears twice", name);
        column = value.column;
        return std::nullopt;
      }
      fields[i] = &value;
    }
  }
  for (std::size_t i = 0; i < 5; ++i) {
    if (fields[i] == nullptr) {
      error = fmt::format("missing field \"{}\"", kNames[i]);
      return std::nullopt;
    }
  }
  auto wrong = [&](std::size_t field, std::string_view wanted) {
    error = fmt::format("\"{}\" must be {}, found {}", kNames[field], wanted,
                        fields[field]->kind == Json::Kind::non_integer ? "the number " + fields[field]->text
                                                                         : std::string(kind_name(fields[field]->kind)));
    column = fields[field]->column;
    return std::nullopt;
  };
  Event event;
  if (fields[0]->kind != Json::Kind::integer) return wrong(0, "an integer");
  event.process = fields[0]->integer;
  if (fields[1]->kind != Json::Kind::string) return wrong(1, "a string");
  const auto type = parse_event_type(fields[1]->text);
  if (!type) {
    error = fmt::format("unknown type {}: must be invoke, ok, fail or info", json_quote(fields[1]->text));
    column = fields[1]->column;
    return std::nullopt;
  }
  event.type = *type;
  if (fields[2]->kind != Json::Kind::string) return wrong(2, "a string");
  const auto f = parse_function(fields[2]->text);
  if (!f) {
    error = fmt::format("unknown f {}: must be read, write, cas or append", json_quote(fields[2]->text));
    column = fields[2]->column;
    return std::nullopt;
  }
  event.f = *f;
  if (fields[3]->kind != Json::Kind::string) return wrong(3, "a string");
  event.key = fields[3]->text;
  if (fields[4]->kind != Json::Kind::integer || fields[4]->integer < 0 || fields[4]->integer == kForever) {
    if (fields[4]->kind == Json::Kind::integer) {
      error = fmt::format("\"time\" must be at least 0 and below 2^63-1, found {}", fields[4]->integer);
      column = fields[4]->column;
      return std::nullopt;
    }
    return wrong(4, "an integer (nanoseconds)");
  }
  event.time_ns = fields[4]->integer;
  if (fields[5] != nullptr) {
    auto value = to_value(*fields[5], error);
    if (!value) {
      column = fields[5]->column;
      return std::nullopt;
    }
    event.value = std::move(*value);
  }
  return event;
}

}  // namespace

ParsedHistory parse_history_jsonl(std::string_view text) {
  ParsedHistory parsed;
  std::size_t line_number = 0;
  std::size_t start = 0;
  // A UTF-8 byte order mark is not part of the first event.
  if (text.substr(0, 3) == "\xef\xbb\xbf") start = 3;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    LineParser parser(line);
    Json json;
    if (!parser.parse_document(json)) {
      parsed.error = InputError{line_number, parser.error_column(), "bad JSON: " + parser.error()};
      return parsed;
    }
    std::string error;
    std::size_t column = 0;
    auto event = to_event(json, error, column);
    if (!event) {
      parsed.error = InputError{line_number, column, error};
      return parsed;
    }
    event->line = line_number;
    parsed.history.push_back(std::move(*event));
  }
  return parsed;
}

std::string to_json_line(const Event& event) {
  return fmt::format(R"({{"process":{},"type":"{}","f":"{}","key":{},"value":{},"time":{}}})", event.process,
                     to_string(event.type), to_string(event.f), json_quote(event.key), event.value.to_json(),
                     event.time_ns);
}

std::string to_jsonl(const History& history) {
  std::string out;
  for (const Event& event : history) {
    out += to_json_line(event);
    out += '\n';
  }
  return out;
}

}  // namespace slotsim::checker
