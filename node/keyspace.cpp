#include "node/keyspace.h"

#include <utility>

#include "node/hash_slot.h"

namespace slotsim::node {

Value* Keyspace::find(std::string_view key, Nanos now) {
  auto found = by_name_.find(key);
  if (found == by_name_.end()) return nullptr;
  const auto it = found->second;
  if (!is_expired(it->second, now)) return &it->second;
  // Lazy expiry, as Redis does on every lookup: the caller sees no key and the
  // node later propagates a DEL so replicas and the AOF drop it too.
  std::string name = it->first;
  index_erase(name);
  by_name_.erase(found);
  entries_.erase(it);
  expired_.push_back(std::move(name));
  return nullptr;
}

Value* Keyspace::peek(std::string_view key) {
  auto found = by_name_.find(key);
  return found == by_name_.end() ? nullptr : &found->second->second;
}

const Value* Keyspace::peek(std::string_view key) const {
  auto found = by_name_.find(key);
  return found == by_name_.end() ? nullptr : &found->second->second;
}

Value& Keyspace::set(std::string key, Value value) {
  if (auto found = by_name_.find(key); found != by_name_.end()) {
    found->second->second = std::move(value);
    return found->second->second;
  }
  slots_[key_hash_slot(key)].insert(key);
  const auto it = entries_.emplace(std::move(key), std::move(value)).first;
  by_name_.emplace(it->first, it);
  return it->second;
}

bool Keyspace::erase(std::string_view key) {
  auto found = by_name_.find(key);
  if (found == by_name_.end()) return false;
  const auto it = found->second;
  index_erase(it->first);
  by_name_.erase(found);
  entries_.erase(it);
  return true;
}

std::size_t Keyspace::count_in_slot(int slot) const {
  auto it = slots_.find(slot);
  return it == slots_.end() ? 0 : it->second.size();
}

std::vector<std::string> Keyspace::keys_in_slot(int slot, std::size_t max) const {
  std::vector<std::string> out;
  auto it = slots_.find(slot);
  if (it == slots_.end()) return out;
  for (const auto& key : it->second) {
    if (out.size() >= max) break;
    out.push_back(key);
  }
  return out;
}

std::vector<std::string> Keyspace::take_expired() {
  std::vector<std::string> out;
  out.swap(expired_);
  return out;
}

std::size_t Keyspace::remove_expired(Nanos now, std::size_t max) {
  std::size_t removed = 0;
  for (auto it = entries_.begin(); it != entries_.end() && removed < max;) {
    if (!is_expired(it->second, now)) {
      ++it;
      continue;
    }
    index_erase(it->first);
    expired_.push_back(it->first);
    by_name_.erase(it->first);
    it = entries_.erase(it);
    ++removed;
  }
  return removed;
}

void Keyspace::clear() {
  by_name_.clear();
  entries_.clear();
  slots_.clear();
}

void Keyspace::index_erase(const std::string& key) {
  auto slot = slots_.find(key_hash_slot(key));
  if (slot == slots_.end()) return;
  slot->second.erase(key);
  if (slot->second.empty()) slots_.erase(slot);
}

}  // namespace slotsim::node
