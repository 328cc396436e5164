// The append-only file: every write command, as a RESP multibulk request, in
// the order the node applied it. On restart it is replayed; a torn tail (a
// crash in the middle of a write) is cut off at the last whole command and
// the file truncated, as redis does with aof-load-truncated yes.
//
// Durability follows appendfsync: always (sync before the reply), everysec
// (the node's cron syncs once a second), no (never synced by us: a crash may
// lose everything not yet flushed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "env/env.h"
#include "node/node_config.h"

namespace slotsim::node {

class Aof {
 public:
  using Command = std::vector<std::string>;

  struct LoadReport {
    std::uint64_t commands = 0;
    std::uint64_t truncated_bytes = 0;  // torn or garbage tail cut off
  };

  Aof(Env& env, AppendFsync policy);

  // Replays the file through apply, then opens it for appending.
  LoadReport load(const std::function<void(const Command&)>& apply);
  void append(const Command& command);
  // The same, for a command already encoded as a RESP multibulk request.
  void append_encoded(std::string_view encoded);
  // Replaces the whole file with these commands (a full resync's dataset):
  // written to a temp file, synced, renamed over the log, directory synced, so
  // a crash leaves the old log or the new one, never a mix.
  void rewrite(const std::vector<Command>& commands);
  // Makes what was appended so far durable when the policy asks for it now.
  void sync_if_always();
  void sync_every_second(Nanos now);
  std::uint64_t appended_bytes() const { return appended_bytes_; }

  static constexpr const char* kFileName = "appendonly.aof";

 private:
  Env& env_;
  AppendFsync policy_;
  std::unique_ptr<File> file_;
  bool dirty_ = false;
  Nanos last_sync_ = 0;
  std::uint64_t appended_bytes_ = 0;
};

}  // namespace slotsim::node
