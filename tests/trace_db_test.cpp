// The trace database: a full run reads back exactly as inserted, resumable
// seeds, files it must refuse, and several connections and processes writing
// one file.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "checker/history_json.h"
#include "runner/trace_db.h"
#include "tests/temp_file.h"

using namespace slotsim;
using runner::FaultRecord;
using runner::RunRecord;
using runner::TraceDb;
using runner::TraceDbError;
using runner::ViolationRecord;
using Catch::Matchers::Contains;

namespace {

// An empty file under /tmp (a new database), removed with its companions.
struct TempDbFile : testing::TempFile {
  TempDbFile() : TempFile(true) {}
};

// A plain sqlite3 connection, to look at the file as users' scripts do.
class RawConnection {
 public:
  explicit RawConnection(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 30'000);
  }
  ~RawConnection() { sqlite3_close_v2(db_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // The first column of the first row, as text ("" for no row or NULL).
  std::string text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return out;
  }
  std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }
  void exec(const std::string& sql) { REQUIRE(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK); }

 private:
  sqlite3* db_ = nullptr;
};

std::string error_opening(const std::string& path) {
  try {
    TraceDb db(path);
  } catch (const TraceDbError& e) {
    return e.what();
  }
  return "<no error>";
}

// A small passing run: what a campaign records for most seeds.
RunRecord passing_run(std::uint64_t seed, const std::string& scenario_text = "name = \"quiet\"\n",
                      const std::string& build_id = "build-a", bool swarm = false) {
  RunRecord run;
  run.campaign = "c1";
  run.scenario = "quiet";
  run.scenario_file = "scenarios/quiet.toml";
  run.scenario_text = scenario_text;
  run.seed = seed;
  run.swarm = swarm;
  run.build_id = build_id;
  run.verdict = "pass";
  run.trace_hash = 0x1234 + seed;
  run.events = 1000;
  run.coverage = {{"migration.asking", 3}, {"failover.promoted", 1}};
  return run;
}

// A failing run with every field set and unusual values where they could go
// wrong: high bits, empty strings, quotes, newlines, NUL bytes, nested lists.
RunRecord full_run() {
  RunRecord run;
  run.campaign = "nightly-7";
  run.scenario = "partition during migration";
  run.scenario_file = "scenarios/partition_migration.toml";
  run.scenario_text = "name = \"partition during migration\"\n[faults]\npartition = \"n1|n2,n3\"\n";
  run.seed = std::numeric_limits<std::uint64_t>::max() - 6;  // above 2^63: stored by its bit pattern
  run.swarm = true;
  run.params = "clients=7 partition_ms=350";
  run.build_id = "0123abcd-dirty";
  run.variant = "asking=required migration_state_replication=off";
  run.verdict = "safety";
  run.invariant = "lost-write";
  run.detail = "key x lost write 17 acknowledged at 1.2s";
  run.trace_hash = 0xfedcba9876543210ull;
  run.sim_ns = seconds(31) + 7;
  run.wall_ms = 4321;
  run.events = 350;
  run.operations = 64;
  run.shrink_note = "";

  for (std::uint64_t i = 0; i < 350; ++i) {
    std::string detail = "slot " + std::to_string(i % 16384) + " \"quoted\"\nsecond line";
    if (i == 7) detail = std::string("with\0nul", 8);
    if (i == 8) detail = "";
    const std::string process = i % 3 == 0 ? "sim" : "n" + std::to_string(i % 5);
    const std::string kind = i % 2 == 0 ? "send" : "recv";
    run.trace.push_back(sim::TraceEvent{i, static_cast<Nanos>(i) * 1000, process, kind, detail});
  }

  using checker::EventType;
  using checker::Function;
  using checker::Value;
  const std::vector<Value> values = {
      Value(),
      Value::of(0),
      Value::of(std::numeric_limits<std::int64_t>::min()),
      Value::of(std::numeric_limits<std::int64_t>::max()),
      Value::of("5"),
      Value::of(""),
      Value::of("quote \" backslash \\ newline \n tab \t del \x7f caf\xc3\xa9"),
      Value::list_of({}),
      Value::list_of({Value::of(1), Value::of("a"), Value(), Value::list_of({Value::of(2), Value::list_of({})})}),
      Value::pair(Value::of(3), Value::of(4)),
  };
  const EventType types[] = {EventType::invoke, EventType::ok, EventType::fail, EventType::info};
  const Function functions[] = {Function::read, Function::write, Function::cas, Function::append};
  for (std::size_t i = 0; i < 120; ++i) {
    run.ops.push_back(checker::Event{static_cast<std::int64_t>(i % 6) - 1, types[i % 4], functions[(i / 4) % 4],
                                     i % 5 == 0 ? "" : "key{" + std::to_string(i % 9) + "}", values[i % values.size()],
                                     static_cast<Nanos>(i) * 777, 0});
  }

  run.faults = {FaultRecord{ms(100), "partition", "", "groups=n1|n2,n3"},
                FaultRecord{ms(250), "kill", "n2", ""},
                FaultRecord{ms(300), "clock_skew", "n3", "offset=200ms"}};
  run.violations = {ViolationRecord{"lost-write", seconds(30), "x: 17"}, ViolationRecord{"S2", ms(1200), ""}};
  run.coverage = {{"migration.asking", 12}, {"failover.promoted", 1}, {"bus.drop", 0}, {"big", 1LL << 40}};
  return run;
}

void require_same(const RunRecord& loaded, const RunRecord& inserted, std::int64_t id) {
  CHECK(loaded.id == id);
  CHECK(loaded.campaign == inserted.campaign);
  CHECK(loaded.scenario == inserted.scenario);
  CHECK(loaded.scenario_file == inserted.scenario_file);
  CHECK(loaded.scenario_text == inserted.scenario_text);
  CHECK(loaded.seed == inserted.seed);
  CHECK(loaded.swarm == inserted.swarm);
  CHECK(loaded.params == inserted.params);
  CHECK(loaded.build_id == inserted.build_id);
  CHECK(loaded.variant == inserted.variant);
  CHECK(loaded.verdict == inserted.verdict);
  CHECK(loaded.invariant == inserted.invariant);
  CHECK(loaded.detail == inserted.detail);
  CHECK(loaded.trace_hash == inserted.trace_hash);
  CHECK(loaded.sim_ns == inserted.sim_ns);
  CHECK(loaded.wall_ms == inserted.wall_ms);
  CHECK(loaded.events == inserted.events);
  CHECK(loaded.operations == inserted.operations);
  CHECK(loaded.parent_run == inserted.parent_run);
  CHECK(loaded.shrink_note == inserted.shrink_note);
  CHECK(loaded.trace == inserted.trace);
  REQUIRE(loaded.ops.size() == inserted.ops.size());
  for (std::size_t i = 0; i < loaded.ops.size(); ++i) {
    INFO("op " << i << ": " << checker::to_json_line(inserted.ops[i]));
    CHECK(loaded.ops[i].process == inserted.ops[i].process);
    CHECK(loaded.ops[i].type == inserted.ops[i].type);
    CHECK(loaded.ops[i].f == inserted.ops[i].f);
    CHECK(loaded.ops[i].key == inserted.ops[i].key);
    CHECK(loaded.ops[i].value == inserted.ops[i].value);
    CHECK(loaded.ops[i].value.kind() == inserted.ops[i].value.kind());
    CHECK(loaded.ops[i].time_ns == inserted.ops[i].time_ns);
    CHECK(loaded.ops[i].line == 0);
  }
  CHECK(loaded.faults == inserted.faults);
  CHECK(loaded.violations == inserted.violations);
  CHECK(loaded.coverage == inserted.coverage);
  CHECK(!loaded.created.empty());
}

}  // namespace

