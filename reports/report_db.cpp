#include "reports/report_db.h"

#include <sqlite3.h>

#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "runner/trace_db.h"

namespace slotsim::reports {

namespace {

// A campaign still writing the file holds short write locks; wait them out.
constexpr int kBusyTimeoutMs = 10'000;

class Query {
 public:
  Query(sqlite3* db, const std::string& path, std::string_view sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~Query() { sqlite3_finalize(stmt_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail();
    return *this;
  }
  Query& bind(int index, const std::string& text) {
    if (sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
      fail();
    }
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail();
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (data == nullptr) return {};
    return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  [[noreturn]] void fail() const {
    if ((sqlite3_extended_errcode(db_) & 0xff) == SQLITE_NOTADB) {
      throw ReportError(fmt::format("{} is not a SQLite database ({})", path_, sqlite3_errmsg(db_)));
    }
    throw ReportError(fmt::format("trace database {}: {}", path_, sqlite3_errmsg(db_)));
  }
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

// The columns read_run reads, in its order.
constexpr const char* kSelectRun =
    "SELECT id, campaign, scenario, scenario_file, scenario_text, seed, swarm, params, build_id, variant, verdict, "
    "invariant, detail, trace_hash, sim_ns, wall_ms, events, operations, parent_run, shrink_note, created FROM runs";

RunRow read_run(const Query& q) {
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
    Query version(db_, path_, "PRAGMA user_version");
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
    Query q(db_, path_, std::string(kSelectRun) + " WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    detail.run = read_run(q);
  }
  {
    Query q(db_, path_, "SELECT idx, time_ns, process, kind, detail FROM events WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) detail.events.push_back({q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4)});
  }
  {
    Query q(db_, path_,
            "SELECT idx, process, type, f, key, value, time_ns FROM ops WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) {
      detail.ops.push_back({q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4), q.text(5), q.integer(6)});
    }
  }
  {
    Query q(db_, path_, "SELECT idx, time_ns, action, node, detail FROM faults WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) detail.faults.push_back({q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4)});
  }
  {
    Query q(db_, path_, "SELECT idx, invariant, time_ns, detail FROM violations WHERE run_id = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) detail.violations.push_back({q.integer(0), q.text(1), q.integer(2), q.text(3)});
  }
  {
    Query q(db_, path_, "SELECT mark, count FROM coverage WHERE run_id = ?1 ORDER BY mark");
    q.bind(1, id);
    while (q.step()) detail.coverage[q.text(0)] = q.integer(1);
  }
  return detail;
}

std::vector<RunRow> ReportDb::runs(const std::optional<std::string>& campaign) {
  std::vector<RunRow> rows;
  Query q(db_, path_, std::string(kSelectRun) + (campaign ? " WHERE campaign = ?1" : "") + " ORDER BY id");
  if (campaign) q.bind(1, *campaign);
  while (q.step()) rows.push_back(read_run(q));
  return rows;
}

std::vector<CoverageCount> ReportDb::coverage(const std::optional<std::string>& campaign) {
  std::vector<CoverageCount> rows;
  Query q(db_, path_,
          fmt::format("SELECT r.scenario, r.variant, c.mark, count(*), sum(c.count) FROM coverage c "
                      "JOIN runs r ON r.id = c.run_id WHERE c.count > 0{} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                      campaign ? " AND r.campaign = ?1" : ""));
  if (campaign) q.bind(1, *campaign);
  while (q.step()) rows.push_back({q.text(0), q.text(1), q.text(2), q.integer(3), q.integer(4)});
  return rows;
}

}  // namespace slotsim::reports
