#include "sim/disk.h"

#include <algorithm>

#include <fmt/format.h>

namespace slotsim::sim {

void Disk::FileData::write_at(std::uint64_t offset, std::string_view data) {
  if (content_.size() < offset + data.size()) content_.resize(offset + data.size(), '\0');
  content_.replace(offset, data.size(), data);
  synced_prefix_ = std::min<std::size_t>(synced_prefix_, offset);
}

void Disk::FileData::truncate(std::uint64_t size) {
  content_.resize(size, '\0');
  synced_prefix_ = std::min<std::size_t>(synced_prefix_, size);
}

void Disk::FileData::assign(std::string_view data) {
  content_.assign(data);
  synced_prefix_ = 0;
}

void Disk::sync(FileData& file) {
  file.durable_.resize(file.synced_prefix_);
  file.durable_.append(file.content_, file.synced_prefix_);
  file.synced_prefix_ = file.content_.size();
}

std::shared_ptr<Disk::FileData> Disk::find(std::string_view name) const {
  auto it = live_.find(name);
  return it == live_.end() ? nullptr : it->second;
}

std::shared_ptr<Disk::FileData> Disk::create(std::string_view name, bool truncate) {
  auto it = live_.find(name);
  if (it != live_.end()) {
    if (truncate) it->second->truncate(0);
    return it->second;
  }
  auto file = std::make_shared<FileData>();
  live_.emplace(std::string(name), file);
  if (!options_.strict_directory_sync) durable_[std::string(name)] = file;
  return file;
}

IoError Disk::rename(std::string_view from, std::string_view to) {
  auto it = live_.find(from);
  if (it == live_.end()) return IoError::not_found;
  auto file = it->second;
  live_.erase(it);
  live_[std::string(to)] = file;
  if (!options_.strict_directory_sync) durable_ = live_;
  return IoError::ok;
}

IoError Disk::remove(std::string_view name) {
  auto it = live_.find(name);
  if (it == live_.end()) return IoError::not_found;
  live_.erase(it);
  if (!options_.strict_directory_sync) durable_ = live_;
  return IoError::ok;
}

std::vector<std::string> Disk::list() const {
  std::vector<std::string> names;
  for (const auto& [name, file] : live_) names.push_back(name);
  return names;
}

void Disk::sync_directory() { durable_ = live_; }

std::string Disk::crash(Rng& rng) {
  std::string report;
  std::uint64_t lost = 0;
  live_ = durable_;
  for (auto& [name, file] : live_) {
    const std::string& content = file->content_;
    const std::string& durable = file->durable_;
    const bool pure_append = content.size() > durable.size() && content.compare(0, durable.size(), durable) == 0;
    std::size_t kept = 0;
    if (pure_append && options_.torn_write_probability > 0 && rng.chance(options_.torn_write_probability)) {
      kept = rng.below(content.size() - durable.size() + 1);
      report += fmt::format(" torn={}:+{}", name, kept);
    }
    if (content.size() > durable.size()) lost += content.size() - durable.size() - kept;
    if (pure_append) {
      file->content_.resize(durable.size() + kept);
    } else {
      file->content_ = durable;
    }
    file->synced_prefix_ = durable.size();
  }
  return fmt::format("lost_bytes={}{}", lost, report);
}

std::uint64_t Disk::bytes_durable() const {
  std::uint64_t total = 0;
  for (const auto& [name, file] : durable_) total += file->durable_.size();
  return total;
}

}  // namespace slotsim::sim
