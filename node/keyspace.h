// The data of one node: keys to values, with per-key expiry and a per-slot
// index (cluster commands count and list the keys of one slot without a scan).
// Every container is ordered, so iteration (snapshots, AOF rewrite, checks)
// is the same on every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>  // tidy: lookup-only (the key index below)
#include <variant>
#include <vector>

#include "env/time.h"

namespace slotsim::node {

using ListValue = std::deque<std::string>;

struct Value {
  std::variant<std::string, ListValue> data;
  Nanos expire_at = 0;  // 0 = no expiry; absolute, node clock
};

constexpr Nanos kNanosPerMilli = 1'000'000;

// Floor division, so a clock before zero (a skewed node) still maps each
// nanosecond to the millisecond that contains it.
constexpr std::int64_t floor_millis(Nanos t) {
  std::int64_t q = t / kNanosPerMilli;
  return (t % kNanosPerMilli < 0) ? q - 1 : q;
}

// Redis keeps expiries in milliseconds and treats a key as expired once
// now_ms > when_ms, so the key is still alive during all of millisecond when_ms.
// Comparing at that granularity keeps TTL/PTTL replies identical to Redis.
constexpr bool is_expired(const Value& value, Nanos now) {
  return value.expire_at != 0 && floor_millis(now) > floor_millis(value.expire_at);
}

// The expire_at that stands for an absolute Redis millisecond time. Saturates
// at kForever (the Nanos range ends ~292 years after clock zero, Redis's ms
// range much later), and maps ms 0 to 1ns because 0 means "no expiry".
constexpr Nanos expire_at_from_millis(std::int64_t when_ms) {
  if (when_ms > kForever / kNanosPerMilli) return kForever;
  if (when_ms < std::numeric_limits<Nanos>::min() / kNanosPerMilli) return std::numeric_limits<Nanos>::min();
  return when_ms == 0 ? 1 : when_ms * kNanosPerMilli;
}

class Keyspace {
 public:
  Keyspace() = default;
  // The hash index points into the map's nodes: a copy would point into the original.
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  // Null if absent; an expired key is deleted here and remembered for take_expired().
  Value* find(std::string_view key, Nanos now);
  // The stored value even if its expiry has passed; never deletes (replicas and
  // AOF replay must not expire keys on their own).
  Value* peek(std::string_view key);
  const Value* peek(std::string_view key) const;
  Value& set(std::string key, Value value);  // insert or replace
  bool erase(std::string_view key);
  // Counts include keys whose expiry passed but that nobody touched yet (as Redis).
  std::size_t size() const { return entries_.size(); }
  std::size_t count_in_slot(int slot) const;
  std::vector<std::string> keys_in_slot(int slot, std::size_t max) const;  // ascending key order
  // Keys deleted by expiry since the last call (the node propagates DEL for them).
  std::vector<std::string> take_expired();
  // Active expiry: deletes up to max keys whose expiry passed, in key order, and
  // remembers them for take_expired(). Returns how many it deleted.
  std::size_t remove_expired(Nanos now, std::size_t max);
  // Drops every key. Expiries already reported stay pending for take_expired().
  void clear();

  // Ordered iteration (for snapshots, AOF rewrite, checks): keys ascending.
  // fn(const std::string& key, const Value&); must not modify the keyspace.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [key, value] : entries_) fn(key, value);
  }

 private:
  void index_erase(const std::string& key);

  using Entries = std::map<std::string, Value, std::less<>>;
  Entries entries_;
  // The same entries by hash, for lookups: every command looks its key up,
  // and the ordered map's string compares showed in profiles. The views are
  // entries_'s own keys; nothing iterates this index.
  std::unordered_map<std::string_view, Entries::iterator> by_name_;  // tidy: lookup-only
  // Only non-empty slots have an entry, so memory follows the key count.
  std::map<int, std::set<std::string, std::less<>>> slots_;
  std::vector<std::string> expired_;
};

}  // namespace slotsim::node
