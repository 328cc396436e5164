#include "node/repl_backlog.h"

#include <cassert>

namespace slotsim::node {

void ReplBacklog::reset(std::uint64_t offset) {
  end_offset_ = offset;
  held_.clear();
}

void ReplBacklog::feed(std::string_view bytes) {
  held_.append(bytes);
  end_offset_ += bytes.size();
  // Trim only when twice the capacity, so the copy is paid once per capacity bytes.
  if (held_.size() > 2 * capacity_) held_.erase(0, held_.size() - capacity_);
}

std::string ReplBacklog::read_from(std::uint64_t from) const {
  assert(can_continue_from(from));
  return held_.substr(static_cast<std::size_t>(from - (end_offset_ + 1 - held_.size())));
}

}  // namespace slotsim::node
