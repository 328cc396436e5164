// Redis Cluster key -> hash slot mapping (CRC16/XMODEM of the key or of its
// {hash tag}, modulo 16384), exactly as Redis's keyHashSlot().
#pragma once

#include <cstdint>
#include <string_view>

namespace slotsim::node {

constexpr int kSlotCount = 16384;

// CRC16/XMODEM: polynomial 0x1021, init 0, not reflected, no final xor.
std::uint16_t crc16_xmodem(std::string_view data);

// Hashes only the part between the first '{' and the first '}' after it,
// unless there is no such '}' or the tag is empty; then the whole key.
int key_hash_slot(std::string_view key);

}  // namespace slotsim::node
