#include "sim/trace.h"

#include <fmt/format.h>

namespace slotsim::sim {

std::string format_time(Nanos t) {
  const char* sign = t < 0 ? "-" : "";
  const auto abs = static_cast<std::uint64_t>(t < 0 ? -t : t);
  return fmt::format("{}{}.{:09}s", sign, abs / 1'000'000'000u, abs % 1'000'000'000u);
}

std::string TraceEvent::to_string() const {
  return fmt::format("#{} {} {} {} {}", index, format_time(time), process, kind, detail);
}

void Trace::record(Nanos time, std::string_view process, std::string_view kind,
                   std::string_view detail) {
  hash_.add(static_cast<std::uint64_t>(time));
  hash_.add(process);
  hash_.add(kind);
  hash_.add(detail);
  if (keep_ || !listeners_.empty()) {
    TraceEvent event{count_, time, std::string(process), std::string(kind), std::string(detail)};
    for (const auto& [handle, listener] : listeners_) listener(event);
    if (keep_) events_.push_back(std::move(event));
  }
  ++count_;
}

int Trace::add_listener(Listener listener) {
  listeners_.emplace_back(next_listener_, std::move(listener));
  return next_listener_++;
}

void Trace::remove_listener(int handle) {
  std::erase_if(listeners_, [handle](const auto& entry) { return entry.first == handle; });
}

std::optional<std::size_t> first_difference(const std::vector<TraceEvent>& a,
                                            const std::vector<TraceEvent>& b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (!(a[i] == b[i])) return i;
  }
  if (a.size() != b.size()) return common;
  return std::nullopt;
}

}  // namespace slotsim::sim
