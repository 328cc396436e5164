// RESP request parser and reply parser/formatter. Expected bytes and texts were
// captured from real Redis 7.0.15 (redis-server and redis-cli --no-raw).
#include <catch2/catch.hpp>

#include "sim/random.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/resp_parser.h"
#include "node/resp_value.h"

using namespace slotsim::node;
using namespace std::string_literals;
using namespace std::string_view_literals;
using Args = std::vector<std::string>;
using RequestStatus = ParsedRequest::Status;
using ReplyStatus = ParsedReply::Status;

namespace {

void check_command(std::string_view input, const Args& expected) {
  INFO("input: " << std::string(input));
  const ParsedRequest parsed = parse_request(input);
  REQUIRE(parsed.status == RequestStatus::command);
  CHECK(parsed.args == expected);
  CHECK(parsed.consumed == input.size());
}

void check_protocol_error(std::string_view input, std::string_view text) {
  INFO("input: " << std::string(input.substr(0, 80)));
  const ParsedRequest parsed = parse_request(input);
  REQUIRE(parsed.status == RequestStatus::error);
  CHECK(parsed.error == "ERR Protocol error: " + std::string(text));
  CHECK(parsed.consumed == input.size());
  CHECK(parsed.args.empty());
}

RequestStatus status_of(std::string_view input, const RespLimits& limits = {}) {
  return parse_request(input, limits).status;
}


}  // namespace

TEST_CASE("multibulk requests parse into their arguments", "[resp]") {
  check_command("*1\r\n$4\r\nPING\r\n", {"PING"});
  check_command("*3\r\n$3\r\nSET\r\n$3\r\nbar\r\n$5\r\nv\r\n\0x\r\n"sv, {"SET", "bar", "v\r\n\0x"s});
  check_command("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", {"ECHO", ""});
  check_command("*1\r\n$0\r\n\r\n", {""});  // Redis: unknown command ''
  // Lowercase and odd command names are the dispatcher's business, not the parser's.
  check_command("*2\r\n$3\r\nget\r\n$1\r\n*\r\n", {"get", "*"});
}

TEST_CASE("bytes after a length line's CR and after bulk data are skipped unchecked", "[resp]") {
  // Redis: `*1\r\n$4\r\nPINGxx` answers +PONG; so does a header ending "\rX".
  check_command("*1\r\n$4\r\nPINGxx", {"PING"});
  check_command("*1\rX$4\r\nPING\r\n", {"PING"});
  check_command("*1\r\n$4\rXPINGxx", {"PING"});
  // The search for '\r' spans lines: "*1\n..." reads the count as "1\n$4".
  check_protocol_error("*1\n$4\r\nPING\r\n", "invalid multibulk length");
}

TEST_CASE("inline commands are split like sdssplitargs", "[resp]") {
  struct Case {
    std::string_view line;
    Args args;
  };
  // Each verified by sending `RPUSH zz <line>\r\n` to redis-server and reading LRANGE.
  const std::vector<Case> cases = {
      {"a b", {"a", "b"}},          {"  a\tb  ", {"a", "b"}},     {"a\rb", {"a", "b"}},
      {"a\vb", {"a\vb"}},           {"a\fb", {"a\fb"}},           {"\va", {"a"}},  // \v, \f: skipped, not separators
      {"\"a b\"", {"a b"}},         {"a\"b c\"", {"ab c"}},       {"\"\"", {""}},  // a quote may open mid-token
      {"''", {""}},                 {"'a\\'b'", {"a'b"}},         {"'a\\nb'", {"a\\nb"}},  // '' unescapes only \'
      {"\"a\" b", {"a", "b"}},      {"\"a\"\tb", {"a", "b"}},     {"\"a\"\vb", {"a", "b"}},
      {"\"\\x4\"", {"x4"}},         {"\"\\xFf\"", {"\xff"}},      {"\xe9\xa0 x", {"\xe9\xa0", "x"}},
      {"a\x85" "b", {"a\x85" "b"}}, {"a\xa0" "b", {"a\xa0" "b"}},
      {"\"a\\x41\\x4g\\n\\r\\t\\b\\a\\z\\\\\\\"\"", {"aAx4g\n\r\t\b\az\\\""}},
  };
  for (const auto& c : cases) {
    const std::string input = "RPUSH zz " + std::string(c.line) + "\r\n";
    Args expected = {"RPUSH", "zz"};
    expected.insert(expected.end(), c.args.begin(), c.args.end());
    check_command(input, expected);
  }
}

