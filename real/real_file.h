// Real files for the real runtime: the flat directory of one process (the
// node's --dir), with the durability rules env/env.h states. sync() is
// fsync(2); sync_directory() fsyncs the directory itself, which is what makes
// a creation or a rename survive a power loss.
//
// Disk calls block the whole loop for their duration, as Redis's own AOF
// writes do; only fsync is slow, and the node calls it at most once a second
// under appendfsync everysec.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/env.h"

namespace slotsim::real {

class RealDirectory {
 public:
  // The directory must exist; names passed to the methods are plain file
  // names inside it (no '/', never "." or "..").
  explicit RealDirectory(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  Result<std::unique_ptr<File>> open_file(std::string_view name, OpenMode mode);
  IoError rename_file(std::string_view from, std::string_view to);
  IoError remove_file(std::string_view name);
  std::vector<std::string> list_files() const;
  IoError sync_directory();

 private:
  // The full path of a file name, or "" when the name is not a plain name.
  std::string path_of(std::string_view name) const;

  std::string path_;
};

}  // namespace slotsim::real
