#include "store/sqlite_file.h"

namespace proof::store {

std::string SqliteStatement::blob(int column) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  return bytes ? std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
               : std::string();
}

OpenedFile open_data_file(const std::filesystem::path& dir, const std::filesystem::path& path,
                          int busy_timeout_ms) {
  OpenedFile opened;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    opened.problem = "--data-dir " + dir.string() + ": cannot create it: " + ec.message();
    return opened;
  }
  const auto failed = [&](const char* what) {
    opened.problem = std::string("--data-dir: ") + what + " " + path.string() + ": " +
                     (opened.db ? sqlite3_errmsg(opened.db) : "out of memory");
    sqlite3_close(opened.db);
    opened.db = nullptr;
    return opened;
  };
  if (sqlite3_open_v2(path.c_str(), &opened.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    return failed("cannot open");
  }
  sqlite3_busy_timeout(opened.db, busy_timeout_ms);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"}) {
    if (sqlite3_exec(opened.db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return failed("cannot write");
    }
  }
  return opened;
}

}  // namespace proof::store
