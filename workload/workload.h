// Workloads: simulated clients that drive a cluster and record every
// operation Jepsen-style (invoke, then ok / fail / info) into a history the
// checkers read. Times in the history are the simulator's true time, so the
// real-time order between clients is exact even when node clocks are skewed.
//
//   list_append - RPUSH of values unique in the run, LRANGE reads: lost,
//                 duplicated and reordered writes show exactly. Keys rotate
//                 as in Elle: a key takes a bounded number of appends, then
//                 its next generation (same hash tag, so same slot) takes
//                 over, which keeps every read (and the checker) short.
//   register    - SET of unique values, GET: per-key linearizability.
//   counter     - INCR and GET.
//
// Optional WAIT after each acknowledged write, on the same connection (WAIT
// counts that connection's writes). WAIT changes nothing in what Redis
// promises; it only makes losses rarer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checker/documented_losses.h"
#include "checker/history.h"
#include "client/cluster_client.h"
#include "env/env.h"

namespace slotsim::workload {

enum class WorkloadKind { list_append, register_value, counter };
bool parse_workload_kind(std::string_view text, WorkloadKind& out);
const char* to_string(WorkloadKind kind);

struct WorkloadOptions {
  WorkloadKind kind = WorkloadKind::list_append;
  client::ClientKind client_kind = client::ClientKind::smart;
  std::vector<Address> seeds;
  int keys = 10;
  std::vector<std::string> key_names;  // overrides `keys` when set (e.g. keys of one slot)
  double read_fraction = 0.3;
  Nanos think_time = ms(10);       // between one client's operations
  Nanos op_timeout = seconds(2);
  int wait_replicas = 0;           // 0: no WAIT
  Nanos wait_timeout = ms(100);
  int appends_per_key = 32;        // list_append: then the key's next generation (0: never rotate)
};

// The name of generation `generation` of a workload key: the key itself for
// generation 0, then a name in the same slot (the key's hash tag, or the
// whole key as the tag when it has none). Empty when no such name exists (a
// key with braces but no usable tag): that key never rotates.
std::string key_generation_name(const std::string& key, int generation);

// Collects the events of every client of a run, in the order they happen.
// With a probe, it also notes where each write was acknowledged (the node
// and its replication offset, read by the simulator), for rule D1.
class HistoryRecorder {
 public:
  using AckProbe = std::function<std::optional<checker::WriteAck>(const Address& node)>;
  explicit HistoryRecorder(std::function<Nanos()> clock, AckProbe probe = {})
      : clock_(std::move(clock)), probe_(std::move(probe)) {}
  // Returns the operation id (the invoke's rank) when type is invoke.
  std::size_t record(std::int64_t process, checker::EventType type, checker::Function f, const std::string& key,
                     checker::Value value);
  void note_ack(std::size_t operation, const Address& node);
  const checker::History& history() const { return history_; }
  const std::map<std::size_t, checker::WriteAck>& acks() const { return acks_; }
  std::size_t operations_started() const { return started_; }

  // Key rotation, shared by every client of the run (as Elle's generator):
  // the name of `key` to append to now, counting the append.
  const std::string& append_key(const std::string& key, int appends_per_key);
  // The name to read: the current generation, or the one before when
  // `previous` and there is one (so that a generation's last appends are
  // still read after it retires).
  const std::string& read_key(const std::string& key, bool previous);
  bool has_previous_generation(const std::string& key) const;
  // Every name `key` has had so far, generation 0 first (the final reads).
  std::vector<std::string> generation_names(const std::string& key) const;

 private:
  struct Generation {
    int number = 0;
    int appends = 0;
    std::string current;
    std::string previous;  // empty before the first rotation
  };
  Generation& generation_of(const std::string& key);

  std::function<Nanos()> clock_;
  AckProbe probe_;
  checker::History history_;
  std::map<std::size_t, checker::WriteAck> acks_;
  std::size_t started_ = 0;
  std::map<std::string, Generation, std::less<>> generations_;
};

// The body of one client process: runs operations until *stop is set.
// `process` is the client's number in the history.
void run_client(Env& env, const WorkloadOptions& options, std::int64_t process, HistoryRecorder& recorder,
                const bool* stop);

// The key names a workload uses.
std::vector<std::string> workload_keys(const WorkloadOptions& options);

}  // namespace slotsim::workload
