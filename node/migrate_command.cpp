// MIGRATE, DUMP and RESTORE: how keys move between nodes during resharding.
//
// MIGRATE makes the source a client of the target: it sends SELECT 0 and one
// RESTORE-ASKING per key, and deletes a key locally only after the target
// answered +OK for it. A timeout or a broken connection leaves every source
// copy in place (the key may exist on both nodes then, as in Redis).
#include <charconv>

#include "node/dump_payload.h"
#include "node/node.h"
#include "node/text.h"
#include "node/resp_parser.h"
#include "node/reply.h"
#include "node/resp_value.h"

namespace slotsim::node {

namespace {

// Integers parse as Redis's string2ll does: no spaces, no '+', no leading zeros.
bool parse_ll(std::string_view text, long long& out) {
  const auto value = redis_string_to_ll(text);
  if (!value) return false;
  out = *value;
  return true;
}

DumpedValue to_dumped(const Value& value) {
  DumpedValue out;
  if (const auto* text = std::get_if<std::string>(&value.data)) {
    out.type = DumpedValue::Type::string;
    out.string_value = *text;
  } else {
    const auto& list = std::get<ListValue>(value.data);
    out.type = DumpedValue::Type::list;
    out.list_value.assign(list.begin(), list.end());
  }
  return out;
}

}  // namespace

std::string Node::dump_command(const Command& args) {
  const Value* value = keys_.find(args[1], env_.now());
  if (value == nullptr) return reply::null_bulk();
  return reply::bulk(dump_payload(to_dumped(*value)));
}

std::string Node::restore_command(const Command& args, bool replaying) {
  // The order of checks is Redis 7.0's: options, BUSYKEY, TTL, payload.
  bool replace = false;
  bool absttl = false;
  for (std::size_t i = 4; i < args.size(); ++i) {
    const std::string option = lowercase(args[i]);
    long long value = 0;
    if (option == "replace") {
      replace = true;
    } else if (option == "absttl") {
      absttl = true;
    } else if (option == "idletime" && i + 1 < args.size()) {
      if (!parse_ll(args[++i], value)) return reply::not_an_integer();
      if (value < 0) return reply::error("ERR Invalid IDLETIME value, must be >= 0");
    } else if (option == "freq" && i + 1 < args.size()) {
      if (!parse_ll(args[++i], value)) return reply::not_an_integer();
      if (value < 0 || value > 255) return reply::error("ERR Invalid FREQ value, must be >= 0 and <= 255");
    } else {
      return reply::syntax_error();
    }
  }
  const Nanos now = env_.now();
  if (!replace && keys_.find(args[1], now) != nullptr) return reply::error("BUSYKEY Target key name already exists.");
  long long ttl_ms = 0;
  if (!parse_ll(args[2], ttl_ms)) return reply::not_an_integer();
  if (ttl_ms < 0) return reply::error("ERR Invalid TTL value, must be >= 0");
  auto parsed = parse_dump_payload_detailed(args[3]);
  if (const auto* error = std::get_if<DumpError>(&parsed)) return reply::error(dump_error_text(*error));
  DumpedValue& dumped = std::get<DumpedValue>(parsed);
  keys_.erase(args[1]);
  Value value;
  if (dumped.type == DumpedValue::Type::string) {
    value.data = std::move(dumped.string_value);
  } else {
    value.data = ListValue(dumped.list_value.begin(), dumped.list_value.end());
  }
  const std::int64_t expire_ms = ttl_ms == 0 ? 0 : absttl ? ttl_ms : floor_millis(now) + ttl_ms;
  if (expire_ms != 0) {
    value.expire_at = expire_at_from_millis(expire_ms);
    if (!replaying && is_expired(value, now)) {
      propagate({{"DEL", args[1]}});  // the old value, if any, is gone too
      return reply::ok();
    }
  }
  keys_.set(args[1], std::move(value));
  if (!replaying) {
    // Logged with an absolute expiry, so a replay does not restart the clock.
    Command logged = {"RESTORE", args[1], std::to_string(expire_ms), args[3]};
    if (replace) logged.push_back("REPLACE");
    if (expire_ms != 0) logged.push_back("ABSTTL");
    propagate({logged});
    // Where a migrated key now lives, and at which offset: the checker follows
    // a key's writes to its new holder (rule D1). The key goes last: it may hold spaces.
    env_.trace("key_restored", "offset=" + std::to_string(repl_.offset) + " key=" + args[1]);
  }
  return reply::ok();
}

std::string Node::migrate_command(Command& args) {
  // MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key...]
  bool copy = false;
  bool replace = false;
  std::string auth_user;
  std::string auth_password;
  std::vector<std::string> keys;
  std::size_t first_key_arg = 0;
  for (std::size_t i = 6; i < args.size(); ++i) {
    const std::string option = lowercase(args[i]);
    if (option == "copy") {
      copy = true;
    } else if (option == "replace") {
      replace = true;
    } else if (option == "auth" && i + 1 < args.size()) {
      auth_password = args[++i];
    } else if (option == "auth2" && i + 2 < args.size()) {
      auth_user = args[++i];
      auth_password = args[++i];
    } else if (option == "keys") {
      if (!args[3].empty()) {
        return reply::error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
      }
      first_key_arg = i + 1;
      break;
    } else {
      return reply::syntax_error();
    }
  }
  long long port = 0;
  long long db = 0;
  long long timeout_ms = 0;
  if (!parse_ll(args[5], timeout_ms) || !parse_ll(args[4], db)) return reply::not_an_integer();
  if (timeout_ms <= 0) timeout_ms = 1000;
  if (first_key_arg != 0) {
    keys.assign(args.begin() + static_cast<std::ptrdiff_t>(first_key_arg), args.end());
  } else {
    keys.push_back(args[3]);
  }
  const Nanos now = env_.now();
  std::vector<std::string> present;
  for (const auto& key : keys) {
    if (keys_.find(key, now) != nullptr) present.push_back(key);
  }
  if (present.empty()) return reply::simple("NOKEY");
  const std::string write_error = "IOERR error or timeout writing to target instance";
  if (!parse_ll(args[2], port) || port <= 0 || port > 65535) return reply::error(write_error);

  const Nanos timeout = ms(std::min<long long>(timeout_ms, kForever / 1'000'000 / 2));
  const std::string target = args[1] + ":" + args[2];
  std::vector<RespValue> replies;
  std::size_t expected_replies = 0;
  std::size_t first_key_reply = 0;
  // Redis keeps MIGRATE connections open for reuse; a reused one may have died
  // meanwhile, so a failure that is not a timeout is retried once on a new one.
  for (int attempt = 0;; ++attempt) {
    auto cached = migrate_sockets_.find(target);
    const bool reused = cached != migrate_sockets_.end();
    if (!reused) {
      auto conn = env_.connect(Address{args[1], static_cast<std::uint16_t>(port)}, saturating_add(env_.now(), timeout));
      if (!conn) {
        env_.trace("migrate_io_error", "stage=connect target=" + target);
        return reply::error(write_error);
      }
      cached = migrate_sockets_.emplace(target, MigrateSocket{std::move(conn).value(), -1, 0}).first;
    }
    MigrateSocket& socket = cached->second;
    socket.last_use = env_.now();
    // One buffer with every command, as Redis sends it.
    std::string request;
    expected_replies = 0;
    if (!auth_password.empty()) {
      request += auth_user.empty() ? encode_command({"AUTH", auth_password})
                                   : encode_command({"AUTH", auth_user, auth_password});
      ++expected_replies;
    }
    if (socket.last_db != db) {
      request += encode_command({"SELECT", std::to_string(db)});
      ++expected_replies;
    }
    first_key_reply = expected_replies;
    for (const auto& key : present) {
      const Value* value = keys_.find(key, env_.now());
      long long ttl = 0;
      if (value != nullptr && value->expire_at != 0) {
        ttl = std::max<long long>(1, floor_millis(value->expire_at) - floor_millis(env_.now()));
      }
      std::vector<std::string> restore = {config_.cluster_enabled ? "RESTORE-ASKING" : "RESTORE", key,
                                          std::to_string(ttl),
                                          value != nullptr ? dump_payload(to_dumped(*value)) : std::string()};
      if (replace) restore.push_back("REPLACE");
      request += encode_command(restore);
      ++expected_replies;
    }
    IoError failure = socket.conn->write(request);
    const bool write_failed = failure != IoError::ok;
    // Read one reply per command, each within the timeout.
    replies.clear();
    std::string buffer;
    char chunk[4096];
    while (failure == IoError::ok && replies.size() < expected_replies) {
      ParsedReply parsed = parse_reply(buffer);
      if (parsed.status == ParsedReply::Status::value) {
        replies.push_back(std::move(parsed.value));
        buffer.erase(0, parsed.consumed);
        continue;
      }
      if (parsed.status == ParsedReply::Status::error) {
        failure = IoError::reset;
        break;
      }
      ReadResult r = socket.conn->read(chunk, sizeof chunk, saturating_add(env_.now(), timeout));
      failure = r.error;
      if (r.error == IoError::ok) buffer.append(chunk, r.n);
    }
    if (failure == IoError::ok) {
      socket.last_db = db;
      for (std::size_t i = 0; i < first_key_reply; ++i) {
        if (replies[i].type == RespValue::Type::error) socket.last_db = -1;
      }
      break;
    }
    migrate_sockets_.erase(cached);
    env_.trace("migrate_io_error", "stage=" + std::string(write_failed ? "write" : "read") + " target=" + target +
                                       " error=" + std::string(to_string(failure)) + (reused ? " reused=1" : ""));
    // Like Redis: one retry on a fresh connection, unless it timed out or a key already moved.
    const bool nothing_acknowledged = replies.size() <= first_key_reply;
    if (failure != IoError::timeout && attempt == 0 && nothing_acknowledged) continue;
    if (write_failed) return reply::error(write_error);
    break;
  }
  // As Redis does: every key the target acknowledged is deleted here, even
  // when a later reply is an error or never comes.
  std::string target_error;
  for (std::size_t i = 0; i < first_key_reply && i < replies.size(); ++i) {
    if (replies[i].type == RespValue::Type::error && target_error.empty()) target_error = replies[i].text;
  }
  const bool preamble_failed = !target_error.empty();
  std::vector<Command> deleted;
  for (std::size_t k = 0; k < present.size() && first_key_reply + k < replies.size(); ++k) {
    const RespValue& answer = replies[first_key_reply + k];
    if (answer.type == RespValue::Type::error || preamble_failed) {
      if (target_error.empty()) target_error = answer.text;
      continue;
    }
    if (!copy) {
      keys_.erase(present[k]);
      deleted.push_back({"DEL", present[k]});
    }
  }
  // One DEL at a time, each traced with the offset that carries it: the
  // checker tells a key whose DEL a failover lost (it lives on in two shards,
  // documented behaviour of MIGRATE) from a key a bug duplicated.
  for (const Command& del : deleted) {
    propagate({del});
    env_.trace("key_migrated_out", "offset=" + std::to_string(repl_.offset) + " key=" + del[1]);
  }
  if (replies.size() < expected_replies) {
    env_.trace("migrate_io_error", "stage=read target=" + args[1] + ":" + args[2] +
                                       " replies=" + std::to_string(replies.size()) +
                                       " moved=" + std::to_string(deleted.size()));
    return reply::error("IOERR error or timeout reading to target instance");
  }
  env_.trace("migrate", "target=" + args[1] + ":" + args[2] + " keys=" + std::to_string(present.size()) +
                            " moved=" + std::to_string(deleted.size()));
  if (!target_error.empty()) return reply::error("ERR Target instance replied with error: " + target_error);
  return reply::ok();
}

}  // namespace slotsim::node
