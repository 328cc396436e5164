#include "checker/documented_losses.h"

#include <algorithm>

#include "checker/list_append.h"

namespace slotsim::checker {

namespace {

// The promotion that ended `holder`'s term holding a write at `offset` (the
// term that contains time `at`), if its winner lacked the write.
const Promotion* term_ending_promotion(const std::vector<Promotion>& promotions, const std::string& holder,
                                       Nanos at, std::uint64_t offset, std::uint64_t history) {
  // The holder's term: since it last won an election before `at` (a cut-off
  // primary may acknowledge after its replacement was promoted, so the
  // promotion that ends the term may come before `at`).
  Nanos term_start = 0;
  for (const Promotion& p : promotions) {
    if (p.time <= at && p.winner_id == holder) term_start = std::max(term_start, p.time);
  }
  for (const Promotion& p : promotions) {
    if (p.time < term_start || p.old_primary_id != holder) continue;
    // A write in a history the winner never followed (the holder restarted
    // since) is one it lacked, whatever the offsets say.
    const bool other_history = history != 0 && p.winner_history != 0 && history != p.winner_history;
    if (!other_history && p.winner_offset >= offset) continue;
    // Unless a sibling held it that Redis ranks first (a larger raw offset):
    // then it was lost without need. Its offset says so only in the write's
    // history (the winner's, for a RESTORE's offset, whose history is unknown).
    const std::uint64_t write_history = history != 0 ? history : p.winner_history;
    const bool sibling_held = p.untouched_sibling_history == write_history && p.untouched_sibling_offset >= offset &&
                              p.untouched_sibling_offset > p.winner_offset;
    if (!sibling_held) return &p;
  }
  return nullptr;
}

// The crash of `holder` that may have lost what it took at `at` with its AOF's tail.
const AofLoss* tail_lost(const std::vector<AofLoss>& aof_losses, const std::string& holder, Nanos at) {
  for (const AofLoss& loss : aof_losses) {
    if (loss.node_id == holder && at >= loss.unsynced_since && at <= loss.crash_time) return &loss;
  }
  return nullptr;
}

// Says which promotions lost data a sibling held, for a failed check.
void note_needless_promotions(const std::vector<Promotion>& promotions, CheckResult& result) {
  for (const Promotion& p : promotions) {
    if (p.untouched_sibling_offset <= p.winner_offset) continue;
    result.explanation += "; not excused (lost without need, D1): " + p.winner + " won at offset " +
                          std::to_string(p.winner_offset) + " while " + p.untouched_sibling +
                          ", which no fault touched, held offset " + std::to_string(p.untouched_sibling_offset);
  }
}

}  // namespace

std::set<std::size_t> deposed_reads(const std::vector<Operation>& operations,
                                    const std::map<std::size_t, WriteAck>& acks,
                                    const std::vector<Promotion>& promotions) {
  std::set<std::size_t> stale;
  for (const Operation& op : operations) {
    if (op.f != Function::read || !op.is_ok()) continue;
    auto ack = acks.find(op.id);
    if (ack == acks.end()) continue;
    const std::string& server = ack->second.node_id;
    // Replaced before it answered, and not primary again since.
    Nanos deposed = -1, regained = -1;
    for (const Promotion& p : promotions) {
      if (p.time > ack->second.time) continue;
      if (p.old_primary_id == server) deposed = std::max(deposed, p.time);
      if (p.winner_id == server) regained = std::max(regained, p.time);
    }
    if (deposed >= 0 && deposed > regained) stale.insert(op.id);
  }
  return stale;
}


std::set<std::size_t> documented_losses(const std::vector<Operation>& operations,
                                        const std::map<std::size_t, WriteAck>& acks,
                                        const std::vector<Promotion>& promotions,
                                        const std::vector<KeyMove>& moves, const std::vector<AofLoss>& aof_losses) {
  std::set<std::size_t> excused;
  // A read a deposed primary answered shows its own stale copy, not whether the write was already gone.
  const std::set<std::size_t> stale = deposed_reads(operations, acks, promotions);
  for (const Operation& op : operations) {
    if (!op.is_ok() || (op.f != Function::append && op.f != Function::write)) continue;
    auto ack = acks.find(op.id);
    if (ack == acks.end()) continue;
    const Promotion* ended =
        term_ending_promotion(promotions, ack->second.node_id, ack->second.time, ack->second.offset, ack->second.history);
    // Or a later holder of the key lost it the same way: one whose RESTORE
    // came after the write was sent (the source may have applied it and
    // serialized the key before the ack reached the client).
    auto carried_by = [&op](const KeyMove& move) { return !move.departed && move.key == op.key && move.time >= op.invoke_ns; };
    for (const KeyMove& move : moves) {
      if (ended != nullptr) break;
      if (!carried_by(move)) continue;
      ended = term_ending_promotion(promotions, move.node_id, move.time, move.offset, 0);
    }
    Nanos lost_at = ended != nullptr ? ended->time : kForever;
    if (const AofLoss* crash = tail_lost(aof_losses, ack->second.node_id, ack->second.time)) {
      lost_at = std::min(lost_at, crash->crash_time);
    }
    for (const KeyMove& move : moves) {
      if (!carried_by(move)) continue;
      if (const AofLoss* crash = tail_lost(aof_losses, move.node_id, move.time)) lost_at = std::min(lost_at, crash->crash_time);
    }
    if (lost_at == kForever) continue;
    // Reads between the ack and that promotion (or crash) must still have seen it.
    bool seen_missing_early = false;
    for (const Operation& read : operations) {
      if (read.f != Function::read || !read.is_ok() || read.key != op.key || !read.result.is_list()) continue;
      if (stale.count(read.id) != 0) continue;
      if (read.invoke_ns <= op.complete_ns || read.complete_ns >= lost_at) continue;
      const auto& items = read.result.items();
      if (std::find(items.begin(), items.end(), op.argument) == items.end()) seen_missing_early = true;
    }
    if (!seen_missing_early) excused.insert(op.id);
  }
  return excused;
}

std::map<std::string, Split> split_keys(const std::vector<Promotion>& promotions, const std::vector<KeyMove>& moves,
                                        const std::vector<Operation>& operations,
                                        const std::map<std::size_t, WriteAck>& acks, const SlotOf& slot_of,
                                        const std::vector<AofLoss>& aof_losses) {
  std::map<std::string, Split> split;
  auto split_at = [&split](const std::string& key, Nanos writes_from, Nanos reads_from, const std::string& holder) {
    auto [it, fresh] = split.emplace(key, Split{writes_from, reads_from, {holder}});
    if (fresh) return;
    it->second.writes_from = std::min(it->second.writes_from, writes_from);
    it->second.reads_from = std::min(it->second.reads_from, reads_from);
    it->second.holders.insert(holder);
  };
  for (const KeyMove& move : moves) {
    if (!move.departed) continue;
    if (const AofLoss* crash = tail_lost(aof_losses, move.node_id, move.time)) {
      if (crash->returned_keys.count(move.key) != 0) split_at(move.key, move.time, crash->crash_time, move.node_id);
      continue;
    }
    const Promotion* p = term_ending_promotion(promotions, move.node_id, move.time, move.offset, 0);
    if (p == nullptr || move.history == 0 || p->winner_history != move.history) continue;
    split_at(move.key, move.time, std::max(p->time, move.time), p->winner_id);
  }
  if (!slot_of) return split;
  for (const Promotion& p : promotions) {
    for (const LostMigration& lost : p.migrations_lost) {
      for (const KeyMove& move : moves) {
        if (!move.departed && move.node_id == lost.target_id && move.time >= lost.since && slot_of(move.key) == lost.slot) {
          split_at(move.key, move.time, std::max(p.time, move.time), lost.target_id);
        }
      }
      for (const Operation& op : operations) {
        auto ack = acks.find(op.id);
        if (ack == acks.end() || ack->second.node_id != lost.target_id || ack->second.time < lost.since) continue;
        if (slot_of(op.key) == lost.slot) {
          split_at(op.key, ack->second.time, std::max(p.time, ack->second.time), lost.target_id);
        }
      }
    }
  }
  return split;
}

CheckResult check_list_append_with_failovers(const std::vector<Operation>& operations,
                                             const std::map<std::size_t, WriteAck>& acks,
                                             const std::vector<Promotion>& promotions, std::size_t* forgiven,
                                             const std::vector<KeyMove>& moves, const SlotOf& slot_of,
                                             const std::vector<AofLoss>& aof_losses) {
  CheckResult strict = check_list_append(operations);
  if (forgiven != nullptr) *forgiven = 0;
  if (strict.verdict == Verdict::valid) return strict;
  const std::set<std::size_t> excused = documented_losses(operations, acks, promotions, moves, aof_losses);
  const std::set<std::size_t> stale = deposed_reads(operations, acks, promotions);
  const std::map<std::string, Split> split = split_keys(promotions, moves, operations, acks, slot_of, aof_losses);
  auto on_split_key = [&split](const Operation& op) {
    auto it = split.find(op.key);
    if (!op.is_ok() || it == split.end()) return false;
    return op.complete_ns >= (op.f == Function::read ? it->second.reads_from : it->second.writes_from);
  };
  std::size_t split_ops = 0;
  for (const Operation& op : operations) split_ops += on_split_key(op) ? 1 : 0;
  if (excused.empty() && stale.empty() && split_ops == 0) {
    note_needless_promotions(promotions, strict);
    return strict;
  }
  std::vector<Operation> forgiving = operations;
  for (Operation& op : forgiving) {
    if (excused.count(op.id) == 0 && stale.count(op.id) == 0 && !on_split_key(op)) continue;
    // An excused write may or may not have happened; a stale read observed nothing the checker can hold
    // against the key's history.
    op.outcome = Outcome::info;
    op.complete_ns = kForever;
    if (op.f == Function::read) op.result = Value();
  }
  CheckResult lenient = check_list_append(forgiving);
  if (forgiven != nullptr) *forgiven = excused.size();
  if (lenient.verdict != Verdict::valid) note_needless_promotions(promotions, lenient);
  if (lenient.verdict == Verdict::valid) {
    lenient.explanation = std::to_string(excused.size()) +
                          " acknowledged write(s) lost through failovers whose winner had not replicated them or "
                          "crashes that lost an unsynced AOF tail, " +
                          std::to_string(stale.size()) +
                          " read(s) answered by a primary already replaced by a failover, " +
                          std::to_string(split_ops) + " operation(s) on " + std::to_string(split.size()) +
                          " key(s) left in two shards by a failover that lost a migration's DEL or MIGRATING state "
                          "(documented Redis behaviour)";
  }
  return lenient;
}

}  // namespace slotsim::checker
