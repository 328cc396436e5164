#include "node/data_commands.h"

#include "node/resp_parser.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <utility>
#include <variant>

#include "node/reply.h"

namespace slotsim::node {
namespace {

using Args = std::vector<std::string>;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
// Redis's proto-max-bulk-len default: APPEND may not grow a string past it.
constexpr std::size_t kMaxStringLength = 512ULL * 1024 * 1024;

struct Ctx {
  const CommandSpec& spec;
  Keyspace& keys;
  Nanos now;
  std::int64_t now_ms;
  const Args& args;
  ExpiryMode mode;
  bool propagating;          // false: the caller passes nothing on, so no writes are built
  std::vector<Args> writes;  // the command's own propagation (after lazy-expiry DELs)
  // The write that is the command as sent: left empty while the command runs
  // (it still reads its arguments) and filled when it is done, by a move when
  // the caller gives the arguments up.
  std::size_t as_sent_at = kNoWrite;
  static constexpr std::size_t kNoWrite = static_cast<std::size_t>(-1);
};

// The command's propagation: the command as sent, or its rewritten form.
void write_as_sent(Ctx& c) {
  if (!c.propagating) return;
  if (c.as_sent_at != Ctx::kNoWrite) {
    c.writes.push_back(c.args);  // a second one (no command does this): a plain copy
    return;
  }
  c.as_sent_at = c.writes.size();
  c.writes.emplace_back();
}
void write(Ctx& c, Args args) {
  if (c.propagating) c.writes.push_back(std::move(args));
}

// The key as this node's role sees it (see ExpiryMode).
Value* lookup(Ctx& c, std::string_view key) {
  if (c.mode == ExpiryMode::active) return c.keys.find(key, c.now);
  Value* value = c.keys.peek(key);
  bool hide = c.mode == ExpiryMode::hidden && value != nullptr && is_expired(*value, c.now);
  return hide ? nullptr : value;
}

std::string* as_string(Value* value) { return std::get_if<std::string>(&value->data); }
ListValue* as_list(Value* value) { return std::get_if<ListValue>(&value->data); }

// Redis reads options through C strings: the text ends at the first NUL byte.
std::string_view c_string(std::string_view arg) { return arg.substr(0, arg.find('\0')); }

// Case-insensitive match of an option, with C-string semantics.
bool is_option(std::string_view arg, std::string_view lowercase) {
  std::string_view opt = c_string(arg);
  return opt.size() == lowercase.size() &&
         std::equal(opt.begin(), opt.end(), lowercase.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

std::string invalid_expire(const Ctx& c) {
  return reply::error("ERR invalid expire time in '" + std::string(c.spec.name) + "' command");
}

// --- strings ---

// GET's answer (also SET ... GET's): the string, nil, or WRONGTYPE.
std::string cmd_get(Ctx& c) {
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) return reply::null_bulk();
  std::string* text = as_string(value);
  return text == nullptr ? reply::wrong_type() : reply::bulk(*text);
}

enum class ExpireOption { none, ex, px, exat, pxat };

std::string cmd_set(Ctx& c) {
  const Args& a = c.args;
  bool nx = false, xx = false, get = false, keepttl = false;
  ExpireOption expire = ExpireOption::none;
  std::size_t expire_arg = 0;
  // Redis's parse: an expiry option is refused after KEEPTTL or another kind
  // of expiry, but repeating the same one is accepted (the last value wins).
  for (std::size_t j = 3; j < a.size(); ++j) {
    bool has_next = j + 1 < a.size();
    auto expiry_ok = [&](ExpireOption kind) {
      return !keepttl && has_next && (expire == ExpireOption::none || expire == kind);
    };
    if (is_option(a[j], "nx") && !xx) {
      nx = true;
    } else if (is_option(a[j], "xx") && !nx) {
      xx = true;
    } else if (is_option(a[j], "get")) {
      get = true;
    } else if (is_option(a[j], "keepttl") && expire == ExpireOption::none) {
      keepttl = true;
    } else if (ExpireOption kind = is_option(a[j], "ex")     ? ExpireOption::ex
                                   : is_option(a[j], "px")   ? ExpireOption::px
                                   : is_option(a[j], "exat") ? ExpireOption::exat
                                   : is_option(a[j], "pxat") ? ExpireOption::pxat
                                                             : ExpireOption::none;
               kind != ExpireOption::none && expiry_ok(kind)) {
      expire = kind;
      expire_arg = ++j;
    } else {
      return reply::syntax_error();
    }
  }
  std::int64_t when_ms = 0;
  if (expire != ExpireOption::none) {
    std::optional<std::int64_t> parsed = parse_redis_int(a[expire_arg]);
    if (!parsed) return reply::not_an_integer();
    bool in_seconds = expire == ExpireOption::ex || expire == ExpireOption::exat;
    when_ms = *parsed;
    if (when_ms <= 0 || (in_seconds && when_ms > kInt64Max / 1000)) return invalid_expire(c);
    if (in_seconds) when_ms *= 1000;
    if (expire == ExpireOption::ex || expire == ExpireOption::px) {
      // Redis adds without an overflow check; a wrapped sum is caught as <= 0.
      when_ms = static_cast<std::int64_t>(static_cast<std::uint64_t>(when_ms) +
                                          static_cast<std::uint64_t>(c.now_ms));
    }
    if (when_ms <= 0) return invalid_expire(c);
  }
  std::string old_value = get ? cmd_get(c) : std::string();
  if (old_value == reply::wrong_type()) return old_value;
  Value* existing = lookup(c, a[1]);
  if ((nx && existing != nullptr) || (xx && existing == nullptr)) return get ? old_value : reply::null_bulk();
  Nanos kept = keepttl && existing != nullptr ? existing->expire_at : 0;
  Value& stored = c.keys.set(a[1], Value{a[2], kept});
  if (expire != ExpireOption::none) {
    stored.expire_at = expire_at_from_millis(when_ms);
    write(c, {"SET", a[1], a[2], "PXAT", std::to_string(when_ms)});
  } else {
    Args propagated;  // without GET: a replica must not reply or fail on the old value
    for (std::size_t j = 0; j < a.size(); ++j) {
      if (j < 3 || !is_option(a[j], "get")) propagated.push_back(a[j]);
    }
    write(c, std::move(propagated));
  }
  return get ? old_value : reply::ok();
}

std::string incr_by(Ctx& c, std::int64_t increment) {
  Value* value = lookup(c, c.args[1]);
  std::int64_t current = 0;
  if (value != nullptr) {
    std::string* text = as_string(value);
    if (text == nullptr) return reply::wrong_type();
    std::optional<std::int64_t> parsed = parse_redis_int(*text);
    if (!parsed) return reply::not_an_integer();
    current = *parsed;
  }
  if ((increment < 0 && current < 0 && increment < kInt64Min - current) ||
      (increment > 0 && current > 0 && increment > kInt64Max - current)) {
    return reply::error("ERR increment or decrement would overflow");
  }
  current += increment;
  if (value != nullptr) {
    value->data = std::to_string(current);  // the TTL stays, as in Redis
  } else {
    c.keys.set(c.args[1], Value{std::to_string(current), 0});
  }
  write_as_sent(c);
  return reply::integer(current);
}

std::string cmd_incrby(Ctx& c) {
  std::optional<std::int64_t> increment = parse_redis_int(c.args[2]);
  return increment ? incr_by(c, *increment) : reply::not_an_integer();
}

std::string cmd_decrby(Ctx& c) {
  std::optional<std::int64_t> decrement = parse_redis_int(c.args[2]);
  if (!decrement) return reply::not_an_integer();
  if (*decrement == kInt64Min) return reply::error("ERR decrement would overflow");
  return incr_by(c, -*decrement);
}

std::string cmd_append(Ctx& c) {
  const std::string& suffix = c.args[2];
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) {
    c.keys.set(c.args[1], Value{suffix, 0});  // even an empty suffix creates the key
    write_as_sent(c);
    return reply::integer(static_cast<std::int64_t>(suffix.size()));
  }
  std::string* text = as_string(value);
  if (text == nullptr) return reply::wrong_type();
  if (text->size() + suffix.size() > kMaxStringLength) {
    return reply::error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  if (!suffix.empty()) {
    text->append(suffix);
    write_as_sent(c);
  }
  return reply::integer(static_cast<std::int64_t>(text->size()));
}

std::string cmd_strlen(Ctx& c) {
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) return reply::integer(0);
  std::string* text = as_string(value);
  return text == nullptr ? reply::wrong_type() : reply::integer(static_cast<std::int64_t>(text->size()));
}

std::string cmd_mget(Ctx& c) {
  std::string out = reply::array_header(c.args.size() - 1);
  for (std::size_t j = 1; j < c.args.size(); ++j) {
    Value* value = lookup(c, c.args[j]);
    std::string* text = value == nullptr ? nullptr : as_string(value);
    out += text == nullptr ? reply::null_bulk() : reply::bulk(*text);  // a non-string is nil here
  }
  return out;
}

std::string cmd_mset(Ctx& c) {
  // Pairs are checked here, not by the arity table (Redis does the same).
  if (c.args.size() % 2 == 0) return reply::wrong_arity(c.spec.name);
  for (std::size_t j = 1; j < c.args.size(); j += 2) {
    lookup(c, c.args[j]);  // expires the old key first, so its DEL precedes the MSET
    c.keys.set(c.args[j], Value{c.args[j + 1], 0});
  }
  write_as_sent(c);
  return reply::ok();
}

// --- lists ---

std::string push(Ctx& c, bool head) {
  Value* value = lookup(c, c.args[1]);
  ListValue* list = nullptr;
  if (value != nullptr) {
    list = as_list(value);
    if (list == nullptr) return reply::wrong_type();
  } else {
    list = &std::get<ListValue>(c.keys.set(c.args[1], Value{ListValue{}, 0}).data);
  }
  for (std::size_t j = 2; j < c.args.size(); ++j) head ? list->push_front(c.args[j]) : list->push_back(c.args[j]);
  write_as_sent(c);
  return reply::integer(static_cast<std::int64_t>(list->size()));
}

std::string pop(Ctx& c, bool head) {
  if (c.args.size() > 3) return reply::wrong_arity(c.spec.name);
  bool has_count = c.args.size() == 3;
  std::int64_t count = 0;
  if (has_count) {
    std::optional<std::int64_t> parsed = parse_redis_int(c.args[2]);
    // Redis gives this one message for a non-integer and for a negative count.
    if (!parsed || *parsed < 0) return reply::error("ERR value is out of range, must be positive");
    count = *parsed;
  }
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) return has_count ? reply::null_array() : reply::null_bulk();
  ListValue* list = as_list(value);
  if (list == nullptr) return reply::wrong_type();
  if (has_count && count == 0) return reply::array_header(0);
  std::string out;  // built before the key may be erased below
  auto take = [&] {
    std::string item = std::move(head ? list->front() : list->back());
    head ? list->pop_front() : list->pop_back();
    return item;
  };
  if (!has_count) {
    out = reply::bulk(take());
  } else {
    std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(count), list->size());
    out = reply::array_header(n);
    for (std::size_t i = 0; i < n; ++i) out += reply::bulk(take());
  }
  if (list->empty()) c.keys.erase(c.args[1]);  // Redis never keeps an empty list
  write_as_sent(c);
  return out;
}