TEST_CASE("a run with every field and hundreds of trace events reads back as inserted", "[trace_db]") {
  TempDbFile file;
  TraceDb db(file.path());
  const RunRecord original = full_run();
  const std::int64_t original_id = db.insert_run(original);
  RunRecord shrunk = full_run();
  shrunk.parent_run = original_id;
  shrunk.shrink_note = "removed 2 faults and 40 operations";
  shrunk.trace.resize(100);
  const std::int64_t shrunk_id = db.insert_run(shrunk);
  CHECK(shrunk_id != original_id);

  const auto loaded = db.load_run(original_id);
  REQUIRE(loaded);
  require_same(*loaded, original, original_id);
  const auto loaded_shrunk = db.load_run(shrunk_id);
  REQUIRE(loaded_shrunk);
  require_same(*loaded_shrunk, shrunk, shrunk_id);
  CHECK_FALSE(db.load_run(shrunk_id + 1000));

  // What users see in the sqlite3 shell.
  RawConnection raw(file.path());
  const std::string where = " FROM runs WHERE id = " + std::to_string(original_id);
  CHECK(raw.text("SELECT trace_hash" + where) == "fedcba9876543210");
  CHECK(raw.text("SELECT typeof(parent_run)" + where) == "null");
  CHECK(raw.text("SELECT created" + where).size() == 19);  // YYYY-MM-DD HH:MM:SS
  CHECK(raw.integer("SELECT count(*) FROM events WHERE run_id = " + std::to_string(original_id)) == 350);
  CHECK(raw.text("SELECT value FROM ops WHERE idx = 9 AND run_id = " + std::to_string(original_id)) == "[3,4]");
}

