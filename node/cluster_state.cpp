#include "node/cluster_state.h"

#include <algorithm>
#include <charconv>
#include <memory>

namespace slotsim::node {

namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      break;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool valid_slot(int slot) { return slot >= 0 && slot < kSlotCount; }

}  // namespace

void ClusterState::init_myself(std::string id, std::string ip, std::uint16_t port, std::uint16_t cport) {
  myself_.reset();
  nodes_.clear();
  ++reset_count_;
  owners_.fill(0);
  for (SlotSet& set : owner_sets_) set.reset();
  std::fill(owner_slot_counts_.begin(), owner_slot_counts_.end(), 0);
  owner_not_claiming.reset();
  migrating_.clear();
  importing_.clear();
  ClusterNode me;
  me.id = id;
  me.ip = std::move(ip);
  me.port = port;
  me.cport = cport;
  me.myself = true;
  myself_id_ = std::move(id);
  nodes_.emplace(myself_id_, std::move(me));
}

ClusterNode* ClusterState::find(std::string_view id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

const ClusterNode* ClusterState::find(std::string_view id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

ClusterNode& ClusterState::add(ClusterNode node) {
  std::string id = node.id;
  auto [it, inserted] = nodes_.insert_or_assign(std::move(id), std::move(node));
  return it->second;
}

std::uint16_t ClusterState::intern(const std::string& id) {
  if (id.empty()) return 0;
  if (owner_ids_[last_interned_] == id) return last_interned_;
  auto it = owner_index_of_.find(id);
  if (it != owner_index_of_.end()) return last_interned_ = it->second;
  const auto index = static_cast<std::uint16_t>(owner_ids_.size());
  owner_ids_.push_back(id);
  owner_sets_.emplace_back();
  owner_slot_counts_.push_back(0);
  owner_index_of_.emplace(id, index);
  return last_interned_ = index;
}

void ClusterState::assign(int slot, const std::string& id) {
  const std::uint16_t index = intern(id);
  if (owners_[static_cast<std::size_t>(slot)] == index) return;
  unassign(slot);
  if (index == 0) return;  // no owner: unassigned
  ++slot_map_version_;
  owners_[static_cast<std::size_t>(slot)] = index;
  owner_sets_[index].set(static_cast<std::size_t>(slot));
  ++owner_slot_counts_[index];
}

void ClusterState::assign_range(int first, int last, const std::string& id) {
  const std::uint16_t index = intern(id);
  // Looked up once: the operator parses whole CLUSTER NODES tables this way.
  SlotSet& set = owner_sets_[index];
  std::uint32_t added = 0;
  for (int slot = first; slot <= last; ++slot) {
    const auto s = static_cast<std::size_t>(slot);
    // A whole word of unassigned slots (parsing a table into a fresh state):
    // 64 slots at once, with the same result as the loop below.
    if (s % 64 == 0 && slot + 63 <= last && index != 0) {
      std::uint64_t any = 0;
      for (std::size_t k = 0; k < 64; k += 4) {
        std::uint64_t four;
        std::memcpy(&four, &owners_[s + k], sizeof four);
        any |= four;
      }
      if (any == 0) {
        std::fill_n(&owners_[s], 64, index);
        set.set_bits(s / 64, ~std::uint64_t{0});
        added += 64;
        slot += 63;
        continue;
      }
    }
    if (owners_[s] == index) continue;
    if (owners_[s] != 0) unassign(slot);
    owners_[s] = index;
    if (index == 0) continue;
    set.set(s);
    ++added;
  }
  owner_slot_counts_[index] += added;
  ++slot_map_version_;
}

void ClusterState::unassign(int slot) {
  const auto s = static_cast<std::size_t>(slot);
  const std::uint16_t index = owners_[s];
  if (index == 0) return;
  ++slot_map_version_;
  owner_sets_[index].reset(s);
  --owner_slot_counts_[index];
  owners_[s] = 0;
  owner_not_claiming.reset(s);
}

const SlotSet& ClusterState::slot_set(std::string_view id) const {
  static const SlotSet kNone;
  const std::uint16_t index = find_owner_index(id);
  return index == kNeverOwner ? kNone : owner_sets_[index];
}

void ClusterState::rename(const std::string& old_id, const std::string& new_id) {
  auto it = nodes_.find(old_id);
  if (it == nodes_.end() || nodes_.count(new_id) != 0) return;
  ClusterNode node = std::move(it->second);
  myself_.reset();
  nodes_.erase(it);
  node.id = new_id;
  nodes_.emplace(new_id, std::move(node));
  // A handshake node owns nothing and nobody points at it; the rename is local.
}

void ClusterState::forget(std::string_view id) {
  for (int slot = 0; slot < kSlotCount; ++slot) {
    if (owner(slot) == id) unassign(slot);
  }
  std::erase_if(migrating_, [&](const auto& entry) { return entry.second == id; });
  std::erase_if(importing_, [&](const auto& entry) { return entry.second == id; });
  for (auto& [other_id, node] : nodes_) {
    if (node.primary_id == id) node.primary_id.clear();
  }
  if (auto it = nodes_.find(id); it != nodes_.end()) {
    myself_.reset();
    nodes_.erase(it);
  }
}

std::vector<int> ClusterState::slots_of(std::string_view id) const {
  std::vector<int> slots;
  slot_set(id).for_each_range([&](int first, int last) {
    for (int slot = first; slot <= last; ++slot) slots.push_back(slot);
  });
  return slots;
}

std::vector<std::pair<int, int>> ClusterState::slot_ranges_of(std::string_view id) const {
  std::vector<std::pair<int, int>> ranges;
  slot_set(id).for_each_range([&](int first, int last) { ranges.emplace_back(first, last); });
  return ranges;
}

std::size_t ClusterState::assigned_slot_count() const {
  return static_cast<std::size_t>(
      std::count_if(owners_.begin(), owners_.end(), [](std::uint16_t owner) { return owner != 0; }));
}

const std::string* ClusterState::migrating_to(int slot) const {
  auto it = migrating_.find(slot);
  return it == migrating_.end() ? nullptr : &it->second;
}

const std::string* ClusterState::importing_from(int slot) const {
  auto it = importing_.find(slot);
  return it == importing_.end() ? nullptr : &it->second;
}

std::uint64_t ClusterState::max_config_epoch() const {
  std::uint64_t max = current_epoch;  // as Redis's clusterGetMaxEpoch
  for (const auto& [id, node] : nodes_) max = std::max(max, node.config_epoch);
  return max;
}

std::vector<std::pair<int, int>> slot_ranges(const std::vector<int>& sorted_slots) {
  std::vector<std::pair<int, int>> ranges;
  for (int slot : sorted_slots) {
    if (!ranges.empty() && ranges.back().second + 1 == slot) {
      ranges.back().second = slot;
    } else {
      ranges.emplace_back(slot, slot);
    }
  }
  return ranges;
}

std::string format_slot_ranges(const std::vector<int>& sorted_slots) {
  return format_slot_ranges(slot_ranges(sorted_slots));
}

std::string format_slot_ranges(const std::vector<std::pair<int, int>>& ranges) {
  std::string out;
  for (auto [first, last] : ranges) {
    if (!out.empty()) out += ' ';
    out += std::to_string(first);
    if (last != first) out += "-" + std::to_string(last);
  }
  return out;
}

std::string ClusterState::render_node_line(const ClusterNode& node, std::int64_t now_ms) const {
  std::string flags;
  auto flag = [&](bool on, const char* name) {
    if (!on) return;
    if (!flags.empty()) flags += ',';
    flags += name;
  };
  flag(node.myself, "myself");
  flag(node.primary, "master");
  flag(!node.primary, "slave");
  flag(node.pfail, "fail?");
  flag(node.fail, "fail");
  flag(node.handshake, "handshake");
  flag(node.noaddr, "noaddr");
  flag(node.nofailover, "nofailover");
  if (flags.empty()) flags = "noflags";
  std::string line = node.id + " " + node.ip + ":" + std::to_string(node.port) + "@" + std::to_string(node.cport) +
                     " " + flags + " " + (node.primary || node.primary_id.empty() ? "-" : node.primary_id);
  // Redis shows its own pong time rounded down to the second.
  const std::int64_t pong = node.myself ? now_ms / 1000 * 1000 : node.pong_received_ms;
  line += " " + std::to_string(node.ping_sent_ms) + " " + std::to_string(pong) + " " +
          std::to_string(node.config_epoch) + " " +
          (node.myself || node.link_connected ? "connected" : "disconnected");
  if (node.primary) {
    const std::string ranges = format_slot_ranges(slot_ranges_of(node.id));
    if (!ranges.empty()) line += " " + ranges;
  }
  if (node.myself) {
    for (const auto& [slot, target] : migrating_) line += " [" + std::to_string(slot) + "->-" + target + "]";
    for (const auto& [slot, source] : importing_) line += " [" + std::to_string(slot) + "-<-" + source + "]";
  }
  return line + "\n";
}

std::string ClusterState::render_nodes(std::int64_t now_ms) const {
  std::string out;
  for (const auto& [id, node] : nodes_) out += render_node_line(node, now_ms);
  return out;
}

std::string ClusterState::render_config(std::int64_t now_ms) const {
  return render_nodes(now_ms) + "vars currentEpoch " + std::to_string(current_epoch) + " lastVoteEpoch " +
         std::to_string(last_vote_epoch) + "\n";
}

std::optional<std::string> ClusterState::parse_config(std::string_view text, ClusterState& out) {
  // On the heap: the slot table is half a megabyte, more than a fiber's stack.
  auto parsed = std::make_unique<ClusterState>();
  ClusterState& state = *parsed;
  int line_number = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto fail = [&](const std::string& what) {
      return "nodes.conf line " + std::to_string(line_number) + ": " + what;
    };
    auto fields = split(line, ' ');
    if (fields[0] == "vars") {
      for (std::size_t i = 1; i + 1 < fields.size(); i += 2) {
        std::uint64_t value = 0;
        if (!parse_int(fields[i + 1], value)) return fail("bad value for " + std::string(fields[i]));
        if (fields[i] == "currentEpoch") state.current_epoch = value;
        if (fields[i] == "lastVoteEpoch") state.last_vote_epoch = value;
      }
      continue;
    }
    if (fields.size() < 8) return fail("expected at least 8 fields, got " + std::to_string(fields.size()));
    ClusterNode node;
    node.id = std::string(fields[0]);
    if (node.id.size() != kIdLength) return fail("node id must have 40 characters");
    // ip:port@cport[,hostname]
    std::string_view address = fields[1];
    if (auto comma = address.find(','); comma != std::string_view::npos) address = address.substr(0, comma);
    const auto colon = address.rfind(':');
    const auto at = address.find('@');
    if (colon == std::string_view::npos || at == std::string_view::npos || at < colon) {
      return fail("bad address '" + std::string(fields[1]) + "'");
    }
    node.ip = std::string(address.substr(0, colon));
    if (!parse_int(address.substr(colon + 1, at - colon - 1), node.port) ||
        !parse_int(address.substr(at + 1), node.cport)) {
      return fail("bad port in '" + std::string(fields[1]) + "'");
    }
    node.primary = false;
    for (std::string_view flag : split(fields[2], ',')) {
      if (flag == "myself") node.myself = true;
      else if (flag == "master") node.primary = true;
      else if (flag == "slave") node.primary = false;
      else if (flag == "fail?") node.pfail = true;
      else if (flag == "fail") node.fail = true;
      else if (flag == "handshake") node.handshake = true;
      else if (flag == "noaddr") node.noaddr = true;
      else if (flag == "nofailover") node.nofailover = true;
    }
    if (fields[3] != "-") node.primary_id = std::string(fields[3]);
    if (!parse_int(fields[4], node.ping_sent_ms) || !parse_int(fields[5], node.pong_received_ms) ||
        !parse_int(fields[6], node.config_epoch)) {
      return fail("bad ping/pong/epoch field");
    }
    node.link_connected = fields[7] == "connected";
    for (std::size_t i = 8; i < fields.size(); ++i) {
      std::string_view item = fields[i];
      if (item.empty()) continue;
      if (item.front() == '[') {
        // [slot->-id] (migrating) or [slot-<-id] (importing)
        if (item.back() != ']') return fail("bad open slot '" + std::string(item) + "'");
        item = item.substr(1, item.size() - 2);
        const auto arrow_out = item.find("->-");
        const auto arrow_in = item.find("-<-");
        const auto arrow = arrow_out != std::string_view::npos ? arrow_out : arrow_in;
        int slot = 0;
        if (arrow == std::string_view::npos || !parse_int(item.substr(0, arrow), slot) || !valid_slot(slot)) {
          return fail("bad open slot '" + std::string(item) + "'");
        }
        std::string other(item.substr(arrow + 3));
        if (arrow_out != std::string_view::npos) state.migrating_[slot] = other;
        else state.importing_[slot] = other;
        continue;
      }
      int first = 0;
      int last = 0;
      if (const auto dash = item.find('-'); dash != std::string_view::npos) {
        if (!parse_int(item.substr(0, dash), first) || !parse_int(item.substr(dash + 1), last)) {
          return fail("bad slot range '" + std::string(item) + "'");
        }
      } else {
        if (!parse_int(item, first)) return fail("bad slot '" + std::string(item) + "'");
        last = first;
      }
      if (!valid_slot(first) || !valid_slot(last) || last < first) {
        return fail("slot range out of bounds '" + std::string(item) + "'");
      }
      state.assign_range(first, last, node.id);
    }
    if (node.myself) {
      if (!state.myself_id_.empty()) return fail("a second 'myself' node");
      state.myself_id_ = node.id;
    }
    state.nodes_.insert_or_assign(node.id, node);
  }
  if (state.myself_id_.empty()) return std::string("nodes.conf: no node is flagged 'myself'");
  out = std::move(state);
  return std::nullopt;
}

}  // namespace slotsim::node