std::string cmd_lrange(Ctx& c) {
  std::optional<std::int64_t> start = parse_redis_int(c.args[2]);
  std::optional<std::int64_t> end = parse_redis_int(c.args[3]);
  if (!start || !end) return reply::not_an_integer();
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) return reply::array_header(0);
  ListValue* list = as_list(value);
  if (list == nullptr) return reply::wrong_type();
  auto length = static_cast<std::int64_t>(list->size());
  std::int64_t from = *start < 0 ? length + *start : *start;
  std::int64_t to = *end < 0 ? length + *end : *end;
  if (from < 0) from = 0;
  if (from > to || from >= length) return reply::array_header(0);
  if (to >= length) to = length - 1;
  std::string out;
  reply::append_bulk_array(out, list->begin() + from, list->begin() + to + 1);
  return out;
}

std::string cmd_llen(Ctx& c) {
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) return reply::integer(0);
  ListValue* list = as_list(value);
  return list == nullptr ? reply::wrong_type() : reply::integer(static_cast<std::int64_t>(list->size()));
}

// --- expiry ---

std::string expire_generic(Ctx& c, bool in_seconds, bool relative) {
  const Args& a = c.args;
  bool nx = false, xx = false, gt = false, lt = false;
  for (std::size_t j = 3; j < a.size(); ++j) {
    if (is_option(a[j], "nx")) {
      nx = true;
    } else if (is_option(a[j], "xx")) {
      xx = true;
    } else if (is_option(a[j], "gt")) {
      gt = true;
    } else if (is_option(a[j], "lt")) {
      lt = true;
    } else {
      // addReplyErrorFormat: trailing CR/LF trimmed, inner ones turned to spaces.
      std::string text = "ERR Unsupported option " + std::string(c_string(a[j]));
      while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.pop_back();
      std::replace_if(text.begin(), text.end(), [](char ch) { return ch == '\r' || ch == '\n'; }, ' ');
      return reply::error(text);
    }
  }
  if ((nx && xx) || (nx && gt) || (nx && lt)) {
    return reply::error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (gt && lt) return reply::error("ERR GT and LT options at the same time are not compatible");
  std::optional<std::int64_t> parsed = parse_redis_int(a[2]);
  if (!parsed) return reply::not_an_integer();
  std::int64_t when = *parsed;  // negative is allowed: the key is then deleted
  if (in_seconds) {
    if (when > kInt64Max / 1000 || when < kInt64Min / 1000) return invalid_expire(c);
    when *= 1000;
  }
  if (__builtin_add_overflow(when, relative ? c.now_ms : 0, &when)) return invalid_expire(c);
  Value* value = lookup(c, a[1]);
  if (value == nullptr) return reply::integer(0);
  std::int64_t current = value->expire_at == 0 ? -1 : floor_millis(value->expire_at);
  if ((nx && current != -1) || (xx && current == -1) || (gt && (current == -1 || when <= current)) ||
      (lt && current != -1 && when >= current)) {
    return reply::integer(0);
  }
  if (c.mode == ExpiryMode::active && when <= c.now_ms) {
    c.keys.erase(a[1]);
    write(c, {"DEL", a[1]});
    return reply::integer(1);
  }
  value->expire_at = expire_at_from_millis(when);
  Args propagated = a;  // options stay: Redis rewrites only the name and the time
  if (c.spec.name != "pexpireat") propagated[0] = "PEXPIREAT";
  propagated[2] = std::to_string(when);
  write(c, std::move(propagated));
  return reply::integer(1);
}

std::string ttl(Ctx& c, bool in_millis) {
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) return reply::integer(-2);
  if (value->expire_at == 0) return reply::integer(-1);
  std::int64_t left = std::max<std::int64_t>(0, floor_millis(value->expire_at) - c.now_ms);
  return reply::integer(in_millis ? left : (left + 500) / 1000);
}

