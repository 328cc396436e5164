#include "reports/node_directory.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace slotsim::reports {

namespace {

constexpr int kSlots = 16384;

std::optional<long long> to_integer(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  long long value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::string> detail_field(std::string_view detail, std::string_view key) {
  std::size_t at = 0;
  while (at < detail.size()) {
    const std::size_t end = std::min(detail.find(' ', at), detail.size());
    const std::string_view token = detail.substr(at, end - at);
    if (token.size() > key.size() && token.substr(0, key.size()) == key && token[key.size()] == '=') {
      return std::string(token.substr(key.size() + 1));
    }
    at = end + 1;
  }
  return std::nullopt;
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && digit(a[i_end])) ++i_end;
      while (j_end < b.size() && digit(b[j_end])) ++j_end;
      // Compare digit runs by length first (no leading zeros assumed), then text.
      std::string_view x = a.substr(i, i_end - i), y = b.substr(j, j_end - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

std::string NodeDirectory::name_of(std::string_view id) const {
  const auto found = by_id.find(std::string(id));
  if (found != by_id.end()) return found->second;
  return std::string(id.substr(0, 8));
}

bool NodeDirectory::is_node(std::string_view process) const {
  return std::find(nodes.begin(), nodes.end(), process) != nodes.end();
}

NodeDirectory build_node_directory(const std::vector<EventRow>& events) {
  NodeDirectory directory;
  std::map<std::string, long long> first_slot_count;
  for (const EventRow& event : events) {
    if (event.kind != "config_loaded" && event.kind != "config_created") continue;
    const auto id = detail_field(event.detail, "id");
    if (!id) continue;
    if (!directory.is_node(event.process)) directory.nodes.push_back(event.process);
    directory.by_id[*id] = event.process;
    const auto slots = to_integer(detail_field(event.detail, "slots"));
    if (event.time_ns == 0 && slots && !first_slot_count.count(event.process)) {
      first_slot_count[event.process] = *slots;
    }
  }
  std::sort(directory.nodes.begin(), directory.nodes.end(), natural_less);
  long long total = 0;
  for (const auto& [node, count] : first_slot_count) total += std::max(0LL, count);
  if (total == kSlots) {
    for (const auto& node : directory.nodes) {
      const auto found = first_slot_count.find(node);
      if (found == first_slot_count.end()) continue;
      directory.initial_owner.insert(directory.initial_owner.end(), static_cast<std::size_t>(found->second), node);
    }
  }
  return directory;
}

}  // namespace slotsim::reports
