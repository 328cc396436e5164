#include "reports/report_db.h"

#include <sqlite3.h>

#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "runner/sqlite_statement.h"
#include "runner/trace_db.h"

namespace slotsim::reports {

namespace {

// A campaign still writing the file holds short write locks; wait them out.
constexpr int kBusyTimeoutMs = 10'000;

// The columns read_run reads, in its order.
constexpr const char* kSelectRun =
    "SELECT id, campaign, scenario, scenario_file, scenario_text, seed, swarm, params, build_id, variant, verdict, "
    "invariant, detail, trace_hash, sim_ns, wall_ms, events, operations, parent_run, shrink_note, created FROM runs";

RunRow read_run(const runner::Statement& q) {
  RunRow run;
  run.id = q.integer(0);
  run.campaign = q.text(1);
  run.scenario = q.text(2);
  run.scenario_file = q.text(3);
  run.scenario_text = q.text(4);
  run.seed = static_cast<std::uint64_t>(q.integer(5));  // stored by bit pattern
  run.swarm = q.integer(6) != 0;
  run.params = q.text(7);
  run.build_id = q.text(8);
  run.variant = q.text(9);
  run.verdict = q.text(10);
  run.invariant = q.text(11);
  run.detail = q.text(12);
  run.trace_hash = q.text(13);
  run.sim_ns = q.integer(14);
  run.wall_ms = q.integer(15);
  run.events = q.integer(16);
  run.operations = q.integer(17);
  run.parent_run = q.is_null(18) ? 0 : q.integer(18);
  run.shrink_note = q.text(19);
  run.created = q.text(20);
  return run;
}

}  // namespace

ReportDb::ReportDb(const std::string& path) : path_(path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path_, error)) {
    throw ReportError(fmt::format("{}: no such trace database (make one with `slotsim fuzz ... --db {}` or "
                                  "`slotsim run ... --db {}`)",
                                  path_, path_, path_));
  }
  const int opened = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  if (opened != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(opened);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw ReportError(fmt::format("trace database {}: cannot open: {}", path_, message));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  try {
    runner::Statement version(db_, path_, "PRAGMA user_version");
    const int found = version.step() ? static_cast<int>(version.integer(0)) : 0;
    if (found == 0) {
      throw ReportError(fmt::format("{} is not a slotsim trace database (no schema version); give the file a "
                                    "campaign wrote (`slotsim fuzz ... --db FILE`)",
                                    path_));
    }
    if (found != runner::kTraceDbSchemaVersion) {
      throw ReportError(fmt::format("trace database {} has schema version {}, this slotsim reads version {}: use "
                                    "a slotsim with schema version {} to report on it",
                                    path_, found, runner::kTraceDbSchemaVersion, found));
    }
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

ReportDb::~ReportDb() { sqlite3_close_v2(db_); }

std::optional<RunDetail> ReportDb::load_run(std::int64_t id) {
  RunDetail detail;
  {
    runner::Statement q(db_, path_, std::string(kSelectRun) + " WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    detail.run = read_run(q);
  }
  {
    runner::Statement q(db_, path_, "SELECT idx, time_ns, process, kind, detail FROM events WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) detail.events.push_back({q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4)});
  }
  {
    runner::Statement q(db_, path_,
            "SELECT idx, process, type, f, key, value, time_ns FROM ops WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) {
      detail.ops.push_back({q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4), q.text(5), q.integer(6)});
    }
  }
  {
    runner::Statement q(db_, path_, "SELECT idx, time_ns, action, node, detail FROM faults WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) detail.faults.push_back({q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4)});
  }
  {
    runner::Statement q(db_, path_, "SELECT idx, invariant, time_ns, detail FROM violations WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) detail.violations.push_back({q.integer(0), q.text(1), q.integer(2), q.text(3)});
  }
  {
    runner::Statement q(db_, path_, "SELECT mark, count FROM coverage WHERE run_id = ?1 ORDER BY mark");
    q.bind(1, id);
    while (q.step()) detail.coverage[q.text(0)] = q.integer(1);
  }
  return detail;
}

std::vector<RunRow> ReportDb::runs(const std::optional<std::string>& campaign) {
  std::vector<RunRow> rows;
  runner::Statement q(db_, path_, std::string(kSelectRun) + (campaign ? " WHERE campaign = ?1" : "") + " ORDER BY id");
  if (campaign) q.bind(1, *campaign);
  while (q.step()) rows.push_back(read_run(q));
  return rows;
}

std::vector<CoverageCount> ReportDb::coverage(const std::optional<std::string>& campaign) {
  std::vector<CoverageCount> rows;
  runner::Statement q(db_, path_,
          fmt::format("SELECT r.scenario, r.variant, c.mark, count(*), sum(c.count) FROM coverage c "
                      "JOIN runs r ON r.id = c.run_id WHERE c.count > 0{} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                      campaign ? " AND r.campaign = ?1" : ""));
  if (campaign) q.bind(1, *campaign);
  while (q.step()) rows.push_back({q.text(0), q.text(1), q.text(2), q.integer(3), q.integer(4)});
  return rows;
}

}  // namespace slotsim::reports
