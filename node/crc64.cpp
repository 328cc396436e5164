#include "node/crc64.h"

#include <array>

namespace slotsim::node {
namespace {

// 0xad93d23594c935a9 bit-reversed, for the reflected (LSB-first) algorithm.
constexpr std::uint64_t kJonesReflected = 0x95ac9329ac4bc9b5ULL;

constexpr std::array<std::uint64_t, 256> make_crc64_table() {
  std::array<std::uint64_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    std::uint64_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) != 0 ? (crc >> 1) ^ kJonesReflected : crc >> 1;
    table[byte] = crc;
  }
  return table;
}

constexpr auto kCrc64Table = make_crc64_table();

}  // namespace

std::uint64_t crc64_redis(std::uint64_t crc, std::string_view data) {
  for (const char c : data) {
    crc = kCrc64Table[(crc ^ static_cast<unsigned char>(c)) & 0xff] ^ (crc >> 8);
  }
  return crc;
}

}  // namespace slotsim::node
