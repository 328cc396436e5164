// A process's virtual disk: a flat directory of files.
//
// Every file has its current content and its durable content (as of its last
// sync). A crash keeps only durable content; with a torn write, a random
// prefix of what was appended since the sync survives as well. With
// strict_directory_sync, creations, renames and removals are themselves
// durable only after sync_directory(), as POSIX requires; otherwise (the
// common ext4/xfs experience) they are durable at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/io_result.h"
#include "sim/random.h"

namespace slotsim::sim {

struct DiskOptions {
  bool strict_directory_sync = false;
  double torn_write_probability = 0.0;  // per file, at a crash
};

class Disk {
 public:
  struct FileData {
    std::string content;
    std::string durable;
  };

  explicit Disk(DiskOptions options = {}) : options_(options) {}

  std::shared_ptr<FileData> find(std::string_view name) const;
  std::shared_ptr<FileData> create(std::string_view name, bool truncate);
  IoError rename(std::string_view from, std::string_view to);
  IoError remove(std::string_view name);
  std::vector<std::string> list() const;
  void sync_directory();
  void sync(FileData& file) { file.durable = file.content; }

  // Loses what was not durable. Returns a short description for the trace.
  std::string crash(Rng& rng);

  std::uint64_t bytes_durable() const;

 private:
  DiskOptions options_;
  std::map<std::string, std::shared_ptr<FileData>, std::less<>> live_;
  std::map<std::string, std::shared_ptr<FileData>, std::less<>> durable_;  // the directory as of its last sync
};

}  // namespace slotsim::sim
