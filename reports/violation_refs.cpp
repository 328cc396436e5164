#include "reports/violation_refs.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "node/hash_slot.h"

namespace slotsim::reports {

namespace {

constexpr int kSlots = 16384;

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The number starting at text[at], if any; `at` moves past it.
std::optional<std::int64_t> number_at(std::string_view text, std::size_t& at) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data() + at, text.data() + text.size(), value);
  if (error != std::errc()) return std::nullopt;
  at = static_cast<std::size_t>(end - text.data());
  return value;
}

template <typename T>
void add_unique(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

bool word_starts(std::string_view text, std::size_t at) { return at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1])); }

}  // namespace

ViolationRefs find_references(std::string_view detail) {
  ViolationRefs refs;
  // "line N", "lines N-M", "info at line N".
  for (std::size_t at = detail.find("line"); at != std::string_view::npos; at = detail.find("line", at + 1)) {
    if (!word_starts(detail, at)) continue;
    std::size_t cursor = at + 4;
    if (cursor < detail.size() && detail[cursor] == 's') ++cursor;
    if (cursor >= detail.size() || detail[cursor] != ' ') continue;
    ++cursor;
    if (cursor >= detail.size() || !is_digit(detail[cursor])) continue;
    const auto first = number_at(detail, cursor);
    if (first && *first >= 1) add_unique(refs.history_idx, *first - 1);
    if (cursor + 1 < detail.size() && detail[cursor] == '-' && is_digit(detail[cursor + 1])) {
      ++cursor;
      const auto second = number_at(detail, cursor);
      if (second && *second >= 1) add_unique(refs.history_idx, *second - 1);
    }
  }
  // "slot N"
  for (std::size_t at = detail.find("slot "); at != std::string_view::npos; at = detail.find("slot ", at + 1)) {
    if (!word_starts(detail, at)) continue;
    std::size_t cursor = at + 5;
    if (cursor >= detail.size() || !is_digit(detail[cursor])) continue;
    const auto slot = number_at(detail, cursor);
    if (slot && *slot >= 0 && *slot < kSlots) add_unique(refs.slots, static_cast<int>(*slot));
  }
  // "key NAME" where NAME ends at ':', ',', ')' or a space.
  for (std::size_t at = detail.find("key "); at != std::string_view::npos; at = detail.find("key ", at + 1)) {
    if (!word_starts(detail, at)) continue;
    std::size_t end = at + 4;
    while (end < detail.size() && detail[end] != ':' && detail[end] != ' ' && detail[end] != ',' && detail[end] != ')') {
      ++end;
    }
    if (end == at + 4) continue;
    std::string key(detail.substr(at + 4, end - at - 4));
    // JSON-quoted keys ("key \"a b\"") keep their quotes out.
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
    add_unique(refs.keys, key);
  }
  for (const auto& key : refs.keys) add_unique(refs.slots, node::key_hash_slot(key));
  return refs;
}

}  // namespace slotsim::reports
