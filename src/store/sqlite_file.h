// What proof's SQLite files in --data-dir share: how each is opened (the folder made, WAL,
// synchronous=NORMAL, a busy timeout) and a prepared statement that finalises itself. Each
// store keeps its schema, its own error type and the timeout its callers can wait.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace proof::store {

/// A prepared statement, finalised when it goes out of scope; false when it did not
/// prepare (the store then reports sqlite3_errmsg).
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql) {
    sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  explicit operator bool() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  void bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind_blob(int i, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }
  void bind(int i, std::int64_t n) { sqlite3_bind_int64(stmt_, i, n); }
  void bind(int i, std::uint64_t n) { sqlite3_bind_int64(stmt_, i, static_cast<sqlite3_int64>(n)); }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }

  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string blob(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

/// An opened file, or why it could not be opened: `problem` is the message for the store's
/// error ("--data-dir: cannot open PATH: ..."), and then `db` is null.
struct OpenedFile {
  sqlite3* db = nullptr;
  std::string problem;
};

/// Creates `dir` and opens `path` in it, creating the file. WAL with synchronous=NORMAL: a
/// commit is in the log before sqlite3_step returns, so a killed process loses nothing;
/// only a power cut can lose the last commits. A write waits `busy_timeout_ms` for another
/// connection's lock before it fails.
OpenedFile open_data_file(const std::filesystem::path& dir, const std::filesystem::path& path,
                          int busy_timeout_ms);

}  // namespace proof::store
