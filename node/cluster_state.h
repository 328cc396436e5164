// What one node believes about the cluster: the nodes it knows, who owns each
// hash slot, open migrations, and the epochs. Rendered as CLUSTER NODES lines,
// which are also the nodes.conf format (plus a "vars" line).
//
// Invariants: every slot owner is a known primary id; a slot is MIGRATING
// only on its owner and IMPORTING only on a non-owner (SETSLOT enforces it).
// Nodes are kept in id order, so every rendering is deterministic.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/hash_slot.h"
#include "node/slot_bitmap.h"

namespace slotsim::node {

struct ClusterNode {
  std::string id;  // 40 lowercase hex characters
  std::string ip;
  std::uint16_t port = 0;
  std::uint16_t cport = 0;
  bool myself = false;
  bool primary = true;
  std::string primary_id;  // for a replica; empty when unknown
  bool pfail = false;
  bool fail = false;
  bool handshake = false;
  bool noaddr = false;
  bool nofailover = false;
  std::int64_t ping_sent_ms = 0;
  std::int64_t pong_received_ms = 0;
  std::uint64_t config_epoch = 0;
  bool link_connected = true;

  // Runtime state of the cluster bus (never in nodes.conf).
  std::int64_t created_ms = 0;        // a handshake expires after max(node_timeout, 1 s)
  std::int64_t data_received_ms = 0;  // any packet from it: it is alive
  std::int64_t fail_time_ms = 0;
  // When we last voted for one of its replicas; far in the past at first (clocks start at zero).
  std::int64_t voted_time_ms = -(std::int64_t{1} << 50);
  std::int64_t orphaned_time_ms = 0;
  std::uint64_t repl_offset = 0;      // as its last bus header said
  bool meet = false;                  // send MEET, not PING, on the first connect
  bool migrate_to = false;            // a primary that has (had) replicas: replica migration target
  std::string former_primary_id;      // a promoted replica's old primary: still the same shard
  std::uint64_t link = 0;             // our outbound bus link to it, 0 = none
  std::map<std::string, std::int64_t> fail_reports;  // reporting primary id -> when

  std::string address() const { return ip + ":" + std::to_string(port); }
};

using SlotSet = SlotBitmap;
static_assert(SlotBitmap::kBits == kSlotCount);

class ClusterState {
 public:
  static constexpr std::size_t kIdLength = 40;

  // Starts a fresh cluster of one: this node, owning nothing, epoch 0.
  void init_myself(std::string id, std::string ip, std::uint16_t port, std::uint16_t cport);

  const std::string& myself_id() const { return myself_id_; }
  ClusterNode& myself() { return *myself_.get(nodes_, myself_id_); }
  const ClusterNode& myself() const { return *myself_.get(nodes_, myself_id_); }
  ClusterNode* find(std::string_view id);
  const ClusterNode* find(std::string_view id) const;
  ClusterNode& add(ClusterNode node);
  // Removes a node and every slot it owned.
  void forget(std::string_view id);
  // A handshake node learns its real id.
  void rename(const std::string& old_id, const std::string& new_id);
  const std::map<std::string, ClusterNode, std::less<>>& nodes() const { return nodes_; }

  // --- slots ---
  const std::string& owner(int slot) const { return owner_ids_[owners_[static_cast<std::size_t>(slot)]]; }
  bool owned_by_myself(int slot) const { return owner(slot) == myself_id_; }
  // The owner table in compact form: owner_index(slot) indexes owner_ids()
  // (0 is "", unassigned). Ids are only ever added, so an index keeps its
  // meaning for the life of this ClusterState.
  std::uint16_t owner_index(int slot) const { return owners_[static_cast<std::size_t>(slot)]; }
  const std::deque<std::string>& owner_ids() const { return owner_ids_; }
  // The last slot of the run of slots from `slot` on with the same owner.
  // 32 owners per step, four per 64-bit word, then four per step: CLUSTER
  // SLOTS scans the whole table for every client that refreshes its map.
  int last_of_owner_run(int slot) const {
    const std::uint16_t owner = owners_[static_cast<std::size_t>(slot)];
    std::size_t next = static_cast<std::size_t>(slot) + 1;
    const std::uint64_t pattern = owner * 0x0001000100010001ull;
    auto differs = [&](std::size_t at) {
      std::uint64_t four;
      std::memcpy(&four, &owners_[at], sizeof four);
      return four ^ pattern;
    };
    while (next + 32 <= owners_.size()) {
      if ((differs(next) | differs(next + 4) | differs(next + 8) | differs(next + 12) | differs(next + 16) |
           differs(next + 20) | differs(next + 24) | differs(next + 28)) != 0) {
        break;
      }
      next += 32;
    }
    while (next + 4 <= owners_.size()) {
      std::uint64_t four;
      std::memcpy(&four, &owners_[next], sizeof four);
      if (four != pattern) break;
      next += 4;
    }
    while (next < owners_.size() && owners_[next] == owner) ++next;
    return static_cast<int>(next) - 1;
  }
  // The index of id in owner_ids(), or kNeverOwner when it never owned a slot here.
  static constexpr std::uint16_t kNeverOwner = 0xffff;
  std::uint16_t find_owner_index(std::string_view id) const {
    auto it = owner_index_of_.find(id);
    return it == owner_index_of_.end() ? kNeverOwner : it->second;
  }
  void assign(int slot, const std::string& id);
  // assign() for first..last, with one id lookup (nodes.conf and CLUSTER NODES ranges).
  void assign_range(int first, int last, const std::string& id);
  void unassign(int slot);
  std::vector<int> slots_of(std::string_view id) const;
  // The same as ascending [first, last] ranges.
  std::vector<std::pair<int, int>> slot_ranges_of(std::string_view id) const;
  // The slots of a node as a bitmap (the cluster bus format), kept in step with owner().
  const SlotSet& slot_set(std::string_view id) const;
  std::size_t slot_count(std::string_view id) const {
    const std::uint16_t index = find_owner_index(id);
    return index == kNeverOwner ? 0 : owner_slot_counts_[index];
  }
  std::size_t assigned_slot_count() const;
  // Bumped by every change of a slot's owner: observers copy the table only when it moved.
  std::uint64_t slot_map_version() const { return slot_map_version_; }
  // Bumped by init_myself (CLUSTER RESET), which clears the table without
  // moving slot_map_version(): with it, (resets, version) names one table.
  std::uint64_t reset_count() const { return reset_count_; }
  // Slots whose owner stopped claiming them (kept, but not advertised in UPDATEs).
  SlotSet owner_not_claiming;

