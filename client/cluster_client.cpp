#include "client/cluster_client.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "node/data_commands.h"
#include "node/hash_slot.h"
#include "node/text.h"

namespace slotsim::client {

namespace {

// "MOVED 449 n2:6379" -> slot and address.
bool parse_redirect(const std::string& text, int& slot, Address& to) {
  const auto first = text.find(' ');
  const auto second = text.find(' ', first + 1);
  if (first == std::string::npos || second == std::string::npos) return false;
  const std::string slot_text = text.substr(first + 1, second - first - 1);
  const std::string address = text.substr(second + 1);
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  int port = 0;
  auto [p1, e1] = std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot);
  auto [p2, e2] = std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
  if (e1 != std::errc() || e2 != std::errc() || slot < 0 || slot >= node::kSlotCount || port <= 0 || port > 65535) {
    return false;
  }
  to = Address{address.substr(0, colon), static_cast<std::uint16_t>(port)};
  return true;
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

bool parse_client_kind(std::string_view text, ClientKind& out) {
  if (text == "smart") out = ClientKind::smart;
  else if (text == "dumb") out = ClientKind::dumb;
  else if (text == "no_asking") out = ClientKind::no_asking;
  else return false;
  return true;
}

const char* to_string(ClientKind kind) {
  switch (kind) {
    case ClientKind::smart: return "smart";
    case ClientKind::dumb: return "dumb";
    case ClientKind::no_asking: return "no_asking";
  }
  return "?";
}

ClusterClient::ClusterClient(Env& env, ClusterClientOptions options) : env_(env), options_(std::move(options)) {
  slot_owner_.fill(-1);
}

RespClient& ClusterClient::connection(const Address& address) {
  auto& conn = connections_[address];
  if (!conn) conn = std::make_unique<RespClient>(env_, address);
  return *conn;
}

Address ClusterClient::pick_random_seed() {
  return options_.seeds[env_.random_below(options_.seeds.size())];
}

Address ClusterClient::owner_of(int slot) {
  const int index = slot_owner_[static_cast<std::size_t>(slot)];
  return index < 0 ? pick_random_seed() : owners_[static_cast<std::size_t>(index)];
}

int ClusterClient::slot_of(const std::vector<std::string>& args) const {
  const node::CommandSpec* spec = node::find_data_command(node::lowercase(args[0]));
  if (spec == nullptr) return -1;
  const node::KeyPositions at = node::key_positions(*spec, args.size());
  return at.first > at.last ? -1 : node::key_hash_slot(args[static_cast<std::size_t>(at.first)]);
}

// std::fill over int16 is a scalar loop at -O2, and every refresh fills the
// whole table: 64-byte blocks, which the compiler copies with vector stores.
void ClusterClient::fill_owner(int first, int last, std::int16_t index) {
  auto at = static_cast<std::size_t>(first);
  const auto end = static_cast<std::size_t>(last) + 1;
  std::array<std::int16_t, 32> block;
  block.fill(index);
  for (; at + block.size() <= end; at += block.size()) std::memcpy(&slot_owner_[at], block.data(), sizeof block);
  for (; at < end; ++at) slot_owner_[at] = index;
}

bool ClusterClient::refresh_slot_map(Nanos deadline) {
  // Ask the seeds in a random order: any live one will do.
  std::vector<Address> candidates = options_.seeds;
  for (std::size_t i = candidates.size(); i > 1; --i) std::swap(candidates[i - 1], candidates[env_.random_below(i)]);
  for (const Address& address : candidates) {
    if (env_.now() >= deadline) return false;
    const CallResult result = connection(address).call({"CLUSTER", "SLOTS"}, std::min(deadline, env_.now() + seconds(1)));
    if (result.error != IoError::ok || result.reply.type != node::RespValue::Type::array) continue;
    // Ranges arrive in slot order (as Redis sends them): then one sweep fills
    // each range and the gaps between them with "unknown". Otherwise (out of
    // order or overlapping) everything is cleared first, as before.
    auto usable = [](const node::RespValue& range) {
      return range.type == node::RespValue::Type::array && range.elements.size() >= 3 &&
             range.elements[2].type == node::RespValue::Type::array && range.elements[2].elements.size() >= 2;
    };
    auto bounds = [](const node::RespValue& range) {
      return std::pair{std::clamp<std::int64_t>(range.elements[0].integer, 0, node::kSlotCount - 1),
                       std::clamp<std::int64_t>(range.elements[1].integer, 0, node::kSlotCount - 1)};
    };
    bool ascending = true;
    std::int64_t next = 0;
    for (const auto& range : result.reply.elements) {
      if (!usable(range)) continue;
      const auto [first, last] = bounds(range);
      if (first > last) continue;
      if (first < next) {
        ascending = false;
        break;
      }
      next = last + 1;
    }
    if (!ascending) fill_owner(0, node::kSlotCount - 1, -1);
    next = 0;
    owners_.clear();
    for (const auto& range : result.reply.elements) {
      if (!usable(range)) continue;
      const auto& primary = range.elements[2];
      const Address owner{primary.elements[0].text, static_cast<std::uint16_t>(primary.elements[1].integer)};
      auto it = std::find(owners_.begin(), owners_.end(), owner);
      if (it == owners_.end()) it = owners_.insert(owners_.end(), owner);
      const auto index = static_cast<std::int16_t>(it - owners_.begin());
      const auto [first, last] = bounds(range);
      if (first <= last) {
        if (ascending && first > next) fill_owner(static_cast<int>(next), static_cast<int>(first - 1), -1);
        fill_owner(static_cast<int>(first), static_cast<int>(last), index);
        next = last + 1;
      }
    }
    if (ascending && next < node::kSlotCount) fill_owner(static_cast<int>(next), node::kSlotCount - 1, -1);
    map_loaded_ = true;
    return true;
  }
  return false;
}

ClusterResult ClusterClient::call(const std::vector<std::string>& args, Nanos deadline, ReplyReader* reader) {
  ClusterResult result;
  const bool smart = options_.kind != ClientKind::dumb;
  if (smart && !map_loaded_) refresh_slot_map(deadline);
  const int slot = slot_of(args);
  Address target = smart && slot >= 0 ? owner_of(slot) : pick_random_seed();
  bool asking = false;
  Nanos backoff = options_.retry_backoff;
  for (;;) {
    if (env_.now() >= deadline) {
      result.outcome = Outcome::fail;
      if (result.error.empty()) result.error = "deadline before sending";
      return result;
    }
    RespClient& conn = connection(target);
    if (asking) {
      // ASKING and the command go out back to back on the same connection.
      const CallResult asked = conn.call({"ASKING"}, deadline);
      if (asked.error != IoError::ok) {
        result.outcome = Outcome::fail;  // the command itself was never sent
        result.error = "ASKING failed: " + std::string(to_string(asked.error));
        return result;
      }
    }
    CallResult r = conn.call(args, deadline, reader);
    result.served_by = target;
    if (r.error != IoError::ok) {
      if (!r.sent) {
        // Nobody saw it. A smart client looks again at who owns the slot.
        result.error = "connect " + target.to_string() + ": " + std::string(to_string(r.error));
        if (smart) refresh_slot_map(deadline);
        target = smart && slot >= 0 ? owner_of(slot) : pick_random_seed();
        asking = false;
        env_.sleep(std::min(backoff, seconds(1)));
        backoff = std::min(backoff * 2, seconds(1));
        continue;
      }
      result.outcome = Outcome::info;  // sent, no answer: it may or may not have happened
      result.error = std::string(to_string(r.error));
      return result;
    }
    result.reply = std::move(r.reply);
    asking = false;
    if (result.reply.type != node::RespValue::Type::error) {
      result.outcome = Outcome::ok;
      return result;
    }
    const std::string& text = result.reply.text;
    int redirect_slot = -1;
    Address redirect_to;
    if (starts_with(text, "MOVED ") && parse_redirect(text, redirect_slot, redirect_to)) {
      if (++result.redirects > options_.max_redirects) break;
      if (smart) {
        // Like most libraries: trust the redirection now, reload the map for later.
        auto it = std::find(owners_.begin(), owners_.end(), redirect_to);
        if (it == owners_.end()) it = owners_.insert(owners_.end(), redirect_to);
        slot_owner_[static_cast<std::size_t>(redirect_slot)] = static_cast<std::int16_t>(it - owners_.begin());
        refresh_slot_map(deadline);
      }
      target = redirect_to;
      continue;
    }
    if (starts_with(text, "ASK ") && parse_redirect(text, redirect_slot, redirect_to)) {
      if (++result.redirects > options_.max_redirects) break;
      target = redirect_to;
      asking = options_.kind != ClientKind::no_asking;
      continue;
    }
    if (starts_with(text, "TRYAGAIN") || starts_with(text, "CLUSTERDOWN")) {
      env_.sleep(backoff);
      backoff = std::min(backoff * 2, seconds(1));
      if (smart) refresh_slot_map(deadline);
      if (smart && slot >= 0) target = owner_of(slot);
      continue;
    }
    // Any other error reply: the command ran and was refused.
    result.outcome = Outcome::fail;
    result.error = text;
    return result;
  }
  result.outcome = Outcome::fail;
  result.error = "too many redirections";
  return result;
}

}  // namespace slotsim::client
