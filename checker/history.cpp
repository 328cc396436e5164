#include "checker/history.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace slotsim::checker {

Value Value::of(std::int64_t n) {
  Value v;
  v.kind_ = Kind::integer;
  v.integer_ = n;
  return v;
}

Value Value::of(std::string text) {
  Value v;
  v.kind_ = Kind::string;
  v.payload_ = std::make_shared<const std::string>(std::move(text));
  return v;
}

Value Value::list_of(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::list;
  if (!items.empty()) v.payload_ = std::make_shared<const std::vector<Value>>(std::move(items));
  return v;
}

const std::vector<Value>& Value::items() const {
  static const std::vector<Value> kNone;
  return kind_ == Kind::list && payload_ ? *static_cast<const std::vector<Value>*>(payload_.get()) : kNone;
}

const std::string& Value::text() const {
  static const std::string kNone;
  return kind_ == Kind::string ? *static_cast<const std::string*>(payload_.get()) : kNone;
}

Value Value::pair(Value first, Value second) {
  std::vector<Value> items;
  items.push_back(std::move(first));
  items.push_back(std::move(second));
  return list_of(std::move(items));
}

int Value::compare(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return a.kind_ < b.kind_ ? -1 : 1;
  switch (a.kind_) {
    case Kind::null: return 0;
    case Kind::integer: return a.integer_ < b.integer_ ? -1 : (a.integer_ > b.integer_ ? 1 : 0);
    case Kind::string: {
      const int c = a.text().compare(b.text());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::list: {
      if (a.payload_ == b.payload_) return 0;
      const std::vector<Value>& x = a.items();
      const std::vector<Value>& y = b.items();
      const std::size_t n = std::min(x.size(), y.size());
      for (std::size_t i = 0; i < n; ++i) {
        if (const int c = compare(x[i], y[i]); c != 0) return c;
      }
      if (x.size() == y.size()) return 0;
      return x.size() < y.size() ? -1 : 1;
    }
  }
  return 0;
}

std::string Value::to_json(std::size_t max_items) const {
  switch (kind_) {
    case Kind::null: return "null";
    case Kind::integer: return std::to_string(integer_);
    case Kind::string: return json_quote(text());
    case Kind::list: {
      const std::vector<Value>& items = this->items();
      std::string out = "[";
      const std::size_t shown = max_items == 0 ? items.size() : std::min(items.size(), max_items);
      for (std::size_t i = 0; i < shown; ++i) {
        if (i > 0) out += ',';
        out += items[i].to_json(max_items);
      }
      if (shown < items.size()) out += fmt::format(",...(+{})", items.size() - shown);
      return out + "]";
    }
  }
  return "null";
}

std::string json_quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::invoke: return "invoke";
    case EventType::ok: return "ok";
    case EventType::fail: return "fail";
    case EventType::info: return "info";
  }
  return "?";
}

std::string_view to_string(Function f) {
  switch (f) {
    case Function::read: return "read";
    case Function::write: return "write";
    case Function::cas: return "cas";
    case Function::append: return "append";
  }
  return "?";
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::fail: return "fail";
    case Outcome::info: return "info";
  }
  return "?";
}

std::optional<EventType> parse_event_type(std::string_view text) {
  for (EventType t : {EventType::invoke, EventType::ok, EventType::fail, EventType::info}) {
    if (text == to_string(t)) return t;
  }
  return std::nullopt;
}

std::optional<Function> parse_function(std::string_view text) {
  for (Function f : {Function::read, Function::write, Function::cas, Function::append}) {
    if (text == to_string(f)) return f;
  }
  return std::nullopt;
}

std::string InputError::to_string() const {
  if (column > 0) return fmt::format("line {}, column {}: {}", line, column, message);
  return fmt::format("line {}: {}", line, message);
}

PairedHistory pair_operations(const History& history) {
  PairedHistory paired;
  auto fail = [&](std::size_t line, std::string message) {
    paired.operations.clear();
    paired.error = InputError{line, 0, std::move(message)};
    return paired;
  };
  std::map<std::int64_t, std::size_t> pending;  // process -> index of its pending operation
  for (std::size_t i = 0; i < history.size(); ++i) {
    const Event& event = history[i];
    const std::size_t line = event.line != 0 ? event.line : i + 1;
    const auto found = pending.find(event.process);
    if (event.type == EventType::invoke) {
      if (found != pending.end()) {
        return fail(line, fmt::format("process {} invokes {} while its {} invoked at line {} is still pending "
                                      "(a process has one operation at a time)",
                                      event.process, to_string(event.f),
                                      to_string(paired.operations[found->second].f),
                                      paired.operations[found->second].invoke_line));
      }
      Operation op;
      op.id = paired.operations.size();
      op.process = event.process;
      op.f = event.f;
      op.key = event.key;
      if (event.f != Function::read) op.argument = event.value;
      op.invoke_ns = event.time_ns;
      op.invoke_line = line;
      pending.emplace(event.process, op.id);
      paired.operations.push_back(std::move(op));
      continue;
    }
    if (found == pending.end()) {
      return fail(line, fmt::format("'{}' completion for process {} without a pending invoke", to_string(event.type),
                                    event.process));
    }
    Operation& op = paired.operations[found->second];
    if (event.f != op.f || event.key != op.key) {
      return fail(line, fmt::format("completion of process {} is {} on key {} but its invoke at line {} is {} on key {}",
                                    event.process, to_string(event.f), json_quote(event.key), op.invoke_line,
                                    to_string(op.f), json_quote(op.key)));
    }
    if (event.time_ns < op.invoke_ns) {
      return fail(line, fmt::format("completion time {} is before its invoke's time {} (line {})", event.time_ns,
                                    op.invoke_ns, op.invoke_line));
    }
    op.complete_line = line;
    switch (event.type) {
      case EventType::ok:
        op.outcome = Outcome::ok;
        op.complete_ns = event.time_ns;
        if (op.f == Function::read) op.result = event.value;
        break;
      case EventType::fail:
        op.outcome = Outcome::fail;
        op.complete_ns = event.time_ns;
        break;
      case EventType::info:
      case EventType::invoke:
        op.outcome = Outcome::info;
        op.complete_ns = kForever;
        break;
    }
    pending.erase(found);
  }
  // Whatever is still pending never completed: info, as the invariants say.
  return paired;
}

std::string describe(const Operation& op) {
  constexpr std::size_t kListItemsShown = 12;
  std::string text = fmt::format("p{} {}", op.process, to_string(op.f));
  if (op.f == Function::read) {
    if (op.is_ok()) text += " " + op.result.to_json(kListItemsShown);
  } else {
    text += " " + op.argument.to_json(kListItemsShown);
  }
  switch (op.outcome) {
    case Outcome::ok: text += fmt::format(" (lines {}-{})", op.invoke_line, op.complete_line); break;
    case Outcome::fail: text += fmt::format(" (lines {}-{}, fail)", op.invoke_line, op.complete_line); break;
    case Outcome::info:
      if (op.complete_line != 0) {
        text += fmt::format(" (line {}, info at line {})", op.invoke_line, op.complete_line);
      } else {
        text += fmt::format(" (line {}, never completed)", op.invoke_line);
      }
      break;
  }
  return text;
}

}  // namespace slotsim::checker
