#include "node/keyspace.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "node/hash_slot.h"

namespace slotsim::node {
namespace {

// Slots as real Redis computes them (CLUSTER KEYSLOT): {b}... -> 3300, bar -> 5061, foo -> 12182.
constexpr int kSlotB = 3300;
constexpr int kSlotBar = 5061;
constexpr int kSlotFoo = 12182;

Value str(std::string text, Nanos expire_at = 0) { return Value{std::move(text), expire_at}; }

std::vector<std::string> all_keys(const Keyspace& keys) {
  std::vector<std::string> out;
  keys.for_each([&](const std::string& key, const Value&) { out.push_back(key); });
  return out;
}

TEST_CASE("keyspace set find erase and size", "[keyspace]") {
  Keyspace keys;
  const Nanos now = seconds(10);
  CHECK(keys.find("a", now) == nullptr);
  keys.set("a", str("1"));
  keys.set("b", Value{ListValue{"x", "y"}, 0});
  REQUIRE(keys.find("a", now) != nullptr);
  CHECK(std::get<std::string>(keys.find("a", now)->data) == "1");
  CHECK(std::get<ListValue>(keys.find("b", now)->data).size() == 2);
  CHECK(keys.size() == 2);

  // Replacing keeps one entry and swaps the whole value, expiry included.
  keys.set("a", str("2", seconds(100)));
  CHECK(keys.size() == 2);
  CHECK(keys.find("a", now)->expire_at == seconds(100));
  keys.set("a", str("3"));
  CHECK(keys.find("a", now)->expire_at == 0);

  CHECK(keys.erase("a"));
  CHECK_FALSE(keys.erase("a"));
  CHECK(keys.find("a", now) == nullptr);
  CHECK(keys.size() == 1);
  CHECK(keys.take_expired().empty());  // an explicit erase is not an expiry
}

TEST_CASE("keyspace slot index follows set erase and expiry", "[keyspace]") {
  REQUIRE(key_hash_slot("{b}1") == kSlotB);
  REQUIRE(key_hash_slot("bar") == kSlotBar);
  REQUIRE(key_hash_slot("foo") == kSlotFoo);
  Keyspace keys;
  const Nanos now = seconds(10);
  keys.set("{b}2", str("x"));
  keys.set("{b}1", str("x"));
  keys.set("{b}3", str("x", seconds(11)));
  keys.set("b", str("x"));  // "b" itself hashes to slot 3300 too
  keys.set("bar", str("x"));
  CHECK(keys.count_in_slot(kSlotB) == 4);
  CHECK(keys.count_in_slot(kSlotBar) == 1);
  CHECK(keys.count_in_slot(kSlotFoo) == 0);
  CHECK(keys.keys_in_slot(kSlotB, 10) == std::vector<std::string>{"b", "{b}1", "{b}2", "{b}3"});
  CHECK(keys.keys_in_slot(kSlotB, 2) == std::vector<std::string>{"b", "{b}1"});
  CHECK(keys.keys_in_slot(kSlotB, 0).empty());
  CHECK(keys.keys_in_slot(kSlotFoo, 10).empty());

  keys.set("{b}1", str("replaced"));  // replacing must not double count
  CHECK(keys.count_in_slot(kSlotB) == 4);
  keys.erase("{b}2");
  CHECK(keys.count_in_slot(kSlotB) == 3);

  // An expired key still counts (as in Redis) until something touches it.
  CHECK(keys.count_in_slot(kSlotB) == 3);
  CHECK(keys.find("{b}3", seconds(12)) == nullptr);
  CHECK(keys.count_in_slot(kSlotB) == 2);
  CHECK(keys.keys_in_slot(kSlotB, 10) == std::vector<std::string>{"b", "{b}1"});

  keys.erase("bar");
  CHECK(keys.count_in_slot(kSlotBar) == 0);
  CHECK(keys.keys_in_slot(kSlotBar, 10).empty());
  (void)now;
}

TEST_CASE("keyspace expiry is lazy, at millisecond granularity, and reported once", "[keyspace]") {
  Keyspace keys;
  const Nanos when = ms(5000);
  keys.set("k", str("v", when));
  keys.set("other", str("v"));
  // Redis: expired only once now_ms > when_ms, so all of millisecond 5000 still sees the key.
  CHECK(keys.find("k", when - 1) != nullptr);
  CHECK(keys.find("k", when) != nullptr);
  CHECK(keys.find("k", when + ms(1) - 1) != nullptr);
  CHECK(keys.size() == 2);
  CHECK(keys.take_expired().empty());
  CHECK(keys.find("k", when + ms(1)) == nullptr);
  CHECK(keys.size() == 1);
  CHECK(keys.take_expired() == std::vector<std::string>{"k"});
  CHECK(keys.take_expired().empty());
  CHECK(keys.find("k", when + ms(1)) == nullptr);
  CHECK(keys.take_expired().empty());  // already gone: nothing new to report
}

TEST_CASE("keyspace peek never expires", "[keyspace]") {
  Keyspace keys;
  keys.set("k", str("v", ms(10)));
  const Keyspace& view = keys;
  REQUIRE(view.peek("k") != nullptr);
  CHECK(keys.peek("k")->expire_at == ms(10));
  CHECK(is_expired(*keys.peek("k"), ms(20)));
  CHECK(keys.size() == 1);
  CHECK(keys.take_expired().empty());
  CHECK(keys.peek("missing") == nullptr);
}

TEST_CASE("keyspace remove_expired deletes in key order up to max", "[keyspace]") {
  Keyspace keys;
  keys.set("d", str("v", ms(1)));
  keys.set("a", str("v", ms(1)));
  keys.set("c", str("v"));
  keys.set("b", str("v", ms(1)));
  keys.set("e", str("v", ms(100)));
  CHECK(keys.remove_expired(ms(2), 2) == 2);
  CHECK(keys.take_expired() == std::vector<std::string>{"a", "b"});
  CHECK(keys.remove_expired(ms(2), 10) == 1);
  CHECK(keys.take_expired() == std::vector<std::string>{"d"});
  CHECK(keys.remove_expired(ms(2), 10) == 0);
  CHECK(all_keys(keys) == std::vector<std::string>{"c", "e"});
}

TEST_CASE("keyspace iteration is ascending whatever the insertion order", "[keyspace]") {
  Keyspace first;
  Keyspace second;
  std::vector<std::string> names{"zeta", "{b}1", "alpha", "", "b", "Beta", std::string("a\0b", 3), "foo"};
  for (const auto& name : names) first.set(name, str(name));
  for (auto it = names.rbegin(); it != names.rend(); ++it) second.set(*it, str(*it));
  std::vector<std::string> expected = names;
  std::sort(expected.begin(), expected.end());
  CHECK(all_keys(first) == expected);
  CHECK(all_keys(second) == expected);
  std::vector<std::string> values;
  first.for_each([&](const std::string&, const Value& v) { values.push_back(std::get<std::string>(v.data)); });
  CHECK(values == expected);
}

TEST_CASE("keyspace clear drops keys and slots but keeps pending expiries", "[keyspace]") {
  Keyspace keys;
  keys.set("{b}1", str("v", ms(1)));
  keys.set("{b}2", str("v"));
  CHECK(keys.find("{b}1", ms(5)) == nullptr);
  keys.clear();
  CHECK(keys.size() == 0);
  CHECK(keys.count_in_slot(kSlotB) == 0);
  CHECK(keys.keys_in_slot(kSlotB, 10).empty());
  CHECK(all_keys(keys).empty());
  CHECK(keys.take_expired() == std::vector<std::string>{"{b}1"});
  keys.set("{b}2", str("again"));
  CHECK(keys.count_in_slot(kSlotB) == 1);
}

TEST_CASE("keyspace millisecond helpers", "[keyspace]") {
  CHECK(floor_millis(0) == 0);
  CHECK(floor_millis(ms(3) + 999'999) == 3);
  CHECK(floor_millis(-1) == -1);  // a clock before zero still floors
  CHECK(floor_millis(-ms(1)) == -1);
  CHECK(floor_millis(-ms(1) - 1) == -2);
  CHECK(expire_at_from_millis(1234) == ms(1234));
  CHECK(expire_at_from_millis(0) == 1);  // 0 would mean "no expiry"
  CHECK(floor_millis(expire_at_from_millis(0)) == 0);
  CHECK(expire_at_from_millis(-7) == -ms(7));
  CHECK(expire_at_from_millis(9'223'372'036'854'775'807) == kForever);
  CHECK(expire_at_from_millis(99'999'999'999'000) == kForever);
  CHECK(expire_at_from_millis(9'223'372'036'854) == ms(9'223'372'036'854));
  CHECK_FALSE(is_expired(Value{std::string("v"), 0}, kForever));
  CHECK(is_expired(Value{std::string("v"), expire_at_from_millis(0)}, ms(1)));
  CHECK_FALSE(is_expired(Value{std::string("v"), expire_at_from_millis(0)}, ms(1) - 1));
}

}  // namespace
}  // namespace slotsim::node
