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
  // A file's bytes. Writers go through these methods so that sync knows how
  // much of the content is already durable: an append-only log (the AOF with
  // appendfsync always) then syncs only its new tail, not the whole file.
  class FileData {
   public:
    const std::string& content() const { return content_; }
    const std::string& durable() const { return durable_; }
    void append(std::string_view data) { content_.append(data); }
    void write_at(std::uint64_t offset, std::string_view data);
    void truncate(std::uint64_t size);
    void assign(std::string_view data);

   private:
    friend class Disk;
    std::string content_;
    std::string durable_;
    // content_ and durable_ agree on their first synced_prefix_ bytes.
    std::size_t synced_prefix_ = 0;
  };

  explicit Disk(DiskOptions options = {}) : options_(options) {}

  std::shared_ptr<FileData> find(std::string_view name) const;
  std::shared_ptr<FileData> create(std::string_view name, bool truncate);
  IoError rename(std::string_view from, std::string_view to);
  IoError remove(std::string_view name);
  std::vector<std::string> list() const;
  void sync_directory();
  void sync(FileData& file);

  // Loses what was not durable. Returns a short description for the trace.
  std::string crash(Rng& rng);

  std::uint64_t bytes_durable() const;

 private:
  DiskOptions options_;
  std::map<std::string, std::shared_ptr<FileData>, std::less<>> live_;
  std::map<std::string, std::shared_ptr<FileData>, std::less<>> durable_;  // the directory as of its last sync
};

}  // namespace slotsim::sim
