// The CRC-64 Redis appends to DUMP payloads (and RDB files): the Jones
// polynomial 0xad93d23594c935a9, reflected in and out, no final xor.
#pragma once

#include <cstdint>
#include <string_view>

namespace slotsim::node {

// Continues from `crc` (start with 0), so crc64_redis(crc64_redis(0, a), b)
// equals crc64_redis(0, a + b). crc64_redis(0, "123456789") == 0xe9c6d914c4b8d9ca.
std::uint64_t crc64_redis(std::uint64_t crc, std::string_view data);

}  // namespace slotsim::node
