// The list-append checker (../shared/INVARIANTS.md, D2 and D3, and the loss
// half of D1 without its trace-based excuses). Clients append unique values to
// per-key lists (RPUSH) and read whole lists (LRANGE 0 -1); because each value
// is appended once, every read shows exactly which appends it saw and in
// which order. For each key, every ok read is held to:
//  - no phantom: each element was appended by an operation that may have
//    happened (ok or info); a value never appended, or appended only by an
//    operation that failed, is a phantom;
//  - no duplicate: no element appears twice;
//  - no lost write: an ok append acknowledged before the read was invoked is
//    in it; so is one acknowledged before the invocation of any append the
//    read contains (the read saw a later write, so it must see the earlier);
//  - no reorder: if append A was acknowledged before append B was invoked,
//    no read has B before A.
// Info appends may or may not appear; fail and info reads tell nothing.
// Checking is linear in the total size of the reads, per key: no search.
// The first offending key in key order is reported, with its first bad read
// (in invocation order) and the appends involved.
#pragma once

#include <optional>
#include <vector>

#include "checker/history.h"
#include "checker/verdict.h"

namespace slotsim::checker {

// Bad input for the list-append model, with the line: f must be append or
// read; an appended value an integer or a string, unique per key among
// appends that did not fail; an ok read's value an array of integers and
// strings (null reads as the empty list).
std::optional<InputError> validate_list_append_operations(const std::vector<Operation>& operations);

// Checks operations that passed validate_list_append_operations (other inputs
// get some verdict, never a crash).
CheckResult check_list_append(const std::vector<Operation>& operations);

}  // namespace slotsim::checker
