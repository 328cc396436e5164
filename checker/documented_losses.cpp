#include "checker/documented_losses.h"

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
    for (const Promotion& p : promotions) {
      // Replaced after the ack by a winner that had not reached this write.
      if (p.time >= ack->second.time && p.old_primary_id == ack->second.node_id &&
          p.winner_offset < ack->second.offset) {
        excused.insert(op.id);
        break;
      }
    }
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
