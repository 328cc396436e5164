// Which build produced a run: the git commit, with "-dirty-<hash of the
// diff>" for uncommitted changes. Traces replay bit-for-bit only on the same
// build; replay warns when the ids differ.
#pragma once

namespace slotsim::runner {

const char* build_id();

}  // namespace slotsim::runner
