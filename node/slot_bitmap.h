// A set of hash slots as a 16384-bit bitmap, stored as 64-bit words whose
// bytes, little-endian, are exactly the cluster bus's `myslots` layout (slot
// i is bit i % 8 of byte i / 8). The bus encodes and decodes every message's
// bitmap, so the conversion is a word copy, not 16384 bit tests.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace slotsim::node {

class SlotBitmap {
 public:
  static constexpr std::size_t kBits = 16384;
  static constexpr std::size_t kBytes = kBits / 8;
  static constexpr std::size_t kWords = kBits / 64;

  // Slots 64 * w .. 64 * w + 63, slot 64 * w in bit 0: for loops that skip
  // whole words where nothing is to be done.
  std::uint64_t word(std::size_t w) const { return words_[w]; }
  void clear_bits(std::size_t w, std::uint64_t mask) { words_[w] &= ~mask; }
  void set_bits(std::size_t w, std::uint64_t mask) { words_[w] |= mask; }

  bool test(std::size_t slot) const { return (words_[slot / 64] >> (slot % 64)) & 1u; }
  void set(std::size_t slot, bool on = true) {
    if (on) words_[slot / 64] |= std::uint64_t{1} << (slot % 64);
    else reset(slot);
  }
  void set() { words_.fill(~std::uint64_t{0}); }
  void reset(std::size_t slot) { words_[slot / 64] &= ~(std::uint64_t{1} << (slot % 64)); }
  void reset() { words_.fill(0); }

  std::size_t count() const {
    std::size_t n = 0;
    for (auto w : words_) n += static_cast<std::size_t>(std::popcount(w));
    return n;
  }
  bool none() const {
    for (auto w : words_) {
      if (w != 0) return false;
    }
    return true;
  }
  bool any() const { return !none(); }
  bool all() const {
    for (auto w : words_) {
      if (w != ~std::uint64_t{0}) return false;
    }
    return true;
  }

  // The set slots as ascending [first, last] ranges; whole words at a time
  // where they are all set or all clear (slot sets are mostly long ranges).
  template <typename F>
  void for_each_range(F&& f) const {
    int first = -1;
    for (std::size_t w = 0; w < kWords; ++w) {
      const std::uint64_t word = words_[w];
      const int base = static_cast<int>(w * 64);
      if (word == 0 || word == ~std::uint64_t{0}) {
        const bool on = word != 0;
        if (on && first < 0) first = base;
        if (!on && first >= 0) {
          f(first, base - 1);
          first = -1;
        }
        continue;
      }
      for (int bit = 0; bit < 64; ++bit) {
        const bool on = (word >> bit) & 1u;
        if (on && first < 0) first = base + bit;
        if (!on && first >= 0) {
          f(first, base + bit - 1);
          first = -1;
        }
      }
    }
    if (first >= 0) f(first, static_cast<int>(kBits) - 1);
  }

  SlotBitmap& operator|=(const SlotBitmap& other) {
    for (std::size_t i = 0; i < kWords; ++i) words_[i] |= other.words_[i];
    return *this;
  }
  SlotBitmap& operator&=(const SlotBitmap& other) {
    for (std::size_t i = 0; i < kWords; ++i) words_[i] &= other.words_[i];
    return *this;
  }
  friend SlotBitmap operator&(SlotBitmap a, const SlotBitmap& b) { return a &= b; }
  friend SlotBitmap operator|(SlotBitmap a, const SlotBitmap& b) { return a |= b; }
  SlotBitmap operator~() const {
    SlotBitmap out;
    for (std::size_t i = 0; i < kWords; ++i) out.words_[i] = ~words_[i];
    return out;
  }
  friend bool operator==(const SlotBitmap&, const SlotBitmap&) = default;

  // The bus layout: kBytes bytes.
  void append_bytes(std::string& out) const {
    const std::size_t at = out.size();
    out.resize(at + kBytes);
    write_bytes(out.data() + at);
  }
  // The kBytes bytes of the wire form, at out.
  void write_bytes(char* out) const {
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out, words_.data(), kBytes);
    } else {
      for (std::size_t i = 0; i < kBytes; ++i) out[i] = static_cast<char>((words_[i / 8] >> (8 * (i % 8))) & 0xff);
    }
  }
  // bytes must hold at least kBytes.
  static SlotBitmap from_bytes(std::string_view bytes) {
    SlotBitmap out;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out.words_.data(), bytes.data(), kBytes);
      return out;
    }
    for (std::size_t i = 0; i < kWords; ++i) {
      std::uint64_t w = 0;
      for (int b = 0; b < 8; ++b) w |= std::uint64_t{static_cast<unsigned char>(bytes[i * 8 + b])} << (8 * b);
      out.words_[i] = w;
    }
    return out;
  }

 private:
  std::array<std::uint64_t, kWords> words_{};
};

}  // namespace slotsim::node
