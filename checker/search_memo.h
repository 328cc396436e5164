// The two data structures behind the linearizability search's memoization
// (Lowe's improvement to Wing & Gong): the set of operations linearized so
// far, and the set of (linearized set, register state) configurations
// already explored. Both are exact: a configuration is never confused with
// another, whatever the hashes do.
//
// The linearized set is kept as a window past its all-linearized prefix,
// because searches linearize mostly in invocation order: a key with 100k
// sequential operations stores configurations of a few words, not 12 KB each.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace slotsim::checker {

// A bit set kept as its canonical window: the words before low_ are all ones
// (everything there is linearized), the words from high_ on are zero. Search
// sets grow by a prefix, so the window stays as wide as the concurrency, not
// as long as the history.
class LinearizedSet {
 public:
  explicit LinearizedSet(std::size_t bits) : words_((bits + 63) / 64, 0) {}

  void set(std::size_t bit) {
    const std::size_t w = bit / 64;
    words_[w] |= std::uint64_t{1} << (bit % 64);
    high_ = std::max(high_, w + 1);
    while (low_ < words_.size() && words_[low_] == ~std::uint64_t{0}) ++low_;
  }

  void clear(std::size_t bit) {
    const std::size_t w = bit / 64;
    words_[w] &= ~(std::uint64_t{1} << (bit % 64));
    low_ = std::min(low_, w);
    while (high_ > 0 && words_[high_ - 1] == 0) --high_;
  }

  // Appends (low, size, window words) to key.
  void append_to(std::vector<std::uint64_t>& key) const {
    const std::size_t end = std::max(low_, high_);
    key.push_back(low_);
    key.push_back(end - low_);
    key.insert(key.end(), words_.begin() + static_cast<std::ptrdiff_t>(low_),
               words_.begin() + static_cast<std::ptrdiff_t>(end));
  }

 private:
  std::vector<std::uint64_t> words_;
  std::size_t low_ = 0;
  std::size_t high_ = 0;
};

// The configurations already explored: open addressing over hashes, keys in
// one arena. Exact (keys are compared in full), so a hash collision costs
// time, never a wrong verdict.
class VisitedCache {
 public:
  // True when the configuration is new (it is stored now).
  bool insert(std::uint64_t hash, const std::vector<std::uint64_t>& key) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.size == 0) {
        slot.hash = hash;
        slot.offset = arena_.size();
        slot.size = key.size();
        arena_.insert(arena_.end(), key.begin(), key.end());
        ++used_;
        return true;
      }
      if (slot.hash == hash && slot.size == key.size() &&
          std::memcmp(arena_.data() + slot.offset, key.data(), key.size() * sizeof(std::uint64_t)) == 0) {
        return false;
      }
    }
  }

  std::size_t bytes() const {
    return arena_.capacity() * sizeof(std::uint64_t) + slots_.capacity() * sizeof(Slot);
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::size_t offset = 0;
    std::size_t size = 0;  // 0: empty (keys are never empty)
  };

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.size == 0) continue;
      std::size_t i = slot.hash & mask;
      while (slots_[i].size != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::uint64_t> arena_;
  std::size_t used_ = 0;
};

}  // namespace slotsim::checker