  const std::string* migrating_to(int slot) const;
  const std::string* importing_from(int slot) const;
  void set_migrating(int slot, std::string id) { migrating_[slot] = std::move(id); }
  void set_importing(int slot, std::string id) { importing_[slot] = std::move(id); }
  void clear_migration(int slot) {
    migrating_.erase(slot);
    importing_.erase(slot);
  }
  // clear_migration(slot) for every slot in [0, kSlotCount), in two range erases.
  void clear_all_migrations() {
    migrating_.erase(migrating_.lower_bound(0), migrating_.lower_bound(kSlotCount));
    importing_.erase(importing_.lower_bound(0), importing_.lower_bound(kSlotCount));
  }
  void clear_migrating(int slot) { migrating_.erase(slot); }
  void clear_importing(int slot) { importing_.erase(slot); }
  const std::map<int, std::string>& migrating() const { return migrating_; }
  const std::map<int, std::string>& importing() const { return importing_; }

  // --- epochs ---
  std::uint64_t current_epoch = 0;
  std::uint64_t last_vote_epoch = 0;
  // The largest configEpoch known, and never less than currentEpoch.
  std::uint64_t max_config_epoch() const;

  // --- rendering and loading ---
  // One CLUSTER NODES line per node, each ending in '\n'.
  std::string render_nodes(std::int64_t now_ms) const;
  std::string render_node_line(const ClusterNode& node, std::int64_t now_ms) const;
  // nodes.conf: the lines above, then "vars currentEpoch N lastVoteEpoch M\n".
  std::string render_config(std::int64_t now_ms) const;
  // Parses a nodes.conf. On error returns a message naming the line.
  static std::optional<std::string> parse_config(std::string_view text, ClusterState& out);

 private:
  using NodeMap = std::map<std::string, ClusterNode, std::less<>>;
  // myself() is on every hot path; a 40-byte-key map lookup each time showed
  // in profiles. Map nodes are stable, so the entry is cached; copies and
  // moves start cold, and every removal from nodes_ drops it.
  class MyselfCache {
   public:
    MyselfCache() = default;
    MyselfCache(const MyselfCache&) {}
    MyselfCache& operator=(const MyselfCache&) {
      node_ = nullptr;
      return *this;
    }
    ClusterNode* get(const NodeMap& nodes, const std::string& id) const {
      if (node_ == nullptr) node_ = const_cast<ClusterNode*>(&nodes.at(id));
      return node_;
    }
    void reset() { node_ = nullptr; }

   private:
    mutable ClusterNode* node_ = nullptr;
  };

  std::string myself_id_;
  NodeMap nodes_;
  MyselfCache myself_;
  // Owners as small indices into owner_ids_: the table is 32 KB instead of
  // 16384 strings, so copying, parsing and comparing it is cheap.
  std::array<std::uint16_t, kSlotCount> owners_{};
  std::deque<std::string> owner_ids_{std::string()};  // a deque: references stay valid as it grows
  std::map<std::string, std::uint16_t, std::less<>> owner_index_of_;
  std::uint16_t intern(const std::string& id);
  // The slots of each owner, by owner index (parallel to owner_ids_; [0], no
  // owner, stays empty): assign() and unassign() run per slot on every moved
  // claim, so they index instead of looking 40-byte ids up.
  std::deque<SlotSet> owner_sets_{SlotSet()};
  std::vector<std::uint32_t> owner_slot_counts_{0};  // owner_sets_[i].count(), kept in step
  std::uint16_t last_interned_ = 0;  // assign() runs in long runs of one id
  std::uint64_t slot_map_version_ = 0;
  std::uint64_t reset_count_ = 0;
  std::map<int, std::string> migrating_;  // slot -> target id
  std::map<int, std::string> importing_;  // slot -> source id
};

// "0-5460 5462" style ranges of sorted slots.
std::string format_slot_ranges(const std::vector<int>& sorted_slots);
std::string format_slot_ranges(const std::vector<std::pair<int, int>>& ranges);
std::vector<std::pair<int, int>> slot_ranges(const std::vector<int>& sorted_slots);

}  // namespace slotsim::node
