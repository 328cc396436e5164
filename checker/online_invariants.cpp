#include "checker/online_invariants.h"

#include <algorithm>

namespace slotsim::checker {

std::string trace_field(const std::string& detail, const std::string& key) {
  const std::string needle = key + "=";
  std::size_t pos = 0;
  while ((pos = detail.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || detail[pos - 1] == ' ') {
      const std::size_t start = pos + needle.size();
      return detail.substr(start, detail.find(' ', start) - start);
    }
    pos += needle.size();
  }
  return "";
}

std::vector<std::string> trace_list(const std::string& value) {
  std::vector<std::string> items;
  for (std::size_t start = 0; start < value.size();) {
    const std::size_t end = std::min(value.find(',', start), value.size());
    if (end > start) items.push_back(value.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

void OnlineInvariants::report(std::string invariant, Nanos time, std::string detail,
                              std::vector<std::uint64_t> events) {
  // One report per distinct finding: a two-owner state lasts many snapshots.
  if (!reported_.insert(invariant + " " + detail).second) return;
  violations_.push_back({std::move(invariant), time, std::move(detail), std::move(events)});
}

void OnlineInvariants::observe(Nanos time, const std::vector<NodeView>& nodes, std::uint64_t trace_position) {
  ++observations_;
  for (const NodeView& view : nodes) {
    if (!view.up) continue;
    seen_ids_.insert(view.id);
    id_of_name_[view.name] = view.id;
    if (view.primary && slot_owner_ids_.count(view.id) == 0 && view.own_slots.any()) slot_owner_ids_.insert(view.id);
    Epochs& seen = highest_[view.name];
    auto check = [&](const char* what, std::uint64_t now, std::uint64_t& highest) {
      if (now < highest) {
        report("S1", time, view.name + " " + what + " went back from " + std::to_string(highest) + " to " +
                               std::to_string(now),
               {trace_position});
      }
      highest = std::max(highest, now);
    };
    check("currentEpoch", view.current_epoch, seen.current);
    check("configEpoch", view.config_epoch, seen.config);
    check("lastVoteEpoch", view.last_vote_epoch, seen.last_vote);
  }
  // S4: compare each changed slot table with the node's previous one.
  for (const NodeView& view : nodes) {
    if (!view.up || view.owners == nullptr) continue;
    SlotTable& previous = tables_[view.name];
    const bool by_operator = operator_changed_.count(view.name) != 0;
    if (previous.owners != nullptr && !by_operator) {
      const OwnerTable& before_table = *previous.owners;
      const OwnerTable& after_table = *view.owners;
      const std::size_t slots = std::min(before_table.slots.size(), after_table.slots.size());
      // A node only ever adds ids to its table, so while it runs an equal
      // index is an equal owner: no 40-byte compare for unchanged slots.
      const bool same_ids = before_table.ids.size() <= after_table.ids.size() &&
                            std::equal(before_table.ids.begin(), before_table.ids.end(), after_table.ids.begin());
      // Whether a move from owner index b to index a breaks S4 depends on the
      // pair only: judged once per pair, not once per slot (after a restart
      // the indices differ everywhere). A broken pair ends the loop at once.
      const std::size_t after_ids = after_table.ids.size();
      std::vector<std::uint8_t> fine(before_table.ids.size() * after_ids, 0);
      for (std::size_t slot = 0; slot < slots; ++slot) {
        if (same_ids && before_table.slots[slot] == after_table.slots[slot]) continue;
        std::uint8_t& pair_fine = fine[before_table.slots[slot] * after_ids + after_table.slots[slot]];
        if (pair_fine) continue;
        pair_fine = 1;
        const std::string& was_owner = before_table.owner(slot);
        const std::string& now_owner = after_table.owner(slot);
        if (was_owner == now_owner || was_owner.empty() || now_owner.empty()) continue;
        const auto old_epoch = previous.epochs.find(was_owner);
        const auto new_epoch = view.owner_epochs.find(now_owner);
        const std::uint64_t was = old_epoch == previous.epochs.end() ? 0 : old_epoch->second;
        const std::uint64_t now = new_epoch == view.owner_epochs.end() ? 0 : new_epoch->second;
        if (now <= was) {
          report("S4", time, view.name + " moved slot " + std::to_string(slot) + " from " + was_owner +
                                 " (configEpoch " + std::to_string(was) + ") to " + now_owner + " (configEpoch " +
                                 std::to_string(now) + ") without SETSLOT",
                 {trace_position});
          break;
        }
      }
    }
    previous.owners = view.owners;
    previous.epochs = view.owner_epochs;
  }
  // The permission covers changes up to this snapshot, for the nodes it saw
  // running: one that took a slot and crashed before the snapshot shows the
  // change (from its nodes.conf) only in the first snapshot after its restart.
  for (const NodeView& view : nodes) {
    if (view.up) operator_changed_.erase(view.name);
  }
  // S5: the clock starts when a serving primary is cut off (and running).
  for (const NodeView& view : nodes) {
    const bool cut_off =
        view.up && !view.paused && !view.blocked && view.primary && view.own_slots.any() && !view.reaches_majority;
    if (!cut_off || minority_bound_ == 0) {
      minority_since_.erase(view.name);
      continue;
    }
    const Nanos since = minority_since_.emplace(view.name, time).first->second;
    Nanos bound = minority_bound_;
    if (auto jumps = clock_set_back_.find(view.name); jumps != clock_set_back_.end()) {
      for (const auto& [when, by] : jumps->second) {
        if (when >= since - minority_bound_) bound += by;
      }
    }
    if (view.serving && time - since > bound) {
      report("S5", time, view.name + " still serves its slots " + std::to_string((time - since) / 1'000'000) +
                             " ms after losing the majority of primaries (cut off since " +
                             std::to_string(since / 1'000'000) + " ms)",
             {trace_position});
    }
  }
  // Two serving primaries with one configEpoch must not share a slot.
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const NodeView& a = nodes[i];
    if (!a.up || !a.primary || !a.serving) continue;
    for (std::size_t j = i + 1; j < nodes.size(); ++j) {
      const NodeView& b = nodes[j];
      if (!b.up || !b.primary || !b.serving || a.config_epoch != b.config_epoch) continue;
      const node::SlotBitmap both = a.own_slots & b.own_slots;
      if (both.none()) continue;
      std::size_t first = 0;
      while (!both.test(first)) ++first;
      report("two-owners", time,
             a.name + " and " + b.name + " both serve slot " + std::to_string(first) + " (and " +
                 std::to_string(both.count() - 1) + " more) with configEpoch " + std::to_string(a.config_epoch),
             {trace_position});
    }
  }
}

void OnlineInvariants::on_event(Nanos time, const std::string& process, const std::string& kind,
                                const std::string& detail, std::uint64_t index) {
  if (kind == "setslot" || kind == "addslots" || kind == "delslots" || kind == "slots_taken_unclaimed") {
    // S4's documented exceptions: the operator's commands, and a claim on a slot
    // whose owner stopped claiming it, taken whatever the epochs (redis#12344).
    operator_changed_.insert(process);
    if (trace_field(detail, "action") == "node") slot_owner_ids_.insert(trace_field(detail, "node"));
  } else if (kind == "slots_claimed") {
    // S6 between two snapshots: a node may count a new owner's report at once.
    slot_owner_ids_.insert(trace_field(detail, "owner"));
  } else if (kind == "promoted" || kind == "migration_auto_claim" || kind == "addslots" ||
             (kind == "slot_keys_unexpected" && trace_field(detail, "action") == "claimed")) {
    // ... and a node that just took slots counts itself at once.
    if (auto it = id_of_name_.find(process); it != id_of_name_.end()) slot_owner_ids_.insert(it->second);
  } else if ((process == "net" && kind == "heal") || (process == "sim" && kind == "resume")) {
    // Bytes held back by a partition, or written by a frozen process, arrive
    // now: a cut-off primary hears from its peers (however stale) and Redis
    // rightly restarts its failure detection. The S5 clock restarts too.
    for (auto& [name, since] : minority_since_) since = time;
  } else if (process == "sim" && kind == "clock") {
    const std::string jump = trace_field(detail, "jump");
    if (!jump.empty() && jump[0] == '-') {
      clock_set_back_[trace_field(detail, "process")].emplace_back(time, std::stoll(jump.substr(1)));
    }
  } else if (kind == "vote_granted") {
    const std::string epoch = trace_field(detail, "epoch");
    auto [it, fresh] = votes_.emplace(std::make_pair(process, epoch), index);
    if (!fresh) {
      report("S2", time, process + " granted a second vote in epoch " + epoch + " (" + detail + ")",
             {it->second, index});
    }
  } else if (kind == "node_fail") {
    const std::string from = trace_field(detail, "from");
    const std::string quorum = trace_field(detail, "quorum");
    if (from.empty() || quorum.empty()) return;
    std::size_t owners = 0, reporters = 0;
    for (std::size_t start = 0; start <= from.size();) {
      std::size_t end = from.find(',', start);
      if (end == std::string::npos) end = from.size();
      const std::string id = from.substr(start, end - start);
      ++reporters;
      if (slot_owner_ids_.count(id) != 0 || seen_ids_.count(id) == 0) ++owners;
      start = end + 1;
    }
    if (owners < std::stoull(quorum)) {
      report("S6", time,
             process + " marked " + trace_field(detail, "node") + " FAIL on " + std::to_string(reporters) +
                 " report(s), only " + std::to_string(owners) + " from primaries that own slots (quorum " + quorum + ")",
             {index});
    }
  } else if (kind == "election_won") {
    const std::string epoch = trace_field(detail, "epoch");
    auto [it, fresh] = winners_.emplace(epoch, std::make_pair(process, index));
    if (!fresh && it->second.first != process) {
      report("S3", time, process + " and " + it->second.first + " both won the election of epoch " + epoch,
             {it->second.second, index});
    }
  }
}

}  // namespace slotsim::checker
