// Incremental RESP2 request parser: the node's equivalent of Redis 7.0's
// processMultibulkBuffer / processInlineBuffer, without the I/O. It is given the
// unconsumed bytes of a connection and reports whether a whole request is there.
//
// It is stateless (each call parses from the start of `input`), which gives the
// same results as Redis's stateful parser because every decision Redis makes
// depends only on bytes at fixed offsets and on how many bytes have arrived.
// Quirks kept on purpose because clients can observe them:
//  - the request type is chosen by the first byte: '*' is multibulk, anything
//    else (even '$' or ':') is an inline command;
//  - the two bytes after a length line's '\r' and after bulk data are skipped
//    without being checked (`$4\r\nPINGxx` is PING);
//  - Redis scans with strchr, so a NUL byte before the line terminator hides it
//    and the request waits (until the 64KB line limit turns it into an error);
//  - inline lines are split exactly like sdssplitargs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim::node {

struct RespLimits {
  std::size_t max_bulk_bytes = 512ull << 20;   // proto-max-bulk-len: a larger $len is an error
  std::size_t max_inline_bytes = 64 << 10;     // PROTO_INLINE_MAX_SIZE: inline or length line without terminator
  std::int64_t max_array_length = 2147483647;  // *N above this is an error (Redis: INT_MAX)
};

struct ParsedRequest {
  enum class Status { command, need_more, empty, error };
  Status status = Status::need_more;
  // command/empty: bytes the request took. error: the whole input (the caller
  // sends the error and closes, so nothing after it is ever parsed).
  // need_more: 0.
  std::size_t consumed = 0;
  std::vector<std::string> args;  // when status == command (never empty)
  // When error: the full error reply text after '-', e.g.
  // "ERR Protocol error: invalid bulk length" (send with reply::error).
  std::string error;
};

// Parses one request from the start of input. Never allocates more than a
// small multiple of input.size(), whatever lengths the input declares.
ParsedRequest parse_request(std::string_view input, const RespLimits& limits = {});

// Redis's string2ll, which also judges command arguments ("value is not an
// integer or out of range"): optional '-', no '+', no leading zeros, no "-0",
// no spaces, at most 20 characters, fits in a signed 64-bit integer.
std::optional<std::int64_t> redis_string_to_ll(std::string_view text);

}  // namespace slotsim::node