TEST_CASE("inline lines end at LF with an optional CR before it", "[resp]") {
  check_command("PING\r\n", {"PING"});
  check_command("PING\n", {"PING"});
  check_command("PING\r\r\n", {"PING"});  // the inner \r is a separator
  check_command("GET / HTTP/1.1\r\n", {"GET", "/", "HTTP/1.1"});
  // Not special to the parser: Redis's POST/Host: guard is a command.
  check_command("POST / HTTP/1.1\r\n", {"POST", "/", "HTTP/1.1"});
  CHECK(status_of("PING") == RequestStatus::need_more);
  CHECK(status_of("PING\r") == RequestStatus::need_more);
  // '$' or ':' first means inline, as in Redis (`$3\r\n` -> unknown command '$3').
  check_command("$3\r\n", {"$3"});
}

TEST_CASE("unbalanced quotes are a protocol error", "[resp]") {
  for (std::string_view line : {"SET k \"abc", "SET k 'abc", "SET k \"a\"b", "'a'b", "\"abc\\", "a'b'c", "x \"a\\"}) {
    check_protocol_error(std::string(line) + "\r\n", "unbalanced quotes in request");
  }
}

TEST_CASE("requests Redis skips silently are empty", "[resp]") {
  struct Case {
    std::string_view input;
    std::size_t consumed;
  };
  for (const auto& c : std::vector<Case>{{"*0\r\n", 4}, {"*-1\r\n", 5}, {"*-5\r\nxyz", 5}, {"\r\n", 2}, {"\n", 1},
                                         {"   \r\n", 5}, {"\t \v\f\r\nPING\r\n", 6}}) {
    INFO("input: " << std::string(c.input));
    const ParsedRequest parsed = parse_request(c.input);
    CHECK(parsed.status == RequestStatus::empty);
    CHECK(parsed.consumed == c.consumed);
    CHECK(parsed.args.empty());
  }
  CHECK(status_of("") == RequestStatus::need_more);
}

TEST_CASE("pipelined requests are consumed one at a time", "[resp]") {
  const std::string input =
      "*3\r\n$3\r\nSET\r\n$3\r\nbar\r\n$1\r\n1\r\n"
      "GET bar\r\n"
      "*0\r\n"
      "\r\n"
      "*2\r\n$3\r\nGET\r\n$3\r\nbar\r\n"
      "$3\r\n"
      "*1\r\n$4\r\nPI";
  const std::vector<std::pair<RequestStatus, Args>> expected = {
      {RequestStatus::command, {"SET", "bar", "1"}}, {RequestStatus::command, {"GET", "bar"}},
      {RequestStatus::empty, {}},                     {RequestStatus::empty, {}},
      {RequestStatus::command, {"GET", "bar"}},       {RequestStatus::command, {"$3"}},
      {RequestStatus::need_more, {}},
  };
  std::string_view rest = input;
  for (const auto& [status, args] : expected) {
    const ParsedRequest parsed = parse_request(rest);
    REQUIRE(parsed.status == status);
    CHECK(parsed.args == args);
    CHECK(parsed.consumed <= rest.size());
    rest.remove_prefix(parsed.consumed);
  }
  CHECK(rest == "*1\r\n$4\r\nPI");
}

TEST_CASE("partial input waits at every split point, then gives the same command", "[resp]") {
  const std::vector<std::pair<std::string, Args>> requests = {
      {"*3\r\n$3\r\nSET\r\n$3\r\nbar\r\n$10\r\n0123456789\r\n", {"SET", "bar", "0123456789"}},
      {"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", {"ECHO", ""}},
      {"SET k \"a b\\x41\" 'c d'\r\n", {"SET", "k", "a bA", "c d"}},
      {"PING\n", {"PING"}},
  };
  for (const auto& [full, args] : requests) {
    for (std::size_t cut = 0; cut < full.size(); ++cut) {
      INFO("cut at " << cut << " of " << full);
      const ParsedRequest partial = parse_request(std::string_view(full).substr(0, cut));
      CHECK(partial.status == RequestStatus::need_more);
      CHECK(partial.consumed == 0);
    }
    const ParsedRequest whole = parse_request(full + "*1\r\n$4\r\nPING\r\n");
    REQUIRE(whole.status == RequestStatus::command);
    CHECK(whole.args == args);
    CHECK(whole.consumed == full.size());
  }
}

