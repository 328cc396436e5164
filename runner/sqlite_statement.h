// The SQLite plumbing the trace database and the reports share: a prepared
// statement and a transaction that clean up on every path, and errors that
// name the file and what was being done (TraceDbError).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runner/trace_db.h"

struct sqlite3_stmt;

namespace slotsim::runner {

// One prepared statement, finalized on every path (exceptions included).
class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters count from 1, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_null(int index);

  // True when a row is ready, false when the statement is done.
  bool step();
  // For the few statements SQLite does not retry through the busy handler:
  // reports "busy" (and resets, ready to step again) instead of throwing.
  enum class StepResult { row, done, busy };
  StepResult step_unless_busy();
  // For statements that return no rows and are run again with new bindings.
  void run_and_reset();

  std::int64_t integer(int column) const;
  bool is_null(int column) const;
  std::string text(int column) const;  // by length: text holding NUL bytes comes back whole

 private:
  void check_bind(int rc);

  sqlite3* db_;
  const std::string& path_;
  std::string sql_;  // for error messages
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN ... COMMIT, rolled back when left by an exception.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path, const char* begin);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  const std::string& path_;
  bool committed_ = false;
};

// Throws TraceDbError naming the file, what was being done and SQLite's message.
[[noreturn]] void fail(sqlite3* db, const std::string& path, std::string_view doing);
// A statement as an error message shows it: one line, cut short.
std::string quote_sql(std::string_view sql);
// Runs SQL that returns no rows; throws TraceDbError on failure.
void execute(sqlite3* db, const std::string& path, const char* sql);

}  // namespace slotsim::runner
