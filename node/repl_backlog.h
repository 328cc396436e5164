// The replication backlog: the last `capacity` bytes of a node's replication
// stream, so a replica that lost its link for a moment resumes from where it
// stopped (PSYNC +CONTINUE) instead of copying the whole dataset again.
//
// Offsets follow Redis: the stream's bytes are numbered from 1, end_offset()
// is the number of bytes ever fed (master_repl_offset), and a replica that has
// processed up to offset o asks to continue from o + 1.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace slotsim::node {

class ReplBacklog {
 public:
  explicit ReplBacklog(std::size_t capacity) : capacity_(capacity) {}

  // Forgets everything and continues the numbering after `offset` bytes.
  void reset(std::uint64_t offset);
  void feed(std::string_view bytes);

  std::uint64_t end_offset() const { return end_offset_; }
  // The offset of the first byte held (end_offset() + 1 when empty).
  std::uint64_t first_offset() const { return end_offset_ + 1 - std::min(held_.size(), capacity_); }
  // Whether a replica can continue from `from` (the first byte it lacks).
  bool can_continue_from(std::uint64_t from) const { return from >= first_offset() && from <= end_offset_ + 1; }
  // The bytes from `from` to the end; requires can_continue_from(from).
  std::string read_from(std::uint64_t from) const;

 private:
  std::size_t capacity_;
  std::uint64_t end_offset_ = 0;
  std::string held_;  // trimmed lazily, so a feed is amortized O(bytes)
};

}  // namespace slotsim::node