TEST_CASE("protocol errors reproduce Redis's texts", "[resp]") {
  // Each input was sent to redis-server on a fresh connection; it replied with
  // this text and closed the connection.
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"*abc\r\n", "invalid multibulk length"},    {"*\r\n", "invalid multibulk length"},
      {"*-0\r\n", "invalid multibulk length"},     {"*01\r\n$4\r\nPING\r\n", "invalid multibulk length"},
      {"*+1\r\n", "invalid multibulk length"},     {"*1 \r\n", "invalid multibulk length"},
      {"*99999999999\r\n", "invalid multibulk length"}, {"*2147483648\r\n", "invalid multibulk length"},
      {"*2\r\n$-5\r\n", "invalid bulk length"},    {"*2\r\n$3\r\nGET\r\n$-5\r\n", "invalid bulk length"},
      {"*1\r\n$999999999999\r\n", "invalid bulk length"}, {"*1\r\n$536870913\r\n", "invalid bulk length"},
      {"*1\r\n$abc\r\n", "invalid bulk length"},   {"*1\r\n$-1\r\n", "invalid bulk length"},
      {"*1\r\n$-0\r\n", "invalid bulk length"},    {"*1\r\n$04\r\nPING\r\n", "invalid bulk length"},
      {"*1\r\n$4 \r\nPING\r\n", "invalid bulk length"}, {"*1\r\n$\r\n", "invalid bulk length"},
      {"*1\r\n:5\r\n", "expected '$', got ':'"},   {"*1\r\nPING\r\n", "expected '$', got 'P'"},
      {"*2147483647\r\n*1\r\n$4\r\nPING\r\n", "expected '$', got '*'"},
      {"*1\r\n\r\n", "expected '$', got ' '"},  // CR and LF are shown as spaces
      {"*1\r\n\n\r\n", "expected '$', got ' '"},   {"*1\r\n\xff\r\n", "expected '$', got '\xff'"},
      {"SET k \"abc\r\n", "unbalanced quotes in request"},
  };
  for (const auto& [input, text] : cases) check_protocol_error(input, text);
}

TEST_CASE("a protocol error after pipelined commands comes after them", "[resp]") {
  const std::string input = "*1\r\n$4\r\nPING\r\n*abc\r\n";
  const ParsedRequest first = parse_request(input);
  REQUIRE(first.status == RequestStatus::command);
  check_protocol_error(std::string_view(input).substr(first.consumed), "invalid multibulk length");
}