std::string cmd_persist(Ctx& c) {
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr || value->expire_at == 0) return reply::integer(0);
  value->expire_at = 0;
  write_as_sent(c);
  return reply::integer(1);
}

// --- generic ---

std::string cmd_del(Ctx& c) {
  std::int64_t deleted = 0;
  for (std::size_t j = 1; j < c.args.size(); ++j) {
    if (lookup(c, c.args[j]) != nullptr && c.keys.erase(c.args[j])) ++deleted;
  }
  if (deleted > 0) write_as_sent(c);
  return reply::integer(deleted);
}

std::string cmd_exists(Ctx& c) {
  std::int64_t found = 0;
  for (std::size_t j = 1; j < c.args.size(); ++j) found += lookup(c, c.args[j]) != nullptr ? 1 : 0;
  return reply::integer(found);
}

std::string cmd_type(Ctx& c) {
  Value* value = lookup(c, c.args[1]);
  if (value == nullptr) return reply::simple("none");
  return reply::simple(as_string(value) != nullptr ? "string" : "list");
}

std::string cmd_ping(Ctx& c) {
  if (c.args.size() > 2) return reply::wrong_arity(c.spec.name);
  return c.args.size() == 1 ? reply::simple("PONG") : reply::bulk(c.args[1]);
}

