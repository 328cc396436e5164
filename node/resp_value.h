// RESP2 replies seen from the client side: an incremental reply parser, the
// redis-cli (TTY style) rendering of a reply, and request encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/reply_parser.h"

namespace slotsim::node {

struct RespValue {
  enum class Type { simple, error, integer, bulk, null, array, null_array };
  Type type = Type::null;
  std::string text;          // simple, error (without the '-'), bulk
  std::int64_t integer = 0;  // integer
  std::vector<RespValue> elements;  // array
};

struct ParsedReply {
  enum class Status { value, need_more, error };
  Status status = Status::need_more;
  std::size_t consumed = 0;  // value: bytes the reply took; need_more: 0; error: the whole input
  RespValue value;           // when status == value
  std::string error;         // when error: what is malformed
};

// Parses one reply from the start of input. Strict (what Redis itself emits):
// lines end in "\r\n", bulk data is followed by "\r\n", numbers are canonical
// (no '+', no leading zeros, no "-0"), the only negative length is -1 (null).
// RESP3 type bytes are errors. Arrays nest at most kMaxReplyDepth deep. Never
// allocates more than a small multiple of input.size(), whatever lengths the
// input declares.
ParsedReply parse_reply(std::string_view input);

// The bytes that parse back to value (inverse of parse_reply on what it accepts).
std::string encode_reply(const RespValue& value);

// The reply as redis-cli prints it in its TTY style (also `redis-cli --no-raw`),
// minus the final newline (redis-cli's output is this plus "\n"): "\"bar\"",
// "(integer) 1", "(nil)", "(error) ERR ...", "OK", "(empty array)", and nested
// arrays as "1) 1) ..." lines joined by "\n".
std::string format_redis_cli(const RespValue& value);

// A request as a RESP multibulk array of bulk strings.
std::string encode_command(const std::vector<std::string>& args);
// The same, appended to out (a client reuses one buffer for all its requests).
void append_command(std::string& out, const std::vector<std::string>& args);

}  // namespace slotsim::node
