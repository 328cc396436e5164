#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/hash_slot.h"

using namespace slotsim::node;
using namespace std::string_view_literals;

TEST_CASE("crc16 xmodem matches the published check values", "[hash_slot]") {
  CHECK(crc16_xmodem("") == 0x0000);
  CHECK(crc16_xmodem("123456789") == 0x31c3);  // the CRC-16/XMODEM check value, also in Redis's crc16.c
  CHECK(crc16_xmodem("A") == 0x58e5);
  CHECK(crc16_xmodem("\x00"sv) == 0x0000);
  CHECK(crc16_xmodem("\xff"sv) == 0x1ef0);
}

TEST_CASE("key slots equal real Redis 7.0 CLUSTER KEYSLOT", "[hash_slot]") {
  // Every pair was answered by redis-server 7.0.15 (cluster-enabled yes).
  const std::vector<std::pair<std::string, int>> cases = {
      {"123456789", 12739},
      {"{user1000}.following", 3443},
      {"{user1000}.followers", 3443},
      {"foo{}{bar}", 8363},  // empty first tag: whole key
      {"foo{{bar}}zap", 4015},  // tag is "{bar"
      {"foo{bar}{zap}", 5061},  // first tag only: same as "bar"
      {"", 0},
      {"{}", 15257},
      {"{", 4092},
      {"}", 12090},
      {"{a", 10276},
      {"a}", 5921},
      {"foo", 12182},
      {"bar", 5061},
      {"a", 15495},
      {"{a}", 15495},
      {"{a}b", 15495},
      {"x{a}y", 15495},
      {"{{}}", 4092},  // tag is "{"
      {"{}{a}", 13650},
      {"}{a}", 15495},
      {"a{b}c{d}", 3300},
      {"user:1000", 1649},
      {std::string("\x00", 1), 0},
      {"\xff\xfe", 3374},
      {std::string("{\x00}", 3), 0},
      {"mylist", 5282},
      {"somekey", 11058},
      {"{tag}" + std::string(100, 'x'), 8338},
      {"hello world", 15332},
      {"{}}", 14790},
      {"{{a}}", 10276},  // tag is "{a"
      {"{b}c", 3300},
      {"ab{}", 8692},
      {"{ }", 9314},
      {"9", 10106},
      {"Q", 2772},
      {std::string(30, 'z'), 8935},
  };
  for (const auto& [key, slot] : cases) {
    INFO("key: " << key);
    CHECK(key_hash_slot(key) == slot);
  }
}

TEST_CASE("a hash tag hashes like the bare tag", "[hash_slot]") {
  for (const std::string tag : {"a", "user1000", "k2", "{", "x y", "0"}) {
    INFO("tag: " << tag);
    CHECK(key_hash_slot("{" + tag + "}") == key_hash_slot(tag));
    CHECK(key_hash_slot("prefix{" + tag + "}suffix{other}") == key_hash_slot(tag));
  }
}

TEST_CASE("key slots stay in range", "[hash_slot]") {
  std::string key;
  for (int i = 0; i < 2000; ++i) {
    key += static_cast<char>((i * 131) & 0xff);
    const int slot = key_hash_slot(key);
    REQUIRE(slot >= 0);
    REQUIRE(slot < kSlotCount);
  }
}
