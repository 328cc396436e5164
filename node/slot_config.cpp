// Slot ownership from the claims other primaries make on the bus
// (clusterUpdateSlotsConfigWith): a claim with a higher configEpoch wins a
// slot; a node whose shard lost its last slot follows the new owner; a
// primary that lost some slots drops their keys.
//
// With migration_state_replication = on, open migrations also survive
// failovers, as Valkey 8 does it: a migration towards a shard follows that
// shard's new primary, an import follows the source shard's new primary, and
// an importing primary takes the slot once the source stops claiming it.
#include <algorithm>
#include <bit>

#include "node/node.h"

namespace slotsim::node {

bool Node::same_shard(const ClusterNode& a, const ClusterNode& b) const {
  // Redis 7 has no shard ids on the bus; a shard is a primary, its replicas,
  // and the replica that took over from it.
  if (a.id == b.id) return true;
  if (a.former_primary_id == b.id || b.former_primary_id == a.id) return true;
  // A replica that took over and a sibling still following the old primary
  // (Valkey's shard ids keep them together: the sibling keeps its migration state).
  if (!b.primary && !a.former_primary_id.empty() && a.former_primary_id == b.primary_id) return true;
  if (!a.primary && !b.former_primary_id.empty() && b.former_primary_id == a.primary_id) return true;
  if (!a.primary && a.primary_id == b.id) return true;
  if (!b.primary && b.primary_id == a.id) return true;
  return !a.primary && !b.primary && !a.primary_id.empty() && a.primary_id == b.primary_id;
}

void Node::verify_config_with_data() {
  // A replica's data follows its primary's stream; only a primary checks.
  if (!cluster_.myself().primary) return;
  const std::string& me = cluster_.myself_id();
  // Owners compared by index, not by 40-byte id: this scans every slot.
  const std::uint16_t my_index = cluster_.find_owner_index(me);
  bool changed = false;
  for (int slot = 0; slot < kSlotCount; ++slot) {
    if (cluster_.owner_index(slot) == my_index || cluster_.importing_from(slot) != nullptr) continue;
    if (keys_.count_in_slot(slot) == 0) continue;
    // Data and config disagree, say an unsynced MIGRATE's deletes were lost in
    // a crash. Redis keeps the keys: it takes an unowned slot, and marks an
    // owned one importing so `fix` reconciles the two copies.
    const std::string owner = cluster_.owner(slot);
    if (owner.empty()) {
      cluster_.assign(slot, me);
    } else {
      cluster_.set_importing(slot, owner);
    }
    env_.trace("slot_keys_unexpected", "slot=" + std::to_string(slot) +
                                           (owner.empty() ? " action=claimed" : " action=importing from=" + owner));
    changed = true;
  }
  if (changed) save_config();
}

void Node::delete_keys_in_slot(int slot) {
  std::vector<Command> deletes;
  for (std::string& key : keys_.keys_in_slot(slot, static_cast<std::size_t>(-1))) {
    keys_.erase(key);
    deletes.push_back({"DEL", std::move(key)});
  }
  if (!deletes.empty()) {
    env_.trace("slot_keys_dropped", "slot=" + std::to_string(slot) + " keys=" + std::to_string(deletes.size()));
  }
  // Bug lost-slot-delete-not-replicated (redis#10967, before #11084): the
  // deletes stay local, so the replicas keep keys their primary dropped and a
  // failover brings them back.
  if (config_.variants.has(Bug::lost_slot_delete_not_replicated)) return;
  propagate(deletes);
}

void Node::update_slots_config_with(const std::string& sender_id, std::uint64_t sender_epoch, const SlotSet& claimed) {
  const ClusterNode* sender = cluster_.find(sender_id);
  if (sender == nullptr || sender->myself) return;
  const bool replicated_migrations =
      config_.variants.migration_state_replication == Variants::MigrationStateReplication::on;
  const std::string my_id = cluster_.myself_id();
  const std::string current_primary = cluster_.myself().primary ? my_id : cluster_.myself().primary_id;
  std::string new_primary;
  std::size_t sender_slots = 0;
  std::size_t migrated_our_slots = 0;
  std::vector<int> dirty_slots;
  std::vector<int> moved_slots;
  std::vector<int> taken_unclaimed;  // moved_slots that moved only because unclaimed
  bool changed = false;

  // Owners compared by index: this runs over every slot for every ping.
  const std::uint16_t sender_index = cluster_.find_owner_index(sender_id);
  std::uint16_t cached_owner_index = ClusterState::kNeverOwner;
  const ClusterNode* cached_owner_node = nullptr;  // nodes_ does not change in this loop
  // Whole words first: in most, every slot is claimed and owned by the sender
  // already, or neither, and none migrates (this runs for every ping).
  SlotSet migrations;
  if (replicated_migrations) {
    for (const auto& entry : cluster_.migrating()) migrations.set(static_cast<std::size_t>(entry.first));
    for (const auto& entry : cluster_.importing()) migrations.set(static_cast<std::size_t>(entry.first));
  }
  const SlotSet& sender_owned = cluster_.slot_set(sender_id);  // in step with owner_index()
  for (int slot = 0; slot < kSlotCount; ++slot) {
    const auto bit = static_cast<std::size_t>(slot);
    if (bit % 64 == 0) {
      const std::size_t w = bit / 64;
      const std::uint64_t claimed_word = claimed.word(w);
      if (claimed_word == sender_owned.word(w) && migrations.word(w) == 0) {
        cluster_.owner_not_claiming.clear_bits(w, claimed_word);
        sender_slots += static_cast<std::size_t>(std::popcount(claimed_word));
        slot += 63;
        continue;
      }
    }
    const bool owned_by_sender = cluster_.owner_index(slot) == sender_index;
    if (claimed.test(bit)) {
      if (owned_by_sender) {
        cluster_.owner_not_claiming.reset(bit);
        ++sender_slots;
        continue;
      }
    } else if (!owned_by_sender && (!replicated_migrations || (cluster_.migrating_to(slot) == nullptr &&
                                                               cluster_.importing_from(slot) == nullptr))) {
      continue;  // the common case: a slot the sender neither claims nor owns, and no migration of it
    }
    // Ids are never dropped from the owner table, so this stays valid across assign().
    const std::string& owner = cluster_.owner(slot);
    if (claimed.test(bit)) {
      ++sender_slots;
      if (owner == sender_id) {
        cluster_.owner_not_claiming.reset(bit);
        continue;
      }
      // Redis 7: an importing slot changes only by the operator's SETSLOT.
      if (!replicated_migrations && cluster_.importing_from(slot) != nullptr) continue;
      // A stale claim repeats for a whole run of slots of one owner: one lookup per run.
      if (const std::uint16_t index = cluster_.owner_index(slot); index != cached_owner_index) {
        cached_owner_index = index;
        cached_owner_node = owner.empty() ? nullptr : cluster_.find(owner);
      }
      const ClusterNode* owner_node = cached_owner_node;
      const bool unclaimed = owner_node == nullptr || cluster_.owner_not_claiming.test(bit);
      if (!unclaimed && owner_node->config_epoch >= sender_epoch) continue;  // equal epochs never move a slot
      if (replicated_migrations) {
        if (const std::string* target = cluster_.migrating_to(slot)) {
          const ClusterNode* target_node = cluster_.find(*target);
          if (target_node == nullptr || !same_shard(*sender, cluster_.myself())) {
            env_.trace("migration_closed", "slot=" + std::to_string(slot) + " side=migrating reason=new_owner");
            cluster_.clear_migrating(slot);
          }
        }
        if (const std::string* source = cluster_.importing_from(slot)) {
          const ClusterNode* source_node = cluster_.find(*source);
          if (source_node != nullptr && same_shard(*sender, *source_node)) {
            // The source shard failed over: import from its new primary.
            env_.trace("migration_retarget", "slot=" + std::to_string(slot) + " side=importing from=" + sender_id);
            cluster_.set_importing(slot, sender_id);
          } else {
            cluster_.clear_importing(slot);
          }
        }
      }
      if (owner == my_id && keys_.count_in_slot(slot) > 0) dirty_slots.push_back(slot);
      if (!owner.empty() && owner == current_primary) {
        new_primary = sender_id;
        ++migrated_our_slots;
      }
      moved_slots.push_back(slot);
      // Taken only because its owner stopped claiming it, whatever the epochs
      // (redis#12344, Valkey's isSlotUnclaimed): said, so a checker can tell.
      if (owner_node != nullptr && owner_node->config_epoch >= sender_epoch) taken_unclaimed.push_back(slot);
      cluster_.assign(slot, sender_id);
      cluster_.owner_not_claiming.reset(bit);
      changed = true;
      continue;
    }
    if (owner == sender_id) cluster_.owner_not_claiming.set(bit);
    if (!replicated_migrations) continue;
    // The target shard failed over: migrate to its new primary.
    if (const std::string* target = cluster_.migrating_to(slot); target != nullptr && *target != sender_id) {
      const ClusterNode* target_node = cluster_.find(*target);
      if (target_node != nullptr && same_shard(*target_node, *sender) &&
          (target_node->config_epoch < sender_epoch || !target_node->primary)) {
        env_.trace("migration_retarget", "slot=" + std::to_string(slot) + " side=migrating to=" + sender_id);
        cluster_.set_migrating(slot, sender_id);
        changed = true;
      }
    }
    // The source gave the slot up but we missed SETSLOT NODE (say, our primary
    // failed over mid-migration): the importing primary takes it.
    if (const std::string* source = cluster_.importing_from(slot);
        source != nullptr && *source == sender_id && cluster_.myself().primary &&
        (owner == sender_id || owner.empty())) {
      env_.trace("migration_auto_claim", "slot=" + std::to_string(slot) + " from=" + sender_id);
      cluster_.clear_importing(slot);
      cluster_.assign(slot, my_id);
      bump_epoch_without_consensus("import_auto_claim");
      changed = true;
    }
  }
  if (!taken_unclaimed.empty()) {
    std::string ranges = format_slot_ranges(taken_unclaimed);
    std::replace(ranges.begin(), ranges.end(), ' ', ',');
    env_.trace("slots_taken_unclaimed", "owner=" + sender_id + " epoch=" + std::to_string(sender_epoch) +
                                            " slots=" + ranges);
  }
  if (!moved_slots.empty()) {
    std::string ranges = format_slot_ranges(moved_slots);
    std::replace(ranges.begin(), ranges.end(), ' ', ',');
    env_.trace("slots_claimed", "owner=" + sender_id + " epoch=" + std::to_string(sender_epoch) +
                                    " slots=" + ranges);
  }
  if (!changed && new_primary.empty()) return;
  todo_save_config_ = true;
  todo_update_state_ = true;

  const ClusterNode& me = cluster_.myself();
  const ClusterNode* my_primary = me.primary ? nullptr : cluster_.find(me.primary_id);
  if (!new_primary.empty() && cluster_.slot_count(current_primary) == 0 && sender_slots >= migrated_our_slots) {
    // Our shard lost its last slot to the sender: follow it. Our data will be
    // replaced or continued by replication from it.
    const ClusterNode* new_primary_node = cluster_.find(new_primary);
    const bool keep_slots = replicated_migrations && new_primary_node != nullptr &&
                            same_shard(*new_primary_node, me);
    env_.trace("follow_new_owner", "primary=" + new_primary);
    set_my_primary(new_primary, !keep_slots);
  } else if (my_primary != nullptr && !my_primary->primary && !my_primary->primary_id.empty() &&
             my_primary->primary_id != me.id) {
    // Our primary became a replica: follow its primary instead.
    set_my_primary(my_primary->primary_id, false);
  } else {
    for (int slot : dirty_slots) delete_keys_in_slot(slot);
  }
}

}  // namespace slotsim::node
