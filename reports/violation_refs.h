// What a checker's explanation points at. Violation texts name history
// operations by their line in the history ("p1 append 5 (lines 11-16)",
// "(line 7, info at line 9)"; line N is ops row idx N-1), keys ("key {k2}0:")
// and slots ("slot 449"). Reports use these to highlight the operations and
// to choose which slots' ownership to chart.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>
#include <string>

namespace slotsim::reports {

struct ViolationRefs {
  std::vector<std::int64_t> history_idx;  // ops.idx of every cited line, in order, no repeats
  std::vector<std::string> keys;
  std::vector<int> slots;  // named slots, then the slots of the named keys
};

ViolationRefs find_references(std::string_view detail);

}  // namespace slotsim::reports
