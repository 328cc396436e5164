// A unique path under /tmp for a test's SQLite database, removed (with its
// -wal and -shm files) when the test ends. The file itself does not exist
// until the test creates it.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

namespace slotsim::testing {

class TempFile {
 public:
  TempFile() {
    std::string pattern = "/tmp/slotsim_test_XXXXXX";
    const int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    close(fd);
    path_ = pattern;
    std::remove(path_.c_str());
  }
  ~TempFile() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace slotsim::testing