struct Entry {
  CommandSpec spec;
  std::string (*run)(Ctx&);
};

// Arity and key positions as in Redis 7.0's command table.
constexpr std::array kCommands{
    Entry{{"append", 3, true, 1, 1, 1}, cmd_append},
    Entry{{"dbsize", 1, false, 0, 0, 0}, [](Ctx& c) { return reply::integer(std::int64_t(c.keys.size())); }},
    Entry{{"decr", 2, true, 1, 1, 1}, [](Ctx& c) { return incr_by(c, -1); }},
    Entry{{"decrby", 3, true, 1, 1, 1}, cmd_decrby},
    Entry{{"del", -2, true, 1, -1, 1}, cmd_del},
    Entry{{"echo", 2, false, 0, 0, 0}, [](Ctx& c) { return reply::bulk(c.args[1]); }},
    Entry{{"exists", -2, false, 1, -1, 1}, cmd_exists},
    Entry{{"expire", -3, true, 1, 1, 1}, [](Ctx& c) { return expire_generic(c, true, true); }},
    Entry{{"expireat", -3, true, 1, 1, 1}, [](Ctx& c) { return expire_generic(c, true, false); }},
    Entry{{"get", 2, false, 1, 1, 1}, cmd_get},
    Entry{{"incr", 2, true, 1, 1, 1}, [](Ctx& c) { return incr_by(c, 1); }},
    Entry{{"incrby", 3, true, 1, 1, 1}, cmd_incrby},
    Entry{{"llen", 2, false, 1, 1, 1}, cmd_llen},
    Entry{{"lpop", -2, true, 1, 1, 1}, [](Ctx& c) { return pop(c, true); }},
    Entry{{"lpush", -3, true, 1, 1, 1}, [](Ctx& c) { return push(c, true); }},
    Entry{{"lrange", 4, false, 1, 1, 1}, cmd_lrange},
    Entry{{"mget", -2, false, 1, -1, 1}, cmd_mget},
    Entry{{"mset", -3, true, 1, -1, 2}, cmd_mset},
    Entry{{"persist", 2, true, 1, 1, 1}, cmd_persist},
    Entry{{"pexpire", -3, true, 1, 1, 1}, [](Ctx& c) { return expire_generic(c, false, true); }},
    Entry{{"pexpireat", -3, true, 1, 1, 1}, [](Ctx& c) { return expire_generic(c, false, false); }},
    Entry{{"ping", -1, false, 0, 0, 0}, cmd_ping},
    Entry{{"pttl", 2, false, 1, 1, 1}, [](Ctx& c) { return ttl(c, true); }},
    Entry{{"rpop", -2, true, 1, 1, 1}, [](Ctx& c) { return pop(c, false); }},
    Entry{{"rpush", -3, true, 1, 1, 1}, [](Ctx& c) { return push(c, false); }},
    Entry{{"set", -3, true, 1, 1, 1}, cmd_set},
    Entry{{"strlen", 2, false, 1, 1, 1}, cmd_strlen},
    Entry{{"ttl", 2, false, 1, 1, 1}, [](Ctx& c) { return ttl(c, false); }},
    Entry{{"type", 2, false, 1, 1, 1}, cmd_type},
};

