#include "store/sqlite_key_store.h"

#include <sqlite3.h>

#include "store/sqlite_file.h"

namespace proof::store {

namespace {

std::int64_t ms(core::KeyStore::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

SqliteKeyStore::SqliteKeyStore(const std::filesystem::path& dir, std::size_t max_keys)
    : path_(dir / "deliveries.db"), max_keys_(max_keys) {
  // A locked database must not hold a request past the platforms' deadline (5 s).
  OpenedFile opened = open_data_file(dir, path_, 1000);
  if (!opened.db) throw core::KeyStoreError(opened.problem);
  db_ = opened.db;
  exec(
      "CREATE TABLE IF NOT EXISTS delivery_keys (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
      " expires INTEGER NOT NULL)");
  exec("CREATE INDEX IF NOT EXISTS delivery_keys_expires ON delivery_keys (expires)");
  std::lock_guard lock(mutex_);
  SqliteStatement count(db_, "SELECT count(*) FROM delivery_keys");
  if (!count || sqlite3_step(count.get()) != SQLITE_ROW) fail("cannot read");
  rows_ = static_cast<std::size_t>(sqlite3_column_int64(count.get(), 0));
}

SqliteKeyStore::~SqliteKeyStore() {
  sqlite3_close(db_);
}

void SqliteKeyStore::fail(const char* what) const {
  throw core::KeyStoreError(std::string("--data-dir: ") + what + " " + path_.string() + ": " +
                            (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void SqliteKeyStore::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail("cannot write");
}

std::optional<std::string> SqliteKeyStore::get_locked(const std::string& key, std::int64_t now_ms) {
  SqliteStatement q(db_, "SELECT value FROM delivery_keys WHERE key = ? AND expires > ?");
  if (!q) fail("cannot read");
  q.bind(1, key);
  q.bind(2, now_ms);
  const int rc = sqlite3_step(q.get());
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) fail("cannot read");
  const auto* text = sqlite3_column_text(q.get(), 0);
  return std::string(text ? reinterpret_cast<const char*>(text) : "");
}

void SqliteKeyStore::set_locked(std::span<const std::string> keys, std::string_view value,
                                std::int64_t until_ms) {
  for (const auto& key : keys) {
    SqliteStatement q(
        db_, "INSERT OR REPLACE INTO delivery_keys (key, value, expires) VALUES (?, ?, ?)");
    if (!q) fail("cannot write");
    q.bind(1, key);
    q.bind(2, value);
    q.bind(3, until_ms);
    if (sqlite3_step(q.get()) != SQLITE_DONE) fail("cannot write");
    // A replaced row is counted again: the count is an upper bound, made exact at pruning.
    ++rows_;
  }
}

void SqliteKeyStore::make_room_locked(std::int64_t now_ms, std::size_t incoming) {
  if (rows_ + incoming <= max_keys_) return;
  SqliteStatement expired(db_, "DELETE FROM delivery_keys WHERE expires <= ?");
  if (!expired) fail("cannot prune");
  expired.bind(1, now_ms);
  if (sqlite3_step(expired.get()) != SQLITE_DONE) fail("cannot prune");
  SqliteStatement count(db_, "SELECT count(*) FROM delivery_keys");
  if (!count || sqlite3_step(count.get()) != SQLITE_ROW) fail("cannot read");
  rows_ = static_cast<std::size_t>(sqlite3_column_int64(count.get(), 0));
  if (rows_ + incoming <= max_keys_) return;
  const std::size_t excess = rows_ + incoming - max_keys_;
  SqliteStatement oldest(db_,
                         "DELETE FROM delivery_keys WHERE key IN"
                         " (SELECT key FROM delivery_keys ORDER BY expires LIMIT ?)");
  if (!oldest) fail("cannot prune");
  oldest.bind(1, static_cast<std::int64_t>(excess));
  if (sqlite3_step(oldest.get()) != SQLITE_DONE) fail("cannot prune");
  const auto dropped = static_cast<std::size_t>(sqlite3_changes(db_));
  rows_ -= dropped;
  evicted_ += dropped;
}

std::optional<std::string> SqliteKeyStore::claim(std::span<const std::string> keys,
                                                 std::string_view value, std::chrono::seconds ttl,
                                                 Clock::time_point now) {
  std::lock_guard lock(mutex_);
  // One transaction: another process on the same file (a second instance by mistake)
  // sees all of the claim or none of it.
  exec("BEGIN IMMEDIATE");
  try {
    for (const auto& key : keys) {
      if (auto held = get_locked(key, ms(now))) {
        exec("COMMIT");
        return held;
      }
    }
    make_room_locked(ms(now), keys.size());
    set_locked(keys, value, ms(now + ttl));
    exec("COMMIT");
  } catch (const core::KeyStoreError&) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return std::nullopt;
}

void SqliteKeyStore::put(std::span<const std::string> keys, std::string_view value,
                         std::chrono::seconds ttl, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  exec("BEGIN IMMEDIATE");
  try {
    make_room_locked(ms(now), keys.size());
    set_locked(keys, value, ms(now + ttl));
    exec("COMMIT");
  } catch (const core::KeyStoreError&) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<std::string> SqliteKeyStore::get(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return get_locked(key, ms(now));
}

void SqliteKeyStore::forget(std::span<const std::string> keys) {
  std::lock_guard lock(mutex_);
  for (const auto& key : keys) {
    SqliteStatement q(db_, "DELETE FROM delivery_keys WHERE key = ?");
    if (!q) fail("cannot write");
    q.bind(1, key);
    if (sqlite3_step(q.get()) != SQLITE_DONE) fail("cannot write");
  }
}

std::size_t SqliteKeyStore::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

}  // namespace proof::store
