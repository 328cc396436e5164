// Linearizability of a register history (read, write, cas), checked per key.
//
// Registers on different keys are independent objects, so a history is
// linearizable iff each key's sub-history is (P-compositionality, Herlihy &
// Wing); each key is searched on its own, as Porcupine does. Per key, the
// search is Wing & Gong's, with Lowe's memoization (Porcupine's checkSingle):
// call and return entries in time order in a doubly linked list; the search
// repeatedly lifts the first call whose operation the model accepts, and
// backtracks when it reaches a return entry whose operation was not lifted.
// A (set of linearized operations, register value) pair is explored at most
// once; the set is stored as a window of words past its all-linearized prefix,
// so a long sequential key costs little memory.
//
// Semantics (../shared/INVARIANTS.md, D3 and D4):
//  - the register starts as null ("never written"); a read of null is a read
//    of a key nobody has written yet;
//  - fail operations never happened and are left out; a read returning only a
//    failed write's value is therefore invalid;
//  - info operations may take effect at any time after their invocation, or
//    never: their return is at infinity, and the search may finish with them
//    unlinearized. An info cas that takes effect swapped; one that did not
//    swap is indistinguishable from one that never happened. Info reads tell
//    nothing and are dropped, as are info writes/cas whose value nobody
//    observes (no read returns it, no cas expects it): leaving such a write
//    out never invalidates a linearization, and dropping them keeps searches
//    over histories with many timeouts small;
//  - each key gets a step budget (one step = one move of the search); when it
//    runs out the key's verdict is unknown, never a guess. A memory budget for
//    the visited-configuration cache works the same way.
// The verdict is invalid if any key is invalid (the first such key in key
// order is reported), else unknown if any key ran out of budget, else valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "checker/history.h"
#include "checker/verdict.h"

namespace slotsim::checker {

struct LinearizabilityOptions {
  std::uint64_t step_budget_per_key = 10'000'000;
  std::size_t memory_budget_bytes_per_key = std::size_t{1} << 30;
};

constexpr std::uint64_t kDefaultStepBudget = LinearizabilityOptions{}.step_budget_per_key;

// Bad input for the register model, with the line of the offending event: f
// must be read, write or cas; a write's value an integer or a string; a cas
// value [expected, new] with expected null, an integer or a string and new an
// integer or a string; an ok read's value null, an integer or a string.
std::optional<InputError> validate_register_operations(const std::vector<Operation>& operations);

// Checks operations that passed validate_register_operations (other inputs get
// some verdict, never a crash).
CheckResult check_register(const std::vector<Operation>& operations, const LinearizabilityOptions& options = {});

}  // namespace slotsim::checker