TEST_CASE("size limits match Redis's boundaries", "[resp]") {
  // 512MB exactly is accepted (Redis waits for the data), one more is not.
  CHECK(status_of("*1\r\n$536870912\r\n") == RequestStatus::need_more);
  CHECK(status_of("*1\r\n$536870913\r\n") == RequestStatus::error);
  CHECK(status_of("*2147483647\r\n") == RequestStatus::need_more);
  CHECK(status_of("*1048577\r\n$3\r\nGET\r\n") == RequestStatus::need_more);
  // Lines without a terminator: an error only once more than 64KB are waiting.
  const std::string xs(65536, 'x');
  CHECK(status_of(xs) == RequestStatus::need_more);
  check_protocol_error(xs + "x", "too big inline request");
  check_command(xs + "xxxx\r\n", {xs + "xxxx"});  // a complete line is never too big
  const std::string ones(65535, '1');
  CHECK(status_of("*" + ones) == RequestStatus::need_more);
  check_protocol_error("*" + ones + "1", "too big mbulk count string");
  CHECK(status_of("*1\r\n$" + ones) == RequestStatus::need_more);
  check_protocol_error("*1\r\n$" + ones + "1", "too big bulk count string");
  // The window starts at the current bulk header, not at the request.
  CHECK(status_of("*2\r\n$1\r\na\r\n$" + ones) == RequestStatus::need_more);
  // The research captures: 70000 bytes of each.
  check_protocol_error(std::string(70000, 'x'), "too big inline request");
  check_protocol_error("*1\r\n$" + std::string(70000, '1'), "too big bulk count string");
  check_protocol_error("*" + std::string(70000, '1'), "too big mbulk count string");

  RespLimits small;
  small.max_bulk_bytes = 10;
  small.max_inline_bytes = 8;
  small.max_array_length = 3;
  CHECK(status_of("*1\r\n$10\r\n0123456789\r\n", small) == RequestStatus::command);
  CHECK(parse_request("*1\r\n$11\r\n", small).error == "ERR Protocol error: invalid bulk length");
  CHECK(status_of("*3\r\n", small) == RequestStatus::need_more);
  CHECK(parse_request("*4\r\n", small).error == "ERR Protocol error: invalid multibulk length");
  CHECK(status_of("12345678", small) == RequestStatus::need_more);
  CHECK(parse_request("123456789", small).error == "ERR Protocol error: too big inline request");
}

TEST_CASE("a NUL byte hides the terminator, as strchr does in Redis", "[resp]") {
  // Redis answers nothing to "PI\0NG\r\nPING\r\n" or "*1\0\r\n": it waits.
  CHECK(status_of("PI\0NG\r\nPING\r\n"sv) == RequestStatus::need_more);
  CHECK(status_of("*1\0\r\n"sv) == RequestStatus::need_more);
  CHECK(status_of("*1\r\n$4\0\r\nPING\r\n"sv) == RequestStatus::need_more);
  CHECK(status_of("\0\r\n"sv) == RequestStatus::need_more);
  // ...until the 64KB limit turns the wait into an error.
  check_protocol_error("PI\0NG\r\n"s + std::string(65536, 'x'), "too big inline request");
  // Inside bulk data a NUL is just a byte.
  check_command("*1\r\n$3\r\n\0\0\0\r\n"sv, {"\0\0\0"s});
}

TEST_CASE("declared lengths never drive allocation", "[resp]") {
  // Under ASan an up-front reservation of these sizes would abort the test.
  CHECK(status_of("*2147483647\r\n$536870912\r\nabc") == RequestStatus::need_more);
  std::string many = "*2147483647\r\n";
  for (int i = 0; i < 2000; ++i) many += "$1\r\nx\r\n";
  CHECK(status_of(many) == RequestStatus::need_more);
  CHECK(parse_reply("*9223372036854775807\r\n$9223372036854775807\r\n").status == ReplyStatus::need_more);
}

TEST_CASE("redis_string_to_ll follows string2ll", "[resp]") {
  CHECK(redis_string_to_ll("0") == 0);
  CHECK(redis_string_to_ll("-1") == -1);
  CHECK(redis_string_to_ll("9223372036854775807") == INT64_MAX);
  CHECK(redis_string_to_ll("-9223372036854775808") == INT64_MIN);
  for (std::string_view bad : {"", "-", "-0", "00", "01", "+1", " 1", "1 ", "1.5", "9223372036854775808",
                               "-9223372036854775809", "18446744073709551616", "000000000000000000001"}) {
    INFO(std::string(bad));
    CHECK_FALSE(redis_string_to_ll(bad));
  }
}