TEST_CASE("finished_seeds and recorded_runs tell scenario_text, build_id and swarm apart", "[trace_db]") {
  TempDbFile file;
  TraceDb db(file.path());
  const std::string quiet = "name = \"quiet\"\n";
  const std::string loud = "name = \"loud\"\n";
  for (const std::uint64_t seed : {1, 2, 3}) db.insert_run(passing_run(seed, quiet, "build-a", false));
  db.insert_run(passing_run(4, loud, "build-a", false));
  db.insert_run(passing_run(5, quiet, "build-b", false));
  db.insert_run(passing_run(6, quiet, "build-a", true));
  db.insert_run(passing_run(std::numeric_limits<std::uint64_t>::max(), quiet, "build-a", false));
  // A shrunk run is not a seed the campaign ran.
  RunRecord shrunk = passing_run(7, quiet, "build-a", false);
  shrunk.parent_run = 1;
  db.insert_run(shrunk);

  CHECK(db.finished_seeds(quiet, "build-a", false) ==
        std::set<std::uint64_t>{1, 2, 3, std::numeric_limits<std::uint64_t>::max()});
  CHECK(db.finished_seeds(loud, "build-a", false) == std::set<std::uint64_t>{4});
  CHECK(db.finished_seeds(quiet, "build-b", false) == std::set<std::uint64_t>{5});
  CHECK(db.finished_seeds(quiet, "build-a", true) == std::set<std::uint64_t>{6});
  CHECK(db.finished_seeds(loud, "build-b", true).empty());
  CHECK(db.finished_seeds("", "build-a", false).empty());

  // recorded_runs: the same runs, rows only, in insertion order.
  const auto runs = db.recorded_runs(quiet, "build-a", false);
  REQUIRE(runs.size() == 4);
  CHECK(runs[0].seed == 1);
  CHECK(runs[3].seed == std::numeric_limits<std::uint64_t>::max());
  CHECK(runs[0].id < runs[1].id);
  CHECK(runs[0].verdict == "pass");
  CHECK(runs[0].trace_hash == 0x1234 + 1);
  CHECK(runs[0].coverage.empty());
  CHECK(db.recorded_runs(loud, "build-b", true).empty());
}

TEST_CASE("a passing run keeps its coverage and has no detail rows", "[trace_db]") {
  TempDbFile file;
  TraceDb db(file.path());
  const RunRecord run = passing_run(42);
  const std::int64_t id = db.insert_run(run);
  const auto loaded = db.load_run(id);
  REQUIRE(loaded);
  require_same(*loaded, run, id);
  CHECK(loaded->trace.empty());
  CHECK(loaded->ops.empty());

  RawConnection raw(file.path());
  for (const char* table : {"events", "ops", "faults", "violations"}) {
    INFO(table);
    CHECK(raw.integer(std::string("SELECT count(*) FROM ") + table) == 0);
  }
  CHECK(raw.integer("SELECT count(*) FROM coverage") == 2);
  CHECK(raw.text("SELECT parent_run FROM runs").empty());
}

TEST_CASE("a run the schema refuses leaves nothing behind", "[trace_db]") {
  TempDbFile file;
  TraceDb db(file.path());
  RunRecord bad = full_run();
  bad.verdict = "maybe";
  CHECK_THROWS_WITH(db.insert_run(bad), Contains(file.path()) && Contains("CHECK constraint failed"));
  RunRecord orphan = full_run();
  orphan.parent_run = 999;
  CHECK_THROWS_WITH(db.insert_run(orphan), Contains("FOREIGN KEY"));

  RawConnection raw(file.path());
  for (const char* table : {"runs", "events", "ops", "faults", "violations", "coverage"}) {
    INFO(table);
    CHECK(raw.integer(std::string("SELECT count(*) FROM ") + table) == 0);
  }
  // The connection is still usable after the rollbacks.
  CHECK(db.insert_run(passing_run(1)) > 0);
}

