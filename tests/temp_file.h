// A unique path under /tmp for a test's SQLite database, removed (with its
// -wal, -shm and -journal files) when the test ends. The file itself does not
// exist until the test creates it, unless asked to start as an empty file.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

namespace slotsim::testing {

class TempFile {
 public:
  explicit TempFile(bool start_empty = false) {
    std::string pattern = "/tmp/slotsim_test_XXXXXX";
    const int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    close(fd);
    path_ = pattern;
    if (!start_empty) std::remove(path_.c_str());
  }
  ~TempFile() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path_ + suffix).c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace slotsim::testing
