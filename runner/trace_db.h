// The trace database: one SQLite file (WAL mode) that a campaign, `run --db`,
// replay, shrink and reports share. Its schema is a public interface that
// users' scripts query with the sqlite3 shell; it is documented in the README
// and versioned (PRAGMA user_version and meta.schema_version). A newer
// version refuses to open an older file with a clear message instead of
// guessing; an older slotsim refuses a newer file the same way.
//
//   runs        one row per run: id, campaign, scenario, scenario_file,
//               scenario_text, seed, swarm, params, build_id, variant,
//               verdict, invariant, detail, trace_hash, sim_ns, wall_ms,
//               events (how many), operations, parent_run, shrink_note, created
//   events      the full trace of a failing run: run_id, idx, time_ns,
//               process, kind, detail
//   ops         its history: run_id, idx, process, type, f, key, value
//               (JSON), time_ns
//   faults      the faults injected: run_id, idx, time_ns, action, node, detail
//   violations  run_id, idx, invariant, time_ns, detail
//   coverage    run_id, mark, count (every run, failing or not)
//   meta        key, value: schema_version
// docs/trace_db.md documents every column (runs also has scenario_hash, the
// key of the finished_seeds index) and has example queries.
//
// Several processes may write one file at once (fuzz workers): each opens
// its own connection; writes are short transactions with a busy timeout.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "checker/history.h"
#include "sim/trace.h"

struct sqlite3;

namespace slotsim::runner {

constexpr int kTraceDbSchemaVersion = 1;

class TraceDbError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FaultRecord {
  Nanos time = 0;
  std::string action;
  std::string node;    // empty for cluster-wide faults
  std::string detail;  // e.g. "groups=n1|n2,n3" or "offset=200ms"

  friend bool operator==(const FaultRecord&, const FaultRecord&) = default;
};

struct ViolationRecord {
  std::string invariant;
  Nanos time = 0;
  std::string detail;

  friend bool operator==(const ViolationRecord&, const ViolationRecord&) = default;
};

struct RunRecord {
  std::int64_t id = 0;  // runs.id, set by insert_run
  std::string campaign;  // a label shared by the runs of one fuzz invocation (may be empty)
  std::string scenario;  // the scenario's name
  std::string scenario_file;
  std::string scenario_text;  // enough to run it again
  std::uint64_t seed = 0;
  bool swarm = false;     // swarm parameters were drawn from the seed
  std::string params;     // the parameters the run actually used, "key=value ..." (for humans)
  std::string build_id;
  std::string variant;    // "asking=required migration_state_replication=off"
  std::string verdict;    // pass | safety | liveness | crash
  std::string invariant;
  std::string detail;
  std::uint64_t trace_hash = 0;
  std::int64_t sim_ns = 0;
  std::int64_t wall_ms = 0;
  std::uint64_t events = 0;  // how many trace events the run had
  std::int64_t operations = 0;
  std::int64_t parent_run = 0;  // for a shrunk run: the run it minimizes; 0 otherwise
  std::string shrink_note;      // for a shrunk run: what shrinking removed

  // Kept for failing runs (may be empty for passing ones).
  std::vector<sim::TraceEvent> trace;
  checker::History ops;
  std::vector<FaultRecord> faults;
  std::vector<ViolationRecord> violations;
  std::map<std::string, std::int64_t> coverage;  // kept for every run

  // Set by the database when the run is inserted (UTC, "YYYY-MM-DD HH:MM:SS");
  // insert_run ignores it, load_run fills it.
  std::string created;
};

class TraceDb {
 public:
  // Opens (creating if needed) the file; throws TraceDbError naming the file.
  explicit TraceDb(const std::string& path);
  ~TraceDb();
  TraceDb(const TraceDb&) = delete;
  TraceDb& operator=(const TraceDb&) = delete;

  // Inserts the run and its detail rows in one transaction; returns runs.id.
  std::int64_t insert_run(const RunRecord& run);
  // Everything stored about one run; nothing when there is no such id.
  std::optional<RunRecord> load_run(std::int64_t id);
  // Seeds already recorded for (scenario_text, build_id, swarm): what a
  // resumed campaign skips. Shrunk runs (parent_run set) are not seeds of a
  // campaign and do not count.
  std::set<std::uint64_t> finished_seeds(const std::string& scenario_text, const std::string& build_id, bool swarm);
  // The same runs with their `runs` row (no trace, ops, faults, violations
  // or coverage), in insertion order: what a resumed campaign reports for
  // the seeds it skips.
  std::vector<RunRecord> recorded_runs(const std::string& scenario_text, const std::string& build_id, bool swarm);
  // For each coverage mark: how many runs of the campaign `label` on build
  // `build_id` reached it (shrunk runs excluded).
  std::map<std::string, std::int64_t> coverage_run_counts(const std::string& label, const std::string& build_id);
  const std::string& path() const { return path_; }

 private:
  void exec(const char* sql);
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace slotsim::runner