// Every request and every client call looks its command up, several times:
// an open-addressed table on a cheap hash of the name (length and three
// bytes), then one compare; std::hash over the whole name showed in profiles.
constexpr std::size_t kEntryTableSize = 256;  // a power of two, several times the commands

std::size_t entry_hash(std::string_view name) {
  const auto byte = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(name[i])); };
  const std::size_t n = name.size();
  return (n * 131 + byte(0) * 31 + byte(n / 2) * 7 + byte(n - 1)) & (kEntryTableSize - 1);
}

const Entry* find_entry(std::string_view lowercase_name) {
  using Table = std::array<const Entry*, kEntryTableSize>;
  static const Table kTable = [] {
    Table table{};
    for (const Entry& entry : kCommands) {
      std::size_t at = entry_hash(entry.spec.name);
      while (table[at] != nullptr) at = (at + 1) & (kEntryTableSize - 1);
      table[at] = &entry;
    }
    return table;
  }();
  if (lowercase_name.empty()) return nullptr;
  for (std::size_t at = entry_hash(lowercase_name);; at = (at + 1) & (kEntryTableSize - 1)) {
    const Entry* entry = kTable[at];
    if (entry == nullptr) return nullptr;
    if (entry->spec.name == lowercase_name) return entry;
  }
}

}  // namespace