TEST_CASE("replies of every type parse", "[resp]") {
  using Type = RespValue::Type;
  struct Case {
    std::string_view input;
    Type type;
    std::string text;
    std::int64_t integer;
  };
  const std::vector<Case> cases = {
      {"+OK\r\n", Type::simple, "OK", 0},              {"+\r\n", Type::simple, "", 0},
      {"-ERR unknown command 'FOOBAR', with args beginning with: \r\n", Type::error,
       "ERR unknown command 'FOOBAR', with args beginning with: ", 0},
      {"-MOVED 12182 127.0.0.1:7103\r\n", Type::error, "MOVED 12182 127.0.0.1:7103", 0},
      {":0\r\n", Type::integer, "", 0},                {":-9223372036854775808\r\n", Type::integer, "", INT64_MIN},
      {"$5\r\nhello\r\n", Type::bulk, "hello", 0},     {"$4\r\na\r\nb\r\n", Type::bulk, "a\r\nb", 0},
      {"$0\r\n\r\n", Type::bulk, "", 0},               {"$-1\r\n", Type::null, "", 0},
      {"*-1\r\n", Type::null_array, "", 0},            {"*0\r\n", Type::array, "", 0},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.input));
    const ParsedReply parsed = parse_reply(std::string(c.input) + "+NEXT\r\n");
    REQUIRE(parsed.status == ReplyStatus::value);
    CHECK(parsed.consumed == c.input.size());
    CHECK(parsed.value.type == c.type);
    CHECK(parsed.value.text == c.text);
    CHECK(parsed.value.integer == c.integer);
    CHECK(parsed.value.elements.empty());
    CHECK(encode_reply(parsed.value) == c.input);
  }
}

TEST_CASE("nested array replies parse and re-encode", "[resp]") {
  // EXEC of SET, INCR, LPUSH on a string, GET (from the research captures).
  const std::string_view exec =
      "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n"
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$3\r\nabc\r\n";
  const ParsedReply parsed = parse_reply(exec);
  REQUIRE(parsed.status == ReplyStatus::value);
  CHECK(parsed.consumed == exec.size());
  REQUIRE(parsed.value.elements.size() == 4);
  CHECK(parsed.value.elements[1].type == RespValue::Type::error);
  CHECK(parsed.value.elements[3].text == "abc");
  CHECK(encode_reply(parsed.value) == exec);

  const std::string_view nested = "*3\r\n*2\r\n:1\r\n*1\r\n$-1\r\n*-1\r\n*0\r\n";
  const ParsedReply deep = parse_reply(nested);
  REQUIRE(deep.status == ReplyStatus::value);
  CHECK(deep.value.elements[0].elements[1].elements[0].type == RespValue::Type::null);
  CHECK(deep.value.elements[1].type == RespValue::Type::null_array);
  CHECK(encode_reply(deep.value) == nested);
  for (std::size_t cut = 0; cut < nested.size(); ++cut) {
    INFO("cut at " << cut);
    const ParsedReply partial = parse_reply(nested.substr(0, cut));
    CHECK(partial.status == ReplyStatus::need_more);
    CHECK(partial.consumed == 0);
  }
}

TEST_CASE("pipelined replies are consumed one at a time", "[resp]") {
  std::string_view rest = "+OK\r\n:2\r\n$1\r\n1\r\n*1\r\n$1\r\nx\r\n$3\r\nab";
  std::vector<std::string> seen;
  while (true) {
    const ParsedReply parsed = parse_reply(rest);
    if (parsed.status != ReplyStatus::value) break;
    seen.push_back(encode_reply(parsed.value));
    rest.remove_prefix(parsed.consumed);
  }
  CHECK(seen == std::vector<std::string>{"+OK\r\n", ":2\r\n", "$1\r\n1\r\n", "*1\r\n$1\r\nx\r\n"});
  CHECK(rest == "$3\r\nab");
}

TEST_CASE("malformed replies are errors", "[resp]") {
  for (std::string_view bad : {"x\r\n", "\r\n", "%1\r\n", "_\r\n", ":1.5\r\n", ": 1\r\n", ":01\r\n", ":-0\r\n",
                               "$-2\r\n", "$abc\r\n", "$01\r\nx\r\n", "$3\r\nabcde", "*-2\r\n", "*x\r\n",
                               "*2\r\n:1\r\n?\r\n"}) {
    INFO(std::string(bad));
    const ParsedReply parsed = parse_reply(bad);
    CHECK(parsed.status == ReplyStatus::error);
    CHECK_FALSE(parsed.error.empty());
    CHECK(parsed.consumed == bad.size());
  }
  std::string deep;
  for (int i = 0; i < kMaxReplyDepth; ++i) deep += "*1\r\n";
  CHECK(parse_reply(deep + ":1\r\n").status == ReplyStatus::value);
  CHECK(parse_reply(deep + "*1\r\n:1\r\n").status == ReplyStatus::error);
  std::string very_deep;
  for (int i = 0; i < 100000; ++i) very_deep += "*1\r\n";
  CHECK(parse_reply(very_deep).status == ReplyStatus::error);
}

