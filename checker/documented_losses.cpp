#include "checker/documented_losses.h"

#include <algorithm>

#include "checker/list_append.h"

namespace slotsim::checker {

std::set<std::size_t> documented_losses(const std::vector<Operation>& operations,
                                        const std::map<std::size_t, WriteAck>& acks,
                                        const std::vector<Promotion>& promotions) {
  std::set<std::size_t> excused;
  for (const Operation& op : operations) {
    if (!op.is_ok() || (op.f != Function::append && op.f != Function::write)) continue;
    auto ack = acks.find(op.id);
    if (ack == acks.end()) continue;
    // The acknowledging node's term: since it last won an election before the
    // ack (a cut-off primary may acknowledge after its replacement was
    // promoted, so the promotion that ends the term may come before the ack).
    Nanos term_start = 0;
    for (const Promotion& p : promotions) {
      if (p.time <= ack->second.time && p.winner_id == ack->second.node_id) term_start = std::max(term_start, p.time);
    }
    const Promotion* ended = nullptr;
    for (const Promotion& p : promotions) {
      if (p.time >= term_start && p.old_primary_id == ack->second.node_id &&
          p.winner_offset < ack->second.offset) {
        ended = &p;
        break;
      }
    }
    if (ended == nullptr) continue;
    // Reads between the ack and that promotion must still have seen it.
    bool seen_missing_early = false;
    for (const Operation& read : operations) {
      if (read.f != Function::read || !read.is_ok() || read.key != op.key || !read.result.is_list()) continue;
      if (read.invoke_ns <= op.complete_ns || read.complete_ns >= ended->time) continue;
      const auto& items = read.result.items();
      if (std::find(items.begin(), items.end(), op.argument) == items.end()) seen_missing_early = true;
    }
    if (!seen_missing_early) excused.insert(op.id);
  }
  return excused;
}

CheckResult check_list_append_with_failovers(std::vector<Operation> operations,
                                             const std::map<std::size_t, WriteAck>& acks,
                                             const std::vector<Promotion>& promotions, std::size_t* forgiven) {
  CheckResult strict = check_list_append(operations);
  if (forgiven != nullptr) *forgiven = 0;
  if (strict.verdict == Verdict::valid) return strict;
  const std::set<std::size_t> excused = documented_losses(operations, acks, promotions);
  if (excused.empty()) return strict;
  for (Operation& op : operations) {
    if (excused.count(op.id) == 0) continue;
    op.outcome = Outcome::info;
    op.complete_ns = kForever;
  }
  CheckResult lenient = check_list_append(operations);
  if (forgiven != nullptr) *forgiven = excused.size();
  if (lenient.verdict == Verdict::valid) {
    lenient.explanation = std::to_string(excused.size()) +
                          " acknowledged write(s) lost through failovers whose winner had not replicated them "
                          "(documented Redis behaviour)";
  }
  return lenient;
}

}  // namespace slotsim::checker