const CommandSpec* find_data_command(std::string_view lowercase_name) {
  const Entry* entry = find_entry(lowercase_name);
  return entry == nullptr ? nullptr : &entry->spec;
}

KeyPositions key_positions(const CommandSpec& spec, std::size_t argc) {
  if (spec.first_key <= 0) return {};
  const auto count = static_cast<int>(argc);
  const int last = spec.last_key < 0 ? count + spec.last_key : spec.last_key;
  return {spec.first_key, std::min(last, count - 1), std::max(1, spec.key_step)};
}

std::vector<std::string> command_keys(const CommandSpec& spec, const std::vector<std::string>& args) {
  std::vector<std::string> keys;
  const KeyPositions at = key_positions(spec, args.size());
  for (int i = at.first; i <= at.last; i += at.step) keys.push_back(args[static_cast<std::size_t>(i)]);
  return keys;
}

namespace {

// consumable: args itself, when the caller gives it up (see the overloads).
CommandOutcome run_data_command(const CommandSpec& spec, Keyspace& keys, Nanos now, const Args& args,
                                ExpiryMode mode, bool propagate, Args* consumable) {
  CommandOutcome outcome;
  const Entry* entry = find_entry(spec.name);
  if (entry == nullptr || args.empty()) {
    outcome.reply = reply::error("ERR unknown command '" + std::string(spec.name) + "'");
    return outcome;
  }
  Ctx ctx{spec, keys, now, floor_millis(now), args, mode, propagate, {}};
  outcome.reply = entry->run(ctx);
  if (ctx.as_sent_at != Ctx::kNoWrite) {
    if (consumable != nullptr) {
      ctx.writes[ctx.as_sent_at] = std::move(*consumable);
    } else {
      ctx.writes[ctx.as_sent_at] = args;
    }
  }
  std::vector<std::string> expired = keys.take_expired();
  if (!propagate) return outcome;
  for (std::string& key : expired) outcome.propagate.push_back({"DEL", std::move(key)});
  // Usually nothing expired: the writes' own vector then serves as is.
  if (outcome.propagate.empty()) {
    outcome.propagate = std::move(ctx.writes);
  } else {
    for (Args& write : ctx.writes) outcome.propagate.push_back(std::move(write));
  }
  return outcome;
}

}  // namespace

CommandOutcome execute_data_command(const CommandSpec& spec, Keyspace& keys, Nanos now,
                                    const std::vector<std::string>& args, ExpiryMode mode, bool propagate) {
  return run_data_command(spec, keys, now, args, mode, propagate, nullptr);
}

CommandOutcome execute_data_command(const CommandSpec& spec, Keyspace& keys, Nanos now,
                                    std::vector<std::string>&& args, ExpiryMode mode) {
  return run_data_command(spec, keys, now, args, mode, true, &args);
}

std::optional<std::int64_t> parse_redis_int(std::string_view s) { return redis_string_to_ll(s); }

}  // namespace slotsim::node
