#include "real/real_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace slotsim::real {

namespace {

IoError error_of(int error) { return error == ENOENT ? IoError::not_found : IoError::io_failure; }

class RealFile final : public File {
 public:
  RealFile(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  ~RealFile() override { ::close(fd_); }

  // Not O_APPEND: Linux's pwrite ignores the offset on O_APPEND files, and
  // write_at needs it. The size is tracked here instead.
  IoError append(std::string_view data) override {
    return write_at(size_, data);
  }

  IoError write_at(std::uint64_t offset, std::string_view data) override {
    std::uint64_t at = offset;
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(at));
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError::io_failure;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
      at += static_cast<std::uint64_t>(n);
    }
    size_ = std::max(size_, at);
    return IoError::ok;
  }

  IoError truncate(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return IoError::io_failure;
    size_ = size;
    return IoError::ok;
  }

  IoError sync() override { return ::fsync(fd_) == 0 ? IoError::ok : IoError::io_failure; }

  std::uint64_t size() const override { return size_; }

  Result<std::string> read_at(std::uint64_t offset, std::size_t length) const override {
    if (offset >= size_) return std::string();
    length = static_cast<std::size_t>(std::min<std::uint64_t>(length, size_ - offset));
    std::string out(length, '\0');
    std::size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd_, out.data() + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError::io_failure;
      if (n == 0) break;  // shorter than we thought: someone else truncated it
      done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
  }

 private:
  int fd_;
  std::uint64_t size_;
};

}  // namespace

std::string RealDirectory::path_of(std::string_view name) const {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return {};
  }
  return path_ + "/" + std::string(name);
}

Result<std::unique_ptr<File>> RealDirectory::open_file(std::string_view name, OpenMode mode) {
  const std::string path = path_of(name);
  if (path.empty()) return IoError::io_failure;
  int flags = O_RDWR | O_CLOEXEC;
  if (mode == OpenMode::create) flags |= O_CREAT;
  if (mode == OpenMode::create_truncate) flags |= O_CREAT | O_TRUNC;
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return error_of(errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return IoError::io_failure;
  }
  return std::unique_ptr<File>(std::make_unique<RealFile>(fd, static_cast<std::uint64_t>(info.st_size)));
}

IoError RealDirectory::rename_file(std::string_view from, std::string_view to) {
  const std::string from_path = path_of(from);
  const std::string to_path = path_of(to);
  if (from_path.empty() || to_path.empty()) return IoError::io_failure;
  return ::rename(from_path.c_str(), to_path.c_str()) == 0 ? IoError::ok : error_of(errno);
}

IoError RealDirectory::remove_file(std::string_view name) {
  const std::string path = path_of(name);
  if (path.empty()) return IoError::io_failure;
  return ::unlink(path.c_str()) == 0 ? IoError::ok : error_of(errno);
}

std::vector<std::string> RealDirectory::list_files() const {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path_.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info {};
    if (::stat((path_ + "/" + name).c_str(), &info) == 0 && S_ISREG(info.st_mode)) names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());  // readdir's order is arbitrary; callers get a stable one
  return names;
}

IoError RealDirectory::sync_directory() {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError::io_failure;
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? IoError::ok : IoError::io_failure;
}

}  // namespace slotsim::real
