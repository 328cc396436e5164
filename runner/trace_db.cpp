#include "runner/trace_db.h"

#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "checker/history_json.h"
#include "runner/sqlite_statement.h"

namespace slotsim::runner {

namespace {

// Fuzz workers queue behind each other's short write transactions; 30 s is
// far longer than any one insert takes, so hitting it means something hangs.
constexpr int kBusyTimeoutMs = 30'000;

// Every statement keeps IF NOT EXISTS so that opening a file is idempotent,
// even when several workers create it at the same moment.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id            INTEGER PRIMARY KEY,
  campaign      TEXT NOT NULL,
  scenario      TEXT NOT NULL,
  scenario_file TEXT NOT NULL,
  scenario_text TEXT NOT NULL,
  scenario_hash TEXT NOT NULL,
  seed          INTEGER NOT NULL,
  swarm         INTEGER NOT NULL CHECK (swarm IN (0, 1)),
  params        TEXT NOT NULL,
  build_id      TEXT NOT NULL,
  variant       TEXT NOT NULL,
  verdict       TEXT NOT NULL CHECK (verdict IN ('pass', 'safety', 'liveness', 'crash')),
  invariant     TEXT NOT NULL,
  detail        TEXT NOT NULL,
  trace_hash    TEXT NOT NULL CHECK (length(trace_hash) = 16),
  sim_ns        INTEGER NOT NULL,
  wall_ms       INTEGER NOT NULL,
  events        INTEGER NOT NULL,
  operations    INTEGER NOT NULL,
  parent_run    INTEGER REFERENCES runs(id),
  shrink_note   TEXT NOT NULL,
  created       TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS runs_by_scenario_build_swarm_seed ON runs(scenario_hash, build_id, swarm, seed);
CREATE INDEX IF NOT EXISTS runs_by_campaign ON runs(campaign);
CREATE TABLE IF NOT EXISTS events (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx     INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  process TEXT NOT NULL,
  kind    TEXT NOT NULL,
  detail  TEXT NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ops (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx     INTEGER NOT NULL,
  process INTEGER NOT NULL,
  type    TEXT NOT NULL CHECK (type IN ('invoke', 'ok', 'fail', 'info')),
  f       TEXT NOT NULL CHECK (f IN ('read', 'write', 'cas', 'append')),
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  time_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS faults (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx     INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  action  TEXT NOT NULL,
  node    TEXT NOT NULL,
  detail  TEXT NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS violations (
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx       INTEGER NOT NULL,
  invariant TEXT NOT NULL,
  time_ns   INTEGER NOT NULL,
  detail    TEXT NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  mark   TEXT NOT NULL,
  count  INTEGER NOT NULL,
  PRIMARY KEY (run_id, mark)
) WITHOUT ROWID;
)sql";

constexpr std::string_view kOwnTables[] = {"meta", "runs", "events", "ops", "faults", "violations", "coverage"};

// 64-bit FNV-1a: the key of the finished_seeds index. It is part of the file
// format (stored in runs.scenario_hash), so it must never change.
std::uint64_t scenario_hash(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

std::string to_hex(std::uint64_t value) { return fmt::format("{:016x}", value); }

// SQLite integers are signed; unsigned 64-bit values are stored by their bit
// pattern so that they read back exactly.
std::int64_t as_stored(std::uint64_t value) { return static_cast<std::int64_t>(value); }
std::uint64_t as_unsigned(std::int64_t stored) { return static_cast<std::uint64_t>(stored); }

int read_user_version(sqlite3* db, const std::string& path) {
  Statement statement(db, path, "PRAGMA user_version");
  if (!statement.step()) fail(db, path, "reading the schema version");
  return static_cast<int>(statement.integer(0));
}

void check_schema_version(const std::string& path, int version) {
  if (version == 0 || version == kTraceDbSchemaVersion) return;
  if (version > kTraceDbSchemaVersion) {
    throw TraceDbError(fmt::format(
        "trace database {} has schema version {}, newer than this slotsim's schema version {}: open it with a "
        "newer slotsim (one with schema version {}), or use a new file",
        path, version, kTraceDbSchemaVersion, version));
  }
  throw TraceDbError(fmt::format(
      "trace database {} has schema version {}, older than this slotsim's schema version {}: use a new file, or "
      "open it with an older slotsim (one with schema version {})",
      path, version, kTraceDbSchemaVersion, version));
}

// A file with user_version 0 is either fresh or some other program's
// database; only the first may be given our tables.
void check_no_foreign_tables(sqlite3* db, const std::string& path) {
  Statement tables(db, path,
                   "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  while (tables.step()) {
    const std::string name = tables.text(0);
    bool own = false;
    for (const auto table : kOwnTables) own = own || name == table;
    if (!own) {
      throw TraceDbError(fmt::format(
          "trace database {}: not a slotsim trace database (it has a table \"{}\" and no schema version); use a "
          "new file",
          path, name));
    }
  }
}

void switch_to_wal(sqlite3* db, const std::string& path) {
  Statement pragma(db, path, "PRAGMA journal_mode=WAL");
  // Switching a fresh file needs it to itself, and SQLite reports "busy" at
  // once instead of waiting when another worker is switching or creating it
  // at the same moment: wait here, as long as the busy timeout.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  Statement::StepResult result = pragma.step_unless_busy();
  while (result == Statement::StepResult::busy && std::chrono::steady_clock::now() < deadline) {
    sqlite3_sleep(5);
    result = pragma.step_unless_busy();
  }
  if (result != Statement::StepResult::row) fail(db, path, "switching to WAL mode");
  const std::string mode = pragma.text(0);
  // An in-memory database reports "memory": there is nothing to share.
  if (mode != "wal" && mode != "memory") {
    throw TraceDbError(fmt::format(
        "trace database {}: could not switch to WAL mode (journal mode stays \"{}\"); is the file on a file system "
        "without shared memory, such as a network share?",
        path, mode));
  }
}

// The columns of a runs row, in the order read_run_row reads them.
constexpr const char* kSelectRun = R"sql(
  SELECT id, campaign, scenario, scenario_file, scenario_text, seed, swarm, params, build_id, variant, verdict,
         invariant, detail, trace_hash, sim_ns, wall_ms, events, operations, parent_run, shrink_note, created
  FROM runs)sql";

// The runs row the statement (a kSelectRun) is on, without the detail rows.
RunRecord read_run_row(const Statement& select, const std::string& path) {
  RunRecord run;
  run.id = select.integer(0);
  run.campaign = select.text(1);
  run.scenario = select.text(2);
  run.scenario_file = select.text(3);
  run.scenario_text = select.text(4);
  run.seed = as_unsigned(select.integer(5));
  run.swarm = select.integer(6) != 0;
  run.params = select.text(7);
  run.build_id = select.text(8);
  run.variant = select.text(9);
  run.verdict = select.text(10);
  run.invariant = select.text(11);
  run.detail = select.text(12);
  const std::string hash = select.text(13);
  const auto [end, error] = std::from_chars(hash.data(), hash.data() + hash.size(), run.trace_hash, 16);
  if (error != std::errc() || end != hash.data() + hash.size()) {
    throw TraceDbError(
        fmt::format("trace database {}: run {} has trace_hash \"{}\", not 16 hex digits", path, run.id, hash));
  }
  run.sim_ns = select.integer(14);
  run.wall_ms = select.integer(15);
  run.events = as_unsigned(select.integer(16));
  run.operations = select.integer(17);
  run.parent_run = select.is_null(18) ? 0 : select.integer(18);
  run.shrink_note = select.text(19);
  run.created = select.text(20);
  return run;
}

// The runs of a campaign's seeds: scenario_hash finds them through the
// index, scenario_text guards against a hash collision, and shrunk runs are
// not seeds the campaign ran.
constexpr const char* kWhereFinished =
    " WHERE scenario_hash = ?1 AND build_id = ?2 AND swarm = ?3 AND scenario_text = ?4 AND parent_run IS NULL";

void bind_finished(Statement& select, const std::string& scenario_text, const std::string& build_id, bool swarm) {
  select.bind(1, to_hex(scenario_hash(scenario_text)))
      .bind(2, build_id)
      .bind(3, std::int64_t{swarm ? 1 : 0})
      .bind(4, scenario_text);
}

// A history value stored as JSON text. The history reader is the one JSON
// parser in the tree; it reads whole events, so the value is wrapped in one.
checker::Value value_from_json(const std::string& json, const std::string& path, std::int64_t run_id,
                               std::int64_t idx) {
  const std::string line = R"({"process":0,"type":"invoke","f":"read","key":"","time":0,"value":)" + json + "}";
  auto parsed = checker::parse_history_jsonl(line);
  if (parsed.error || parsed.history.size() != 1) {
    throw TraceDbError(fmt::format("trace database {}: ops row (run_id {}, idx {}) has a value that is not a history "
                                   "value: {}{}",
                                   path, run_id, idx, json,
                                   parsed.error ? " (" + parsed.error->message + ")" : std::string()));
  }
  return std::move(parsed.history.front().value);
}

}  // namespace

TraceDb::TraceDb(const std::string& path) : path_(path) {
  const int opened = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (opened != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(opened);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw TraceDbError(fmt::format("trace database {}: cannot open: {}", path_, message));
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // Checked before anything writes, so that a file we refuse stays as it
    // was. The first read also tells a file that is not a database.
    check_schema_version(path_, read_user_version(db_, path_));
    switch_to_wal(db_, path_);
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");

    Transaction transaction(db_, path_, "BEGIN IMMEDIATE");
    // Again under the write lock: another process may have created or
    // changed the file since the first look.
    const int version = read_user_version(db_, path_);
    check_schema_version(path_, version);
    if (version == 0) {
      check_no_foreign_tables(db_, path_);
      exec(kSchema);
      Statement meta(db_, path_, "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?1)");
      meta.bind(1, std::to_string(kTraceDbSchemaVersion)).run_and_reset();
      // PRAGMA takes no parameters; the value is our own constant.
      exec(fmt::format("PRAGMA user_version = {}", kTraceDbSchemaVersion).c_str());
    }
    transaction.commit();
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

TraceDb::~TraceDb() { sqlite3_close_v2(db_); }

void TraceDb::exec(const char* sql) { execute(db_, path_, sql); }

std::int64_t TraceDb::insert_run(const RunRecord& run) {
  Transaction transaction(db_, path_, "BEGIN IMMEDIATE");

  Statement insert(db_, path_, R"sql(
    INSERT INTO runs(campaign, scenario, scenario_file, scenario_text, scenario_hash, seed, swarm, params, build_id,
                     variant, verdict, invariant, detail, trace_hash, sim_ns, wall_ms, events, operations, parent_run,
                     shrink_note)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20))sql");
  insert.bind(1, run.campaign)
      .bind(2, run.scenario)
      .bind(3, run.scenario_file)
      .bind(4, run.scenario_text)
      .bind(5, to_hex(scenario_hash(run.scenario_text)))
      .bind(6, as_stored(run.seed))
      .bind(7, std::int64_t{run.swarm ? 1 : 0})
      .bind(8, run.params)
      .bind(9, run.build_id)
      .bind(10, run.variant)
      .bind(11, run.verdict)
      .bind(12, run.invariant)
      .bind(13, run.detail)
      .bind(14, to_hex(run.trace_hash))
      .bind(15, run.sim_ns)
      .bind(16, run.wall_ms)
      .bind(17, as_stored(run.events))
      .bind(18, run.operations)
      .bind(20, run.shrink_note);
  // NULL rather than 0 for "not shrunk", so the foreign key holds.
  if (run.parent_run != 0) {
    insert.bind(19, run.parent_run);
  } else {
    insert.bind_null(19);
  }
  insert.run_and_reset();
  const std::int64_t run_id = sqlite3_last_insert_rowid(db_);

  if (!run.trace.empty()) {
    Statement row(db_, path_,
                  "INSERT INTO events(run_id, idx, time_ns, process, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const sim::TraceEvent& event : run.trace) {
      row.bind(1, run_id)
          .bind(2, as_stored(event.index))
          .bind(3, event.time)
          .bind(4, event.process)
          .bind(5, event.kind)
          .bind(6, event.detail)
          .run_and_reset();
    }
  }
  if (!run.ops.empty()) {
    Statement row(db_, path_,
                  "INSERT INTO ops(run_id, idx, process, type, f, key, value, time_ns) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    std::int64_t idx = 0;
    for (const checker::Event& event : run.ops) {
      row.bind(1, run_id)
          .bind(2, idx++)
          .bind(3, event.process)
          .bind(4, checker::to_string(event.type))
          .bind(5, checker::to_string(event.f))
          .bind(6, event.key)
          .bind(7, event.value.to_json())
          .bind(8, event.time_ns)
          .run_and_reset();
    }
  }
  if (!run.faults.empty()) {
    Statement row(db_, path_,
                  "INSERT INTO faults(run_id, idx, time_ns, action, node, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    std::int64_t idx = 0;
    for (const FaultRecord& fault : run.faults) {
      row.bind(1, run_id)
          .bind(2, idx++)
          .bind(3, fault.time)
          .bind(4, fault.action)
          .bind(5, fault.node)
          .bind(6, fault.detail)
          .run_and_reset();
    }
  }
  if (!run.violations.empty()) {
    Statement row(db_, path_,
                  "INSERT INTO violations(run_id, idx, invariant, time_ns, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    std::int64_t idx = 0;
    for (const ViolationRecord& violation : run.violations) {
      row.bind(1, run_id)
          .bind(2, idx++)
          .bind(3, violation.invariant)
          .bind(4, violation.time)
          .bind(5, violation.detail)
          .run_and_reset();
    }
  }
  if (!run.coverage.empty()) {
    Statement row(db_, path_, "INSERT INTO coverage(run_id, mark, count) VALUES (?1, ?2, ?3)");
    for (const auto& [mark, count] : run.coverage) row.bind(1, run_id).bind(2, mark).bind(3, count).run_and_reset();
  }

  transaction.commit();
  return run_id;
}

std::optional<RunRecord> TraceDb::load_run(std::int64_t id) {
  // One read transaction: one consistent snapshot even while workers insert.
  Transaction transaction(db_, path_, "BEGIN");
  RunRecord run;
  {
    Statement select(db_, path_, std::string(kSelectRun) + " WHERE id = ?1");
    select.bind(1, id);
    if (!select.step()) return std::nullopt;
    run = read_run_row(select, path_);
  }
  {
    Statement select(db_, path_,
                     "SELECT idx, time_ns, process, kind, detail FROM events WHERE run_id = ?1 ORDER BY idx");
    select.bind(1, id);
    while (select.step()) {
      run.trace.push_back(sim::TraceEvent{as_unsigned(select.integer(0)), select.integer(1), select.text(2),
                                          select.text(3), select.text(4)});
    }
  }
  {
    Statement select(db_, path_,
                     "SELECT idx, process, type, f, key, value, time_ns FROM ops WHERE run_id = ?1 ORDER BY idx");
    select.bind(1, id);
    while (select.step()) {
      checker::Event event;
      event.process = select.integer(1);
      const std::string type = select.text(2);
      const std::string f = select.text(3);
      const auto parsed_type = checker::parse_event_type(type);
      const auto parsed_f = checker::parse_function(f);
      // The CHECK constraints make these unreachable unless someone edited the file by hand.
      if (!parsed_type || !parsed_f) {
        throw TraceDbError(fmt::format("trace database {}: ops row (run_id {}, idx {}) has type \"{}\" and f \"{}\"",
                                       path_, id, select.integer(0), type, f));
      }
      event.type = *parsed_type;
      event.f = *parsed_f;
      event.key = select.text(4);
      event.value = value_from_json(select.text(5), path_, id, select.integer(0));
      event.time_ns = select.integer(6);
      run.ops.push_back(std::move(event));
    }
  }
  {
    Statement select(db_, path_,
                     "SELECT time_ns, action, node, detail FROM faults WHERE run_id = ?1 ORDER BY idx");
    select.bind(1, id);
    while (select.step()) {
      run.faults.push_back(FaultRecord{select.integer(0), select.text(1), select.text(2), select.text(3)});
    }
  }
  {
    Statement select(db_, path_,
                     "SELECT invariant, time_ns, detail FROM violations WHERE run_id = ?1 ORDER BY idx");
    select.bind(1, id);
    while (select.step()) {
      run.violations.push_back(ViolationRecord{select.text(0), select.integer(1), select.text(2)});
    }
  }
  {
    Statement select(db_, path_, "SELECT mark, count FROM coverage WHERE run_id = ?1");
    select.bind(1, id);
    while (select.step()) run.coverage.emplace(select.text(0), select.integer(1));
  }
  transaction.commit();
  return run;
}

std::map<std::string, std::int64_t> TraceDb::coverage_run_counts(const std::string& label,
                                                                const std::string& build_id) {
  Statement select(db_, path_,
                   "SELECT c.mark, COUNT(DISTINCT c.run_id) FROM coverage c JOIN runs r ON r.id = c.run_id "
                   "WHERE r.campaign = ?1 AND r.build_id = ?2 AND r.parent_run IS NULL GROUP BY c.mark");
  select.bind(1, label).bind(2, build_id);
  std::map<std::string, std::int64_t> counts;
  while (select.step()) counts.emplace(select.text(0), select.integer(1));
  return counts;
}

std::set<std::uint64_t> TraceDb::finished_seeds(const std::string& scenario_text, const std::string& build_id,
                                                bool swarm) {
  Statement select(db_, path_, std::string("SELECT seed FROM runs") + kWhereFinished);
  bind_finished(select, scenario_text, build_id, swarm);
  std::set<std::uint64_t> seeds;
  while (select.step()) seeds.insert(as_unsigned(select.integer(0)));
  return seeds;
}

std::vector<RunRecord> TraceDb::recorded_runs(const std::string& scenario_text, const std::string& build_id,
                                              bool swarm) {
  Statement select(db_, path_, std::string(kSelectRun) + kWhereFinished + " ORDER BY id");
  bind_finished(select, scenario_text, build_id, swarm);
  std::vector<RunRecord> runs;
  while (select.step()) runs.push_back(read_run_row(select, path_));
  return runs;
}

}  // namespace slotsim::runner
