// DUMP/RESTORE payloads in Redis 7.0's format, for the two value types a node
// holds. Layout: <RDB type byte><RDB-encoded value><RDB version, 2 bytes LE>
// <CRC64 (crc64_redis) of everything before it, 8 bytes LE>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace slotsim::node {

// RDB_VERSION of Redis 7.0: written by DUMP; RESTORE refuses anything newer.
constexpr std::uint16_t kDumpRdbVersion = 10;

struct DumpedValue {
  enum class Type { string, list } type = Type::string;
  std::string string_value;
  std::vector<std::string> list_value;

  bool operator==(const DumpedValue&) const = default;
};

// What DUMP returns. Strings are byte-identical to Redis 7.0's DUMP when
// Redis would not LZF-compress them (see dump_payload.cpp). Lists use the
// legacy RDB_TYPE_LIST encoding, which Redis 7 restores but never writes.
// A list must be non-empty: Redis (and parse_dump_payload) reject empty ones.
std::string dump_payload(const DumpedValue& value);

// Why RESTORE refused a payload; each maps to its own Redis error reply.
enum class DumpError {
  version_or_checksum,  // short payload, RDB version > 10, or CRC mismatch
  bad_data_format,      // footer fine, value undecodable (or a type we don't hold)
};

// The reply text for reply::error(), e.g. "ERR Bad data format".
std::string_view dump_error_text(DumpError error);

// Accepts what Redis 7.0's RESTORE accepts for strings and lists: RDB types
// 0 (string: raw, integer or LZF encoded), 1 (legacy list) and 18 (quicklist
// of listpacks, what Redis 7 DUMP writes for lists). Safe on arbitrary bytes.
std::variant<DumpedValue, DumpError> parse_dump_payload_detailed(std::string_view payload);

// nullopt => RESTORE must fail; use the detailed form for the exact error text.
std::optional<DumpedValue> parse_dump_payload(std::string_view payload);

}  // namespace slotsim::node