TEST_CASE("two TraceDb objects on one file insert alternately", "[trace_db]") {
  TempDbFile file;
  TraceDb first(file.path());
  TraceDb second(file.path());
  std::vector<std::int64_t> ids;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    ids.push_back((seed % 2 == 1 ? first : second).insert_run(passing_run(seed)));
  }
  std::set<std::uint64_t> all_seeds;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) all_seeds.insert(seed);
  CHECK(first.finished_seeds("name = \"quiet\"\n", "build-a", false) == all_seeds);
  CHECK(second.finished_seeds("name = \"quiet\"\n", "build-a", false) == all_seeds);
  // Each reads what the other wrote.
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto loaded = (i % 2 == 0 ? second : first).load_run(ids[i]);
    REQUIRE(loaded);
    CHECK(loaded->seed == i + 1);
  }
}

TEST_CASE("the trace database is in WAL mode with its schema version recorded", "[trace_db]") {
  TempDbFile file;
  { TraceDb db(file.path()); }
  RawConnection raw(file.path());
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  CHECK(raw.integer("PRAGMA user_version") == runner::kTraceDbSchemaVersion);
  CHECK(raw.text("SELECT value FROM meta WHERE key = 'schema_version'") ==
        std::to_string(runner::kTraceDbSchemaVersion));
  // Opening it again keeps the data and the version.
  TraceDb again(file.path());
  CHECK(again.insert_run(passing_run(1)) == 1);
}

TEST_CASE("a file with another schema version is refused, naming both versions, and left as it was", "[trace_db]") {
  TempDbFile file;
  {
    RawConnection raw(file.path());
    raw.exec("CREATE TABLE runs(id INTEGER PRIMARY KEY); PRAGMA user_version = 99");
  }
  const std::string error = error_opening(file.path());
  CHECK_THAT(error, Contains(file.path()));
  CHECK_THAT(error, Contains("schema version 99"));
  CHECK_THAT(error, Contains("schema version " + std::to_string(runner::kTraceDbSchemaVersion)));
  CHECK_THAT(error, Contains("newer slotsim") && Contains("new file"));

  RawConnection raw(file.path());
  CHECK(raw.integer("PRAGMA user_version") == 99);
  CHECK(raw.text("PRAGMA journal_mode") == "delete");
  CHECK(raw.text("SELECT name FROM sqlite_schema WHERE name = 'ops'").empty());
}

TEST_CASE("another program's SQLite database is refused", "[trace_db]") {
  TempDbFile file;
  {
    RawConnection raw(file.path());
    raw.exec("CREATE TABLE invoices(id INTEGER PRIMARY KEY)");
  }
  const std::string error = error_opening(file.path());
  CHECK_THAT(error, Contains(file.path()) && Contains("invoices") && Contains("not a slotsim trace database"));
}

TEST_CASE("a file that is not a SQLite database is refused, naming it", "[trace_db]") {
  TempDbFile file;
  {
    std::ofstream out(file.path());
    for (int i = 0; i < 100; ++i) out << "this is a text file, not a database\n";
  }
  const std::string error = error_opening(file.path());
  CHECK_THAT(error, Contains(file.path()) && Contains("not a SQLite database"));

  CHECK_THAT(error_opening("/nonexistent-dir/trace.db"), Contains("/nonexistent-dir/trace.db"));
}

TEST_CASE("runs inserted by two forked processes at once all land", "[trace_db]") {
  TempDbFile file;  // empty: the children race to create the schema too
  constexpr int kChildren = 2;
  constexpr std::uint64_t kRunsEach = 50;
  std::vector<pid_t> children;
  for (int child = 0; child < kChildren; ++child) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // The child leaves with _exit: Catch2 and the parent's destructors are not its to run.
      int status = 0;
      try {
        TraceDb db(file.path());
        for (std::uint64_t i = 0; i < kRunsEach; ++i) {
          RunRecord run = i % 10 == 0 ? full_run() : passing_run(0);
          run.seed = static_cast<std::uint64_t>(child) * 1000 + i;
          db.insert_run(run);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", child, e.what());
        status = 1;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  RawConnection raw(file.path());
  CHECK(raw.integer("SELECT count(*) FROM runs") == kChildren * kRunsEach);
  CHECK(raw.integer("SELECT count(DISTINCT seed) FROM runs") == kChildren * kRunsEach);
  // Every tenth run of each child is a full failing run with 350 trace events.
  CHECK(raw.integer("SELECT count(*) FROM events") == kChildren * (kRunsEach / 10) * 350);
  CHECK(raw.integer("PRAGMA user_version") == runner::kTraceDbSchemaVersion);
}
