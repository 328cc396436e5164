// The trace database as reports read it: opened read-only (a report never
// changes the file, and works on a copy someone mailed you), refusing files
// that are missing, not SQLite, or of another schema version with the same
// kind of message the runner gives. Rows come back as stored (history values
// stay JSON text): a report shows them, it does not check them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace slotsim::reports {

class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunRow {
  std::int64_t id = 0;
  std::string campaign, scenario, scenario_file, scenario_text;
  std::uint64_t seed = 0;
  bool swarm = false;
  std::string params, build_id, variant, verdict, invariant, detail, trace_hash;
  std::int64_t sim_ns = 0, wall_ms = 0, events = 0, operations = 0;
  std::int64_t parent_run = 0;  // 0: not a shrunk run
  std::string shrink_note, created;
};

struct EventRow {
  std::int64_t idx = 0, time_ns = 0;
  std::string process, kind, detail;
};

struct OpRow {
  std::int64_t idx = 0, process = 0;
  std::string type, f, key, value;  // value: JSON text
  std::int64_t time_ns = 0;
};

struct FaultRow {
  std::int64_t idx = 0, time_ns = 0;
  std::string action, node, detail;
};

struct ViolationRow {
  std::int64_t idx = 0;
  std::string invariant;
  std::int64_t time_ns = 0;
  std::string detail;
};

struct RunDetail {
  RunRow run;
  std::vector<EventRow> events;  // by idx
  std::vector<OpRow> ops;        // by idx
  std::vector<FaultRow> faults;
  std::vector<ViolationRow> violations;
  std::map<std::string, std::int64_t> coverage;
};

// How many runs of one scenario and variant hit a coverage mark.
struct CoverageCount {
  std::string scenario, variant, mark;
  std::int64_t runs = 0;  // runs with count > 0
  std::int64_t hits = 0;  // sum of counts
};

class ReportDb {
 public:
  // Throws ReportError naming the file and what to do (runner::TraceDbError
  // for a SQLite failure, from the statements it shares with the trace database).
  explicit ReportDb(const std::string& path);
  ~ReportDb();
  ReportDb(const ReportDb&) = delete;
  ReportDb& operator=(const ReportDb&) = delete;

  std::optional<RunDetail> load_run(std::int64_t id);
  // Every run's row, by id;
  // only those of one campaign label when given.
  std::vector<RunRow> runs(const std::optional<std::string>& campaign);
  std::vector<CoverageCount> coverage(const std::optional<std::string>& campaign);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace slotsim::reports
