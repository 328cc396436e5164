#include "runner/sqlite_statement.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace slotsim::runner {

Statement::Statement(sqlite3* db, const std::string& path, std::string_view sql) : db_(db), path_(path), sql_(sql) {
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    fail(db_, path_, "preparing " + quote_sql(sql_));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty string must stay ''.
  const char* data = text.data() != nullptr ? text.data() : "";
  check_bind(sqlite3_bind_text(stmt_, index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Statement::step() {
  const StepResult result = step_unless_busy();
  if (result == StepResult::busy) fail(db_, path_, "running " + quote_sql(sql_));
  return result == StepResult::row;
}

Statement::StepResult Statement::step_unless_busy() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return StepResult::row;
  if (rc == SQLITE_DONE) return StepResult::done;
  if ((rc & 0xff) == SQLITE_BUSY) {
    sqlite3_reset(stmt_);
    return StepResult::busy;
  }
  fail(db_, path_, "running " + quote_sql(sql_));
}

void Statement::run_and_reset() {
  while (step()) {
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

void Statement::check_bind(int rc) {
  if (rc != SQLITE_OK) fail(db_, path_, "binding a parameter of " + quote_sql(sql_));
}

Transaction::Transaction(sqlite3* db, const std::string& path, const char* begin) : db_(db), path_(path) {
  execute(db_, path_, begin);
}

Transaction::~Transaction() {
  // A failed statement may already have ended the transaction.
  if (!committed_ && sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  execute(db_, path_, "COMMIT");
  committed_ = true;
}


[[noreturn]] void fail(sqlite3* db, const std::string& path, std::string_view doing) {
  if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_NOTADB) {
    throw TraceDbError(fmt::format("trace database {} is not a SQLite database ({}): give a file that slotsim "
                                   "wrote, or a new one",
                                   path, sqlite3_errmsg(db)));
  }
  throw TraceDbError(fmt::format("trace database {}: {}: {}", path, doing, sqlite3_errmsg(db)));
}

std::string quote_sql(std::string_view sql) {
  constexpr std::size_t kShown = 72;
  std::string line;
  for (const char c : sql) {
    const bool space = c == ' ' || c == '\n';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line += space ? ' ' : c;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (line.size() > kShown) line = line.substr(0, kShown) + "...";
  return "\"" + line + "\"";
}

void execute(sqlite3* db, const std::string& path, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return;
  // sqlite3_exec's own message can be more precise than errmsg; either way free it.
  std::string text = message != nullptr ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  throw TraceDbError(fmt::format("trace database {}: running {}: {}", path, quote_sql(sql), text));
}

}  // namespace slotsim::runner