TEST_CASE("encode_command writes a multibulk array", "[resp]") {
  CHECK(encode_command({"SET", "k", ""}) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  CHECK(encode_command({}) == "*0\r\n");
  const Args binary = {"ECHO", "a\r\n\0b"s};
  const ParsedRequest parsed = parse_request(encode_command(binary));
  REQUIRE(parsed.status == RequestStatus::command);
  CHECK(parsed.args == binary);
}

TEST_CASE("format_redis_cli matches redis-cli output", "[resp]") {
  struct Case {
    std::string_view raw;
    std::string_view cli;
  };
  // raw: the reply bytes redis-server sent; cli: what `redis-cli --no-raw` printed.
  const std::vector<Case> cases = {
      // redis-cli -p 7202 CLUSTER SLOTS (two primaries, one replica)
      {"*2\r\n*4\r\n:0\r\n:8191\r\n*4\r\n$9\r\n127.0.0.1\r\n:7202\r\n$40\r\n"
       "6914cff7ba0bc1464d46541c156086764da7f0d2\r\n*0\r\n*4\r\n$9\r\n127.0.0.1\r\n"
       ":7204\r\n$40\r\nbd893b25aab0aed9931717de1670eb09c5c1cac6\r\n*0\r\n*3\r\n:8192\r\n"
       ":16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:7203\r\n$40\r\n"
       "f67166a637db6550c22b25de91c46a5460baedb5\r\n*0\r\n"sv,
       "1) 1) (integer) 0\n   2) (integer) 8191\n   3) 1) \"127.0.0.1\"\n"
       "      2) (integer) 7202\n      3) \"6914cff7ba0bc1464d46541c156086764da7f0d2\"\n"
       "      4) (empty array)\n   4) 1) \"127.0.0.1\"\n      2) (integer) 7204\n"
       "      3) \"bd893b25aab0aed9931717de1670eb09c5c1cac6\"\n      4) (empty array)\n"
       "2) 1) (integer) 8192\n   2) (integer) 16383\n   3) 1) \"127.0.0.1\"\n"
       "      2) (integer) 7203\n      3) \"f67166a637db6550c22b25de91c46a5460baedb5\"\n"
       "      4) (empty array)\n"sv},
      // EVAL 'return {1, {2, {3, "a"}}, "b", {}, false, {err="ERR x"}, {ok="FINE"}, -7}' 0
      {"*8\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n$1\r\na\r\n$1\r\nb\r\n*0\r\n$-1\r\n-ERR x\r\n"
       "+FINE\r\n:-7\r\n"sv,
       "1) (integer) 1\n2) 1) (integer) 2\n   2) 1) (integer) 3\n      2) \"a\"\n"
       "3) \"b\"\n4) (empty array)\n5) (nil)\n6) (error) ERR x\n7) FINE\n8) (integer) -7\n"sv},
      // EVAL: ten elements at two levels, so indices (and indentation) take two columns
      {"*10\r\n:1\r\n*10\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n*2\r\n"
       "$1\r\nx\r\n*0\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n$3\r\nten\r\n"sv,
       " 1) (integer) 1\n 2)  1) (integer) 1\n     2) (integer) 2\n     3) (integer) 3\n"
       "     4) (integer) 4\n     5) (integer) 5\n     6) (integer) 6\n"
       "     7) (integer) 7\n     8) (integer) 8\n     9) (integer) 9\n    10) 1) \"x\"\n"
       "        2) (empty array)\n 3) (integer) 3\n 4) (integer) 4\n 5) (integer) 5\n"
       " 6) (integer) 6\n 7) (integer) 7\n 8) (integer) 8\n 9) (integer) 9\n10) \"ten\"\n"sv},
      // GET of a value with escapes
      {"$21\r\na\\b\"c\nd\re\tf\x07""g\x08""h\x00""i\x7f"" \x1b""~\r\n"sv,
       "\"a\\\\b\\\"c\\nd\\re\\tf\\ag\\bh\\x00i\\x7f \\x1b~\"\n"sv},
      {"*-1\r\n"sv, "(nil)\n"sv},  // BLPOP timing out: a null array
      // an error reply
      {"-ERR value is not an integer or out of range\r\n"sv,
       "(error) ERR value is not an integer or out of range\n"sv},
      {"$0\r\n\r\n"sv, "\"\"\n"sv},  // an empty bulk string
      // a status reply
      {"+OK\r\n"sv, "OK\n"sv},
      {"$-1\r\n"sv, "(nil)\n"sv},  // a missing key
      // an integer
      {":256\r\n"sv, "(integer) 256\n"sv},
  };
  for (const auto& c : cases) {
    const ParsedReply parsed = parse_reply(c.raw);
    REQUIRE(parsed.status == ReplyStatus::value);
    CHECK(parsed.consumed == c.raw.size());
    CHECK(format_redis_cli(parsed.value) + "\n" == c.cli);  // redis-cli ends its output with '\n'
  }
}

TEST_CASE("format_redis_cli quotes every byte as redis-cli does", "[resp]") {
  // Captured: redis-cli --no-raw GET of a value holding bytes 0..255 in order.
  std::string raw = "$256\r\n";
  for (int byte = 0; byte < 256; ++byte) raw += static_cast<char>(byte);
  raw += "\r\n";
  const std::string_view expected =
      "\""
      "\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\a\\b\\t\\n\\x0b\\x0c\\r\\x0e\\x0f"
      "\\x10\\x11\\x12\\x13\\x14\\x15\\x16\\x17\\x18\\x19\\x1a\\x1b\\x1c\\x1d\\x1e\\x1f"
      " !\\\"#$%&'()*+,-./"
      "0123456789:;<=>?"
      "@ABCDEFGHIJKLMNO"
      "PQRSTUVWXYZ[\\\\]^_"
      "`abcdefghijklmno"
      "pqrstuvwxyz{|}~\\x7f"
      "\\x80\\x81\\x82\\x83\\x84\\x85\\x86\\x87\\x88\\x89\\x8a\\x8b\\x8c\\x8d\\x8e\\x8f"
      "\\x90\\x91\\x92\\x93\\x94\\x95\\x96\\x97\\x98\\x99\\x9a\\x9b\\x9c\\x9d\\x9e\\x9f"
      "\\xa0\\xa1\\xa2\\xa3\\xa4\\xa5\\xa6\\xa7\\xa8\\xa9\\xaa\\xab\\xac\\xad\\xae\\xaf"
      "\\xb0\\xb1\\xb2\\xb3\\xb4\\xb5\\xb6\\xb7\\xb8\\xb9\\xba\\xbb\\xbc\\xbd\\xbe\\xbf"
      "\\xc0\\xc1\\xc2\\xc3\\xc4\\xc5\\xc6\\xc7\\xc8\\xc9\\xca\\xcb\\xcc\\xcd\\xce\\xcf"
      "\\xd0\\xd1\\xd2\\xd3\\xd4\\xd5\\xd6\\xd7\\xd8\\xd9\\xda\\xdb\\xdc\\xdd\\xde\\xdf"
      "\\xe0\\xe1\\xe2\\xe3\\xe4\\xe5\\xe6\\xe7\\xe8\\xe9\\xea\\xeb\\xec\\xed\\xee\\xef"
      "\\xf0\\xf1\\xf2\\xf3\\xf4\\xf5\\xf6\\xf7\\xf8\\xf9\\xfa\\xfb\\xfc\\xfd\\xfe\\xff"
      "\"\n"sv;
  const ParsedReply parsed = parse_reply(raw);
  REQUIRE(parsed.status == ReplyStatus::value);
  CHECK(format_redis_cli(parsed.value) + "\n" == expected);
}

TEST_CASE("format_redis_cli handles what redis-server rarely sends", "[resp]") {
  // Checked by feeding these bytes to redis-cli --no-raw from a fake server.
  auto format = [](std::string_view raw) {
    const ParsedReply parsed = parse_reply(raw);
    REQUIRE(parsed.status == ReplyStatus::value);
    return format_redis_cli(parsed.value) + "\n";
  };
  CHECK(format_redis_cli(parse_reply("$3\r\nbar\r\n").value) == "\"bar\"");  // no final newline
  CHECK(format("*2\r\n*-1\r\n:1\r\n"sv) == "1) (nil)\n2) (integer) 1\n");
  CHECK(format("+a\0b\r\n"sv) == "a\n");  // printed with %s: a NUL ends it
  CHECK(format("-ERR a\0b\r\n"sv) == "(error) ERR a\n");
  CHECK(format("*1\r\n*1\r\n*1\r\n*0\r\n"sv) == "1) 1) 1) (empty array)\n");
  CHECK(format("*2\r\n+\r\n-\r\n"sv) == "1) \n2) (error) \n");
  CHECK(format(":-9223372036854775808\r\n"sv) == "(integer) -9223372036854775808\n");
}

TEST_CASE("random and truncated input never breaks either parser", "[resp]") {
  slotsim::sim::Rng rng(0x9e3779b97f4a7c15ull);  // the project's seeded generator: runs repeat
  // Protocol bytes are over-represented so the parsers get deep into their paths.
  const std::string_view alphabet = "*$:+-\r\n\r\n0123456789-1 \t\"'\\xAf\0PING"sv;
  const std::vector<std::string> seeds = {
      "*3\r\n$3\r\nSET\r\n$3\r\nbar\r\n$1\r\n1\r\n", "GET \"a\\x41\" 'b'\r\n", "*0\r\n", "*-1\r\n",
      "*2\r\n*1\r\n:1\r\n$-1\r\n", "+OK\r\n-ERR x\r\n", "$3\r\nabc\r\n",
  };
  RespLimits small;
  small.max_inline_bytes = 16;
  small.max_bulk_bytes = 8;
  small.max_array_length = 4;
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    if (round % 2 == 0) {
      const std::size_t length = rng.below(48);
      for (std::size_t i = 0; i < length; ++i) {
        input += rng.below(4) == 0 ? static_cast<char>(rng.below(256)) : alphabet[rng.below(alphabet.size())];
      }
    } else {
      // A few valid messages, then mutated and truncated.
      for (std::size_t n = 1 + rng.below(3); n > 0; --n) input += seeds[rng.below(seeds.size())];
      for (std::size_t n = rng.below(4); n > 0; --n) {
        input[rng.below(input.size())] = alphabet[rng.below(alphabet.size())];
      }
      input.resize(rng.below(input.size() + 1));
    }
    INFO("round " << round);
    for (const RespLimits& limits : {RespLimits{}, small}) {
      const ParsedRequest request = parse_request(input, limits);
      REQUIRE(request.consumed <= input.size());
      switch (request.status) {
        case RequestStatus::command: {
          REQUIRE(request.consumed > 0);
          REQUIRE_FALSE(request.args.empty());
          // The same request must come out of exactly the bytes it consumed.
          const ParsedRequest again = parse_request(std::string_view(input).substr(0, request.consumed), limits);
          REQUIRE(again.status == RequestStatus::command);
          REQUIRE(again.args == request.args);
          break;
        }
        case RequestStatus::empty: REQUIRE(request.consumed > 0); break;
        case RequestStatus::need_more: REQUIRE(request.consumed == 0); break;
        case RequestStatus::error:
          REQUIRE(request.error.rfind("ERR Protocol error: ", 0) == 0);
          REQUIRE(request.error.find_first_of("\r\n") == std::string::npos);
          break;
      }
    }
    const ParsedReply reply = parse_reply(input);
    REQUIRE(reply.consumed <= input.size());
    switch (reply.status) {
      case ReplyStatus::value:
        REQUIRE(reply.consumed > 0);
        // Strict parsing means the value re-encodes to the very bytes consumed.
        REQUIRE(encode_reply(reply.value) == std::string_view(input).substr(0, reply.consumed));
        (void)format_redis_cli(reply.value);
        break;
      case ReplyStatus::need_more: REQUIRE(reply.consumed == 0); break;
      case ReplyStatus::error: REQUIRE_FALSE(reply.error.empty()); break;
    }
  }
}
