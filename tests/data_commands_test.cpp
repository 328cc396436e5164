// Every expected reply below is the exact byte string real redis-server 7.0.15
// sent for the same command sequence (captured with a raw-socket probe), and
// every expected propagation is what that server wrote to its AOF.
#include "node/data_commands.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace slotsim::node {
namespace {

using Cmd = std::vector<std::string>;
using Prop = std::vector<Cmd>;

const std::string kOk = "+OK\r\n";
const std::string kNil = "$-1\r\n";
const std::string kNilArray = "*-1\r\n";
const std::string kEmpty = "*0\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";
const std::string kNotInt = "-ERR value is not an integer or out of range\r\n";
const std::string kWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const std::string kOverflow = "-ERR increment or decrement would overflow\r\n";
const std::string kSetExpire = "-ERR invalid expire time in 'set' command\r\n";
const std::string kNotPositive = "-ERR value is out of range, must be positive\r\n";

Cmd words(const std::string& line) {
  Cmd out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A node's view: one keyspace and its clock (1,000,000 ms, so PXAT values are easy to read).
struct Db {
  Keyspace keys;
  Nanos now = ms(1'000'000);
  ExpiryMode mode = ExpiryMode::active;

  CommandOutcome run(const Cmd& args) {
    std::string name = args.at(0);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const CommandSpec* spec = find_data_command(name);
    REQUIRE(spec != nullptr);
    return execute_data_command(*spec, keys, now, args, mode);
  }
  std::string operator()(const Cmd& args) { return run(args).reply; }
  std::string operator()(const std::string& line) { return run(words(line)).reply; }
  Prop prop(const std::string& line) { return run(words(line)).propagate; }
  Prop prop(const Cmd& args) { return run(args).propagate; }
};

using Step = std::pair<const char*, std::string>;

// Runs each (command line, exact Redis reply) in order.
void replies(Db& r, std::initializer_list<Step> steps) {
  for (const auto& [line, expected] : steps) {
    INFO(line);
    CHECK(r(line) == expected);
  }
}

TEST_CASE("data command SET options reply like Redis", "[data_commands]") {
  Db r;
  replies(r, {
      {"GET k", kNil}, {"SET k v1", kOk}, {"GET k", "$2\r\nv1\r\n"}, {"SET k v2 NX", kNil}, {"SET k v2 XX", kOk},
      {"SET k2 v XX", kNil}, {"SET k2 v NX", kOk}, {"SET k v3 GET", "$2\r\nv2\r\n"}, {"SET newk x GET", kNil},
      {"SET k v4 NX GET", "$2\r\nv3\r\n"},  // NX fails but GET still answers
      {"GET k", "$2\r\nv3\r\n"}, {"SET k v5 XX GET", "$2\r\nv3\r\n"}, {"SET nok v XX GET", kNil},
      {"EXISTS nok", ":0\r\n"}, {"SET nok2 v NX GET", kNil}, {"GET nok2", "$1\r\nv\r\n"},
      {"SET k v NX NX", kNil},  // a repeated flag is accepted
      {"SET k v GET GET", "$2\r\nv5\r\n"}, {"SET k v nx get", "$1\r\nv\r\n"},
  });
  CHECK(r(Cmd{"SET", "k", "w", std::string("NX\0junk", 7)}) == kNil);  // options end at a NUL byte
  CHECK(r(Cmd{"SET", "b", ""}) == kOk);
  CHECK(r("GET b") == "$0\r\n\r\n");
  CHECK(r(Cmd{"SET", "b", std::string("a\r\nb\0c", 6)}) == kOk);
  CHECK(r("GET b") == std::string("$6\r\na\r\nb\0c\r\n", 12));
}

TEST_CASE("data command SET validation errors in Redis order", "[data_commands]") {
  Db r;
  for (const char* line : {"SET k v NX XX", "SET k v XX NX", "SET k v EX", "SET k v EX 10 PX 100", "SET k v EX 10 KEEPTTL",
                           "SET k v KEEPTTL EX 10", "SET k v PX 100 KEEPTTL", "SET k v BOGUS", "SET k v x y z",
                           "SET k v PX 10 PX", "SET k v EXAT 10 PXAT 10"}) {
    INFO(line);
    CHECK(r(line) == kSyntax);
  }
  for (const char* line : {"SET k v EX 0", "SET k v EX -1", "SET k v PX 0", "SET k v PX -5", "SET k v EXAT 0",
                           "SET k v PXAT -1", "SET k v EX 9999999999999999", "SET k v PX 9223372036854775807",
                           "SET k v EXAT 9223372036854776"}) {
    INFO(line);
    CHECK(r(line) == kSetExpire);
  }
  for (const char* line : {"SET k v EX abc", "SET k v EX 1.5", "SET k v EX 99999999999999999999", "SET k v EX +5",
                           "SET k v EX 05"}) {
    INFO(line);
    CHECK(r(line) == kNotInt);
  }
  CHECK(r(Cmd{"SET", "k", "v", "EX", ""}) == kNotInt);
  CHECK(r("SET k v EX abc BOGUS") == kSyntax);  // options are parsed before the number
  CHECK(r.keys.size() == 0);
  replies(r, {
      {"SET k v EX 10 EX 20", kOk},  // the same expiry option twice: the last wins
      {"TTL k", ":20\r\n"}, {"SET k v keepttl keepttl", kOk}, {"TTL k", ":20\r\n"},
      {"SET k v EXAT 9223372036854775", kOk}, {"SET k v PXAT 9223372036854775807", kOk},
  });
}

TEST_CASE("data command SET on a list: GET is WRONGTYPE, plain SET overwrites", "[data_commands]") {
  Db r;
  replies(r, {
      {"RPUSH l a", ":1\r\n"}, {"SET l v GET", kWrongType}, {"SET l v NX", kNil}, {"TYPE l", "+list\r\n"},
      {"SET l v XX", kOk}, {"TYPE l", "+string\r\n"}, {"RPUSH l2 a", ":1\r\n"}, {"EXPIRE l2 100", ":1\r\n"},
      {"SET l2 v KEEPTTL", kOk}, {"TTL l2", ":100\r\n"}, {"TYPE l2", "+string\r\n"},
  });
}

TEST_CASE("data command SET propagation", "[data_commands]") {
  Db r;
  CHECK(r.prop("SET k v EX 100") == Prop{{"SET", "k", "v", "PXAT", "1100000"}});
  CHECK(r.prop("SET k v px 2500") == Prop{{"SET", "k", "v", "PXAT", "1002500"}});
  CHECK(r.prop("SET k v EXAT 5000") == Prop{{"SET", "k", "v", "PXAT", "5000000"}});
  CHECK(r.prop("SET k v PXAT 7000000") == Prop{{"SET", "k", "v", "PXAT", "7000000"}});
  CHECK(r.prop("SET k v GET EX 10 GET") == Prop{{"SET", "k", "v", "PXAT", "1010000"}});
  CHECK(r.prop("SET k v2 XX GET KEEPTTL") == Prop{{"SET", "k", "v2", "XX", "KEEPTTL"}});
  CHECK(r.prop("SET k v3 get GET nx") == Prop{});  // NX failed: nothing changed
  CHECK(r.prop("SET j v3 get GET nx") == Prop{{"SET", "j", "v3", "nx"}});
  CHECK(r.prop(Cmd{"SET", "k", "w", std::string("GET\0x", 5)}) == Prop{{"SET", "k", "w"}});
  CHECK(r.prop("set k v") == Prop{{"set", "k", "v"}});
  CHECK(r.prop("SET k v EX 0").empty());
  CHECK(r.prop("GET k").empty());
}

TEST_CASE("data command INCR family parses like string2ll and checks overflow", "[data_commands]") {
  Db r;
  replies(r, {
      {"INCR c", ":1\r\n"}, {"INCR c", ":2\r\n"}, {"INCRBY c 10", ":12\r\n"}, {"INCRBY c -20", ":-8\r\n"},
      {"DECR c", ":-9\r\n"}, {"DECRBY c 5", ":-14\r\n"}, {"GET c", "$3\r\n-14\r\n"},
  });
  for (const char* bad : {"abc", " 1", "01", "1.5", "-0", "+1", "99999999999999999999"}) {
    INFO(bad);
    CHECK(r(Cmd{"SET", "c", bad}) == kOk);
    CHECK(r("INCR c") == kNotInt);
  }
  CHECK(r("SET c 1") == kOk);
  for (const char* bad : {"abc", "1.0", "", "+1", "-0", "9223372036854775808"}) {
    INFO(bad);
    CHECK(r(Cmd{"INCRBY", "c", bad}) == kNotInt);
  }
  replies(r, {
      {"INCRBY c 0", ":1\r\n"}, {"DECRBY c 0", ":1\r\n"}, {"SET c 9223372036854775807", kOk}, {"INCR c", kOverflow},
      {"INCRBY c 1", kOverflow}, {"INCRBY c 0", ":9223372036854775807\r\n"}, {"SET c -9223372036854775808", kOk},
      {"DECR c", kOverflow}, {"INCRBY c -1", kOverflow}, {"INCR c", ":-9223372036854775807\r\n"}, {"SET c 0", kOk},
      {"DECRBY c -9223372036854775808", "-ERR decrement would overflow\r\n"},
      {"DECRBY c 9223372036854775807", ":-9223372036854775807\r\n"}, {"DECRBY c 2", kOverflow}, {"SET c -1", kOk},
      {"INCRBY c -9223372036854775808", kOverflow}, {"SET c 1", kOk}, {"INCRBY c 9223372036854775807", kOverflow},
  });
  // The increment is parsed before the key is looked at.
  replies(r, {
      {"RPUSH l a", ":1\r\n"}, {"INCR l", kWrongType}, {"DECRBY l 1", kWrongType}, {"INCRBY l abc", kNotInt},
      {"DECRBY l -9223372036854775808", "-ERR decrement would overflow\r\n"},
  });
  // The TTL survives an increment; the command propagates as sent.
  CHECK(r("SET t 5 EX 100") == kOk);
  CHECK(r.prop("INCR t") == Prop{{"INCR", "t"}});
  CHECK(r("TTL t") == ":100\r\n");
  CHECK(r.prop("INCRBY t abc").empty());
}

TEST_CASE("data command APPEND STRLEN MGET MSET", "[data_commands]") {
  Db r;
  CHECK(r("APPEND a Hello") == ":5\r\n");
  CHECK(r(Cmd{"APPEND", "a", " World"}) == ":11\r\n");
  CHECK(r("GET a") == "$11\r\nHello World\r\n");
  CHECK(r.run(Cmd{"APPEND", "a", ""}).reply == ":11\r\n");
  CHECK(r.run(Cmd{"APPEND", "e", ""}).propagate == Prop{{"APPEND", "e", ""}});  // creates an empty string
  replies(r, {
      {"EXISTS e", ":1\r\n"}, {"TYPE e", "+string\r\n"}, {"STRLEN a", ":11\r\n"}, {"STRLEN e", ":0\r\n"},
      {"STRLEN nokey", ":0\r\n"}, {"RPUSH l a", ":1\r\n"}, {"APPEND l x", kWrongType}, {"STRLEN l", kWrongType},
  });

  replies(r, {
      {"MSET m1 one m2 two", kOk}, {"MGET m1 m2 m3", "*3\r\n$3\r\none\r\n$3\r\ntwo\r\n$-1\r\n"},
      {"MGET l m1", "*2\r\n$-1\r\n$3\r\none\r\n"},  // a list is nil in MGET
      {"MSET m1 x m2", "-ERR wrong number of arguments for 'mset' command\r\n"},
  });
  CHECK(r.prop("MSET m1 a m1 b") == Prop{{"MSET", "m1", "a", "m1", "b"}});
  replies(r, {
      {"GET m1", "$1\r\nb\r\n"}, {"SET t z EX 100", kOk}, {"MSET t z", kOk},
      {"TTL t", ":-1\r\n"},  // MSET clears the TTL
      {"MSET l s", kOk},  // and overwrites any type
      {"MGET nokey", "*1\r\n$-1\r\n"},
  });
}

TEST_CASE("data command list push pop and range", "[data_commands]") {
  Db r;
  CHECK(r("LPUSH l a b c") == ":3\r\n");
  CHECK(r("RPUSH l x y") == ":5\r\n");
  const std::string all = "*5\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\ny\r\n";
  replies(r, {
      {"LRANGE l 0 -1", all}, {"LRANGE l 1 2", "*2\r\n$1\r\nb\r\n$1\r\na\r\n"}, {"LRANGE l 10 20", kEmpty},
      {"LRANGE l -100 100", all}, {"LRANGE l -2 -1", "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"}, {"LRANGE l -1 -2", kEmpty},
      {"LRANGE l 3 1", kEmpty}, {"LRANGE l 0 0", "*1\r\n$1\r\nc\r\n"},
      {"LRANGE l -9223372036854775808 9223372036854775807", all}, {"LRANGE l 5 -1", kEmpty},
      {"LRANGE l -5 0", "*1\r\n$1\r\nc\r\n"}, {"LRANGE l -6 -6", kEmpty}, {"LRANGE nokey 0 -1", kEmpty},
  });
  for (const char* line : {"LRANGE l a b", "LRANGE l 0 b", "LRANGE nokey a 0", "LRANGE l 1.0 2", "LRANGE l 01 2",
                           "LRANGE l 9223372036854775808 1"}) {
    INFO(line);
    CHECK(r(line) == kNotInt);
  }
  replies(r, {
      {"LLEN l", ":5\r\n"}, {"LLEN nokey", ":0\r\n"}, {"LPOP l", "$1\r\nc\r\n"},
      {"LPOP l 2", "*2\r\n$1\r\nb\r\n$1\r\na\r\n"}, {"RPOP l", "$1\r\ny\r\n"}, {"RPUSH l p q r s", ":5\r\n"},
      {"RPOP l 2", "*2\r\n$1\r\ns\r\n$1\r\nr\r\n"},  // popped order, from the tail
      {"LRANGE l 0 -1", "*3\r\n$1\r\nx\r\n$1\r\np\r\n$1\r\nq\r\n"},
  });
  CHECK(r.prop("RPOP l 0") == Prop{});
  CHECK(r.run(words("RPOP l 0")).reply == kEmpty);
  CHECK(r.prop("RPOP l 10") == Prop{{"RPOP", "l", "10"}});
  CHECK(r("EXISTS l") == ":0\r\n");  // an emptied list is deleted
  CHECK(r("LLEN l") == ":0\r\n");
  CHECK(r.keys.size() == 0);
  replies(r, {
      {"RPUSH l a b", ":2\r\n"}, {"RPOP l", "$1\r\nb\r\n"}, {"LPOP l", "$1\r\na\r\n"}, {"TYPE l", "+none\r\n"},
  });
  CHECK(r(Cmd{"RPUSH", "l3", "", ""}) == ":2\r\n");
  CHECK(r("LRANGE l3 0 -1") == "*2\r\n$0\r\n\r\n$0\r\n\r\n");
  CHECK(r.prop("LPUSH l3 z") == Prop{{"LPUSH", "l3", "z"}});
}

TEST_CASE("data command LPOP RPOP count edge cases", "[data_commands]") {
  Db r;
  replies(r, {
      {"LPOP nokey", kNil}, {"LPOP nokey 2", kNilArray}, {"LPOP nokey 0", kNilArray}, {"RPUSH l a", ":1\r\n"},
      {"LPOP l 0", kEmpty},
  });
  // One message for a negative count and for a non-integer, checked before the key.
  for (const char* line : {"LPOP l -1", "LPOP l abc", "LPOP nokey abc", "LPOP nokey -1", "LPOP l 9223372036854775808"}) {
    INFO(line);
    CHECK(r(line) == kNotPositive);
  }
  replies(r, {
      {"LPOP l 1 2", "-ERR wrong number of arguments for 'lpop' command\r\n"},
      {"RPOP l 1 2", "-ERR wrong number of arguments for 'rpop' command\r\n"}, {"LPOP l 1", "*1\r\n$1\r\na\r\n"},
      {"EXISTS l", ":0\r\n"}, {"SET s str", kOk}, {"LPOP s 0", kWrongType}, {"LPOP s abc", kNotPositive},
  });
}

TEST_CASE("data command WRONGTYPE errors", "[data_commands]") {
  Db r;
  CHECK(r("SET s str") == kOk);
  CHECK(r("RPUSH l a") == ":1\r\n");
  for (const char* line : {"LPUSH s x", "RPUSH s x", "LRANGE s 0 -1", "LLEN s", "LPOP s", "RPOP s 2", "GET l", "INCR l",
                           "APPEND l x", "STRLEN l", "SET l v GET"}) {
    INFO(line);
    CHECK(r(line) == kWrongType);
  }
  replies(r, {
      {"LRANGE s a 0", kNotInt}, {"GET s", "$3\r\nstr\r\n"}, {"LRANGE l 0 -1", "*1\r\n$1\r\na\r\n"},
  });
}

TEST_CASE("data command EXPIRE family options and errors", "[data_commands]") {
  Db r;
  CHECK(r("SET x 1") == kOk);
  CHECK(r.prop("EXPIRE x 100") == Prop{{"PEXPIREAT", "x", "1100000"}});
  replies(r, {
      {"TTL x", ":100\r\n"}, {"PTTL x", ":100000\r\n"}, {"EXPIRE x 100 NX", ":0\r\n"},
  });
  CHECK(r.prop("EXPIRE x 200 XX") == Prop{{"PEXPIREAT", "x", "1200000", "XX"}});  // options kept
  replies(r, {
      {"EXPIRE x 50 GT", ":0\r\n"}, {"EXPIRE x 500 GT", ":1\r\n"}, {"EXPIRE x 600 LT", ":0\r\n"},
      {"EXPIRE x 60 LT", ":1\r\n"}, {"TTL x", ":60\r\n"},
  });
  CHECK(r.prop("PERSIST x") == Prop{{"PERSIST", "x"}});
  CHECK(r.prop("PERSIST x").empty());
  replies(r, {
      {"PERSIST x", ":0\r\n"}, {"TTL x", ":-1\r\n"}, {"EXPIRE x 10 XX", ":0\r\n"},
      {"EXPIRE x 10 GT", ":0\r\n"},  // no TTL counts as infinite
      {"EXPIRE x 10 LT", ":1\r\n"}, {"PERSIST x", ":1\r\n"}, {"EXPIRE x 10 NX", ":1\r\n"},
  });
  const std::string incompatible = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
  replies(r, {
      {"EXPIRE x 10 NX XX", incompatible}, {"EXPIRE x 10 NX GT", incompatible}, {"EXPIRE x 10 NX LT", incompatible},
      {"EXPIRE x abc NX XX", incompatible},  // options before the number
      {"EXPIRE x 10 GT LT", "-ERR GT and LT options at the same time are not compatible\r\n"},
      {"EXPIRE x 10 XX GT", ":0\r\n"}, {"EXPIRE x 10 xx lt", ":0\r\n"},
      {"EXPIRE x 10 BOGUS", "-ERR Unsupported option BOGUS\r\n"},
      {"EXPIRE x abc BOGUS", "-ERR Unsupported option BOGUS\r\n"},
      {"EXPIRE nokey 10 BOGUS", "-ERR Unsupported option BOGUS\r\n"},
  });
  CHECK(r(Cmd{"EXPIRE", "x", "10", "a\r\nb"}) == "-ERR Unsupported option a  b\r\n");
  CHECK(r(Cmd{"EXPIRE", "x", "10", "ab\r\n"}) == "-ERR Unsupported option ab\r\n");
  CHECK(r(Cmd{"EXPIRE", "x", "10", std::string("ab\0cd", 5)}) == "-ERR Unsupported option ab\r\n");
  CHECK(r(Cmd{"EXPIRE", "x", "10", std::string("NX\0zz", 5)}) == ":0\r\n");
  CHECK(r(Cmd{"EXPIRE", "x", "10", ""}) == "-ERR Unsupported option \r\n");
  replies(r, {
      {"EXPIRE x abc", kNotInt}, {"EXPIRE x 1.5", kNotInt}, {"EXPIRE nokey 10", ":0\r\n"},
      {"EXPIRE nokey abc", kNotInt},
      {"EXPIRE x 9223372036854775", "-ERR invalid expire time in 'expire' command\r\n"},
      {"EXPIRE x 9223372036854776", "-ERR invalid expire time in 'expire' command\r\n"},
      {"EXPIRE x -9223372036854776", "-ERR invalid expire time in 'expire' command\r\n"},
      {"PEXPIRE x 9223372036854775807", "-ERR invalid expire time in 'pexpire' command\r\n"},
      {"EXPIREAT x 9223372036854776", "-ERR invalid expire time in 'expireat' command\r\n"},
  });
  CHECK(r.prop("EXPIREAT x 9223372036854775") == Prop{{"PEXPIREAT", "x", "9223372036854775000"}});
  CHECK(r.prop("PEXPIREAT x 9223372036854775807") == Prop{{"PEXPIREAT", "x", "9223372036854775807"}});
  CHECK(r.prop("pexpireat x 5000000 GT") == Prop{});
  CHECK(r.prop("pexpireat x 5000000 lt") == Prop{{"pexpireat", "x", "5000000", "lt"}});
  CHECK(r.prop("PEXPIRE x 100000") == Prop{{"PEXPIREAT", "x", "1100000"}});
  replies(r, {
      {"PTTL x", ":100000\r\n"}, {"EXPIREAT x 2000 NX", ":0\r\n"}, {"EXPIREAT x 2000", ":1\r\n"},
      {"TTL x", ":1000\r\n"},
  });
}

TEST_CASE("data command EXPIRE to the past deletes the key and propagates DEL", "[data_commands]") {
  Db r;
  for (const char* line : {"EXPIRE x 0", "EXPIRE x -5", "PEXPIREAT x 1", "EXPIREAT x 0", "PEXPIRE x 0 NX",
                           "PEXPIREAT x 1000000"}) {
    INFO(line);
    CHECK(r("SET x 1") == kOk);
    CHECK(r.run(words(line)).propagate == Prop{{"DEL", "x"}});
    CHECK(r("EXISTS x") == ":0\r\n");
  }
  replies(r, {
      {"SET x 1", kOk},
      {"PEXPIREAT x 1000001", ":1\r\n"},  // one ms ahead: kept
      {"PTTL x", ":1\r\n"}, {"SET x 1 EX 100", kOk}, {"EXPIRE x -1 GT", ":0\r\n"}, {"EXPIRE x -1 LT", ":1\r\n"},
      {"EXISTS x", ":0\r\n"},
  });
}

TEST_CASE("data command TTL rounds to the nearest second", "[data_commands]") {
  Db r;
  replies(r, {
      {"TTL nokey", ":-2\r\n"}, {"PTTL nokey", ":-2\r\n"}, {"PERSIST nokey", ":0\r\n"}, {"SET y 1", kOk},
      {"TTL y", ":-1\r\n"}, {"PTTL y", ":-1\r\n"}, {"SET y 1 PX 1400", kOk}, {"TTL y", ":1\r\n"},
      {"SET y 1 PX 1600", kOk}, {"TTL y", ":2\r\n"}, {"SET y 1 PX 500", kOk}, {"TTL y", ":1\r\n"},
      {"SET y 1 PX 499", kOk}, {"TTL y", ":0\r\n"},
  });
  r.now += ms(499);  // the last millisecond: alive, TTL 0
  CHECK(r("PTTL y") == ":0\r\n");
  CHECK(r("GET y") == "$1\r\n1\r\n");
  r.now += ms(1) - 1;
  CHECK(r("GET y") == "$1\r\n1\r\n");  // still the same millisecond
  r.now += 1;
  CHECK(r("TTL y") == ":-2\r\n");
}

TEST_CASE("data command lazy expiry with an advancing clock propagates DEL first", "[data_commands]") {
  Db r;
  for (const char* key : {"q", "q2", "q6", "q7", "q9", "q10", "q11", "q12", "q13", "q17", "q18", "q19", "q20", "q21"}) {
    CHECK(r(Cmd{"SET", key, "5", "PX", "100"}) == kOk);
  }
  replies(r, {
      {"RPUSH q3 a", ":1\r\n"}, {"PEXPIRE q3 100", ":1\r\n"}, {"MSET q4 1 q5 2", kOk}, {"PEXPIRE q4 100", ":1\r\n"},
      {"PEXPIRE q5 100", ":1\r\n"},
  });
  r.now += ms(300);
  CHECK(r("DBSIZE") == ":17\r\n");  // expired keys count until touched, as in Redis
  auto del = [](const char* key) { return Cmd{"DEL", key}; };
  CHECK(r.run(words("GET q")).propagate == Prop{del("q")});
  CHECK(r.run(words("EXISTS q2 q2")).reply == ":0\r\n");
  CHECK(r.prop("EXISTS q2") == Prop{});  // reported once
  CHECK(r.run(words("LRANGE q3 0 -1")).propagate == Prop{del("q3")});
  CHECK(r.prop("MSET q4 a q5 b") == Prop{del("q4"), del("q5"), {"MSET", "q4", "a", "q5", "b"}});
  CHECK(r("TTL q4") == ":-1\r\n");
  CHECK(r.run(words("TYPE q6")).reply == "+none\r\n");
  CHECK(r.prop("TTL q7") == Prop{del("q7")});
  CHECK(r.prop("PERSIST q9") == Prop{del("q9")});
  CHECK(r.run(words("EXPIRE q10 100")).reply == ":0\r\n");
  CHECK(r.run(words("DEL q11")).reply == ":0\r\n");
  CHECK(r.prop("INCR q12") == Prop{del("q12"), {"INCR", "q12"}});
  CHECK(r("GET q12") == "$1\r\n1\r\n");
  CHECK(r.prop("INCRBY q13 abc") == Prop{});  // the argument fails before the key is read
  CHECK(r.prop("STRLEN q17") == Prop{del("q17")});
  CHECK(r.prop("SET q18 v GET") == Prop{del("q18"), {"SET", "q18", "v"}});
  CHECK(r.prop("SET q19 v NX") == Prop{del("q19"), {"SET", "q19", "v", "NX"}});
  CHECK(r.run(words("SET q20 v XX")).propagate == Prop{del("q20")});
  CHECK(r.run(words("MGET q21 q21 nokey")).reply == "*3\r\n$-1\r\n$-1\r\n$-1\r\n");
  CHECK(r("DBSIZE") == ":6\r\n");  // q4 q5 q12 q18 q19, and q13 which nothing touched
  CHECK(r.keys.take_expired().empty());
}

TEST_CASE("data command DEL EXISTS TYPE DBSIZE PING ECHO", "[data_commands]") {
  Db r;
  replies(r, {
      {"SET a 1", kOk}, {"SET b 2", kOk}, {"EXISTS a", ":1\r\n"}, {"EXISTS a b c a", ":3\r\n"},
  });
  CHECK(r.prop("DEL a b c") == Prop{{"DEL", "a", "b", "c"}});
  CHECK(r("DEL a") == ":0\r\n");
  CHECK(r.prop("DEL a a").empty());
  replies(r, {
      {"SET a 1", kOk}, {"DEL a a", ":1\r\n"}, {"DBSIZE", ":0\r\n"}, {"SET x 1", kOk}, {"RPUSH y 1", ":1\r\n"},
      {"DBSIZE", ":2\r\n"}, {"TYPE x", "+string\r\n"}, {"TYPE y", "+list\r\n"}, {"TYPE z", "+none\r\n"},
      {"PING", "+PONG\r\n"}, {"ping", "+PONG\r\n"}, {"PING hello", "$5\r\nhello\r\n"},
  });
  CHECK(r(Cmd{"PING", ""}) == "$0\r\n\r\n");
  CHECK(r("PING a b") == "-ERR wrong number of arguments for 'ping' command\r\n");
  CHECK(r(Cmd{"ECHO", "hi there"}) == "$8\r\nhi there\r\n");
  CHECK(r(Cmd{"ECHO", ""}) == "$0\r\n\r\n");
  CHECK(r(Cmd{"ECHO", "a\r\nb"}) == "$4\r\na\r\nb\r\n");
  CHECK(r.prop("PING").empty());
}

TEST_CASE("data command expiry modes for replicas and AOF replay", "[data_commands]") {
  Db r;
  replies(r, {
      {"SET k 1 PX 100", kOk}, {"RPUSH l a", ":1\r\n"}, {"PEXPIRE l 100", ":1\r\n"},
  });
  r.now += ms(200);

  // A replica hides an expired key but keeps it for the primary's DEL.
  r.mode = ExpiryMode::hidden;
  replies(r, {
      {"GET k", kNil}, {"TTL k", ":-2\r\n"}, {"EXISTS k", ":0\r\n"}, {"TYPE k", "+none\r\n"},
      {"LRANGE l 0 -1", kEmpty}, {"DBSIZE", ":2\r\n"},
  });
  CHECK(r.keys.take_expired().empty());

  // Replaying the AOF: keys never expire mid-replay, so INCR keeps counting
  // on the old value and a past EXPIRE is stored, not turned into a DEL.
  r.mode = ExpiryMode::ignored;
  CHECK(r("INCR k") == ":2\r\n");
  CHECK(r("SET n 1") == kOk);
  CHECK(r.prop("PEXPIREAT n 5") == Prop{{"PEXPIREAT", "n", "5"}});
  CHECK(r("DBSIZE") == ":3\r\n");
  CHECK(r.keys.take_expired().empty());

  r.mode = ExpiryMode::active;
  CHECK(r.prop("GET k") == Prop{{"DEL", "k"}});
  CHECK(r.prop("EXISTS n l") == Prop{{"DEL", "n"}, {"DEL", "l"}});
  CHECK(r("DBSIZE") == ":0\r\n");
}

TEST_CASE("data command table arity flags and keys", "[data_commands]") {
  struct Row {
    const char* name;
    int arity;
    bool write;
  };
  for (Row row : {Row{"get", 2, false}, Row{"set", -3, true}, Row{"del", -2, true}, Row{"exists", -2, false},
                  Row{"incr", 2, true}, Row{"decr", 2, true}, Row{"incrby", 3, true}, Row{"decrby", 3, true},
                  Row{"append", 3, true}, Row{"strlen", 2, false}, Row{"mget", -2, false}, Row{"mset", -3, true},
                  Row{"lpush", -3, true}, Row{"rpush", -3, true}, Row{"lpop", -2, true}, Row{"rpop", -2, true},
                  Row{"lrange", 4, false}, Row{"llen", 2, false}, Row{"expire", -3, true}, Row{"pexpire", -3, true},
                  Row{"expireat", -3, true}, Row{"pexpireat", -3, true}, Row{"ttl", 2, false}, Row{"pttl", 2, false},
                  Row{"persist", 2, true}, Row{"dbsize", 1, false}, Row{"type", 2, false}, Row{"ping", -1, false},
                  Row{"echo", 2, false}}) {
    INFO(row.name);
    const CommandSpec* spec = find_data_command(row.name);
    REQUIRE(spec != nullptr);
    CHECK(spec->name == row.name);
    CHECK(spec->arity == row.arity);
    CHECK(spec->write == row.write);
  }
  CHECK(find_data_command("GET") == nullptr);  // the caller lowercases
  CHECK(find_data_command("cluster") == nullptr);
  CHECK(find_data_command("") == nullptr);
  auto keys = [](const char* name, const std::string& line) { return command_keys(*find_data_command(name), words(line)); };
  CHECK(keys("get", "GET k") == Cmd{"k"});
  CHECK(keys("set", "SET k v EX 10") == Cmd{"k"});
  CHECK(keys("mset", "MSET a 1 b 2") == Cmd{"a", "b"});
  CHECK(keys("mset", "MSET a 1 b") == Cmd{"a", "b"});  // odd pairs: keys still listed, MSET itself refuses
  CHECK(keys("mget", "MGET a b a") == Cmd{"a", "b", "a"});
  CHECK(keys("del", "DEL a b") == Cmd{"a", "b"});
  CHECK(keys("lpop", "LPOP l 3") == Cmd{"l"});
  CHECK(keys("lrange", "LRANGE l 0 -1") == Cmd{"l"});
  CHECK(keys("expire", "EXPIRE k 10 NX") == Cmd{"k"});
  CHECK(keys("ping", "PING k").empty());
  CHECK(keys("echo", "ECHO k").empty());
  CHECK(keys("dbsize", "DBSIZE").empty());
}

TEST_CASE("data command integer parsing matches string2ll", "[data_commands]") {
  CHECK(parse_redis_int("0") == 0);
  CHECK(parse_redis_int("7") == 7);
  CHECK(parse_redis_int("-7") == -7);
  CHECK(parse_redis_int("9223372036854775807") == INT64_MAX);
  CHECK(parse_redis_int("-9223372036854775808") == INT64_MIN);
  for (const char* bad : {"", "-", "+1", "01", "-0", "00", " 1", "1 ", "1.0", "1e3", "9223372036854775808",
                          "-9223372036854775809", "99999999999999999999", "184467440737095516160", "0x10", "abc"}) {
    INFO(bad);
    CHECK_FALSE(parse_redis_int(bad).has_value());
  }
  CHECK_FALSE(parse_redis_int(std::string("1\0", 2)).has_value());
}

}  // namespace
}  // namespace slotsim::node
