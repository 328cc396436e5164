#include "node/keyspace.h"

#include <utility>

#include "node/hash_slot.h"

namespace slotsim::node {

Value* Keyspace::find(std::string_view key, Nanos now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (!is_expired(it->second, now)) return &it->second;
  // Lazy expiry, as Redis does on every lookup: the caller sees no key and the
  // node later propagates a DEL so replicas and the AOF drop it too.
  std::string name = it->first;
  index_erase(name);
  entries_.erase(it);
  expired_.push_back(std::move(name));
  return nullptr;
}

Value* Keyspace::peek(std::string_view key) {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

const Value* Keyspace::peek(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

Value& Keyspace::set(std::string key, Value value) {
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second = std::move(value);
    return it->second;
  }
  slots_[key_hash_slot(key)].insert(key);
  return entries_.emplace(std::move(key), std::move(value)).first->second;
}

bool Keyspace::erase(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  index_erase(it->first);
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
    it = entries_.erase(it);
    ++removed;
  }
  return removed;
}

void Keyspace::clear() {
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
