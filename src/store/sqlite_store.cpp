#include "store/sqlite_store.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>

#include "core/text.h"
#include "store/sqlite_file.h"

namespace proof::store {

namespace {

/// Prune once per this many appends: cheap, and the table stays near its bound.
constexpr std::size_t kPruneEvery = 64;

/// How long a write waits for another connection's lock before it fails.
constexpr int kBusyTimeoutMs = 2000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Finalises a prepared statement when it goes out of scope.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

std::string column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = sqlite3_column_text(stmt, column);
  return text ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace

EventStore::EventStore(const std::filesystem::path& dir, std::size_t keep,
                       std::chrono::seconds max_age)
    : path_(dir / "events.db"), keep_(keep), max_age_(max_age) {
  std::error_code ec;
  if (std::filesystem::exists(path_, ec) && std::filesystem::file_size(path_, ec) == 0 && !ec) {
    // SQLite takes an empty file for a new database: say so, since a truncated file (a
    // full disk, a bad copy) would otherwise start with no history and no word about it.
    spdlog::warn("{} is empty (0 bytes): starting with no stored history", path_.string());
  }
  OpenedFile opened = open_data_file(dir, path_, kBusyTimeoutMs);
  if (!opened.db) throw core::StoreError(opened.problem);
  db_ = opened.db;
  // Erasure means gone: deleted rows are overwritten, not left in free pages (and erase()
  // empties the log, which still holds the rows as they were).
  exec("PRAGMA secure_delete=ON");
  exec(
      "CREATE TABLE IF NOT EXISTS events ("
      " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_name TEXT NOT NULL,"
      " offer_name TEXT NOT NULL, img_path TEXT NOT NULL, city TEXT NOT NULL, url TEXT NOT NULL,"
      " channel TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',"
      " kind TEXT NOT NULL DEFAULT '')");
  // A file written before channels (or verified sources, or kinds) existed gains the
  // column; in a newer one the statement fails harmlessly with "duplicate column". A row
  // from before kinds keeps kind '' and is read by stored_kind() (core/event_kind.h).
  for (const char* column : {"channel", "source", "kind"}) {
    const std::string sql =
        std::string("ALTER TABLE events ADD COLUMN ") + column + " TEXT NOT NULL DEFAULT ''";
    sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  exec(
      "CREATE TABLE IF NOT EXISTS hourly_totals (hour INTEGER NOT NULL, channel TEXT NOT NULL,"
      " count INTEGER NOT NULL, PRIMARY KEY (hour, channel))");
  exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  // One row per UTC day (days since 1970-01-01): counts only, nothing about visitors.
  exec(
      "CREATE TABLE IF NOT EXISTS daily_stats (day INTEGER PRIMARY KEY,"
      " published INTEGER NOT NULL, shown INTEGER NOT NULL, clicks INTEGER NOT NULL,"
      " peak_pages INTEGER NOT NULL, purchases INTEGER NOT NULL DEFAULT 0)");
  // Days counted before kinds count no purchases: none were told apart then.
  sqlite3_exec(db_, "ALTER TABLE daily_stats ADD COLUMN purchases INTEGER NOT NULL DEFAULT 0",
               nullptr, nullptr, nullptr);
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO events (id, ts, user_name, offer_name, img_path, city, url,"
                         " channel, source, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &insert_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_id', ?)", -1,
                         &remember_id_, nullptr) != SQLITE_OK) {
    fail("cannot prepare statements in");
  }
  prune_locked();
}

EventStore::~EventStore() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(remember_id_);
  sqlite3_close(db_);
}

void EventStore::fail(const std::string& what) const {
  throw core::StoreError("--data-dir: " + what + " " + path_.string() + ": " +
                         (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void EventStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw core::StoreError("--data-dir: cannot write " + path_.string() + ": " + message);
  }
}

void EventStore::append(const core::Event& event) {
  std::lock_guard lock(mutex_);
  const core::Signup& s = event.signup;
  sqlite3_reset(insert_);
  sqlite3_bind_int64(insert_, 1, static_cast<sqlite3_int64>(event.id));
  sqlite3_bind_int64(insert_, 2, event.ts_ms);
  int column = 3;
  for (const std::string* field :
       {&s.user_name, &s.offer_name, &s.img_path, &s.city, &s.url, &s.channel, &s.source}) {
    sqlite3_bind_text(insert_, column++, field->data(), static_cast<int>(field->size()),
                      SQLITE_STATIC);
  }
  const std::string_view kind = core::kind_name(s.kind);
  sqlite3_bind_text(insert_, column, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
  if (sqlite3_step(insert_) != SQLITE_DONE) fail("cannot store an event in");
  if (log_holds_erased_) scrub_log_locked(false);
  if (++appends_since_prune_ < kPruneEvery) return;
  // The event is committed: a failure to prune now must not turn into "nothing was
  // stored" for the publisher (the event would be replayed after a restart despite the
  // 503). The table only grows a little until the next prune succeeds.
  try {
    prune_locked();
  } catch (const core::StoreError& e) {
    spdlog::warn("{} (will retry)", e.what());
  }
}

void EventStore::erase(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(db_, "DELETE FROM events WHERE id = ?", -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot erase from");
  sqlite3_bind_int64(q.stmt, 1, static_cast<sqlite3_int64>(id));
  if (sqlite3_step(q.stmt) != SQLITE_DONE) fail("cannot erase from");
  // secure_delete zeroed the row in the pages this DELETE wrote, but those went to the
  // write-ahead log: events.db keeps its old copy of the page, and the log the frames that
  // wrote the row, until a checkpoint. Done now, before the erase is answered.
  scrub_log_locked(true);
}

void EventStore::scrub_log_locked(bool wait) {
  if (!wait) sqlite3_busy_timeout(db_, 0);
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (!wait) sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (rc == SQLITE_OK) {
    if (log_holds_erased_) {
      spdlog::info("{}-wal: erased events are gone from it now", path_.string());
    }
    log_holds_erased_ = false;
    return;
  }
  if (!log_holds_erased_) {
    // The erase itself is done (never loaded, never replayed); only the bytes wait.
    spdlog::warn(
        "{}-wal: an erased event's text stays in it until it can be emptied: {} (another "
        "process reading events.db?); tried again at each write",
        path_.string(), sqlite3_errmsg(db_));
  }
  log_holds_erased_ = true;
}

void EventStore::add_hour(std::int64_t hour, const std::string& channel, int delta) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(db_,
                     "INSERT INTO hourly_totals (hour, channel, count) VALUES (?1, ?2, max(?3, 0))"
                     " ON CONFLICT (hour, channel) DO UPDATE SET count = max(count + ?3, 0)",
                     -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot count in");
  sqlite3_bind_int64(q.stmt, 1, hour);
  sqlite3_bind_text(q.stmt, 2, channel.data(), static_cast<int>(channel.size()), SQLITE_STATIC);
  sqlite3_bind_int(q.stmt, 3, delta);
  if (sqlite3_step(q.stmt) != SQLITE_DONE) fail("cannot count in");
}

std::vector<core::HourlyStore::Row> EventStore::load_hours(std::int64_t first_hour) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(db_, "SELECT hour, channel, count FROM hourly_totals WHERE hour >= ?", -1,
                     &q.stmt, nullptr);
  if (!q.stmt) fail("cannot read the hourly totals in");
  sqlite3_bind_int64(q.stmt, 1, first_hour);
  std::vector<Row> rows;
  while (sqlite3_step(q.stmt) == SQLITE_ROW) {
    rows.push_back({sqlite3_column_int64(q.stmt, 0), column_text(q.stmt, 1),
                    static_cast<std::uint64_t>(sqlite3_column_int64(q.stmt, 2))});
  }
  return rows;
}

void EventStore::drop_hours_before(std::int64_t first_hour) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(db_, "DELETE FROM hourly_totals WHERE hour < ?", -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot prune the hourly totals in");
  sqlite3_bind_int64(q.stmt, 1, first_hour);
  if (sqlite3_step(q.stmt) != SQLITE_DONE) fail("cannot prune the hourly totals in");
}

std::vector<core::EventPtr> EventStore::load(std::size_t n) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(
      db_,
      "SELECT id, ts, user_name, offer_name, img_path, city, url, channel, source, kind FROM"
      " (SELECT * FROM events WHERE ts >= ? ORDER BY id DESC LIMIT ?) ORDER BY id",
      -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot read");
  sqlite3_bind_int64(q.stmt, 1, now_ms() - max_age_.count() * 1000);
  sqlite3_bind_int64(q.stmt, 2, static_cast<sqlite3_int64>(n));
  std::vector<core::EventPtr> events;
  while (sqlite3_step(q.stmt) == SQLITE_ROW) {
    core::Signup s{column_text(q.stmt, 2), column_text(q.stmt, 3), column_text(q.stmt, 4),
                   column_text(q.stmt, 5), column_text(q.stmt, 6), column_text(q.stmt, 7),
                   column_text(q.stmt, 8)};
    s.kind = core::stored_kind(column_text(q.stmt, 9), s.source);
    // Every stored row passed validation; one that no longer does comes from a damaged
    // file. Serving the rest beats refusing to start (and crash-looping under systemd).
    bool damaged = false;
    for (const std::string* field : {&s.user_name, &s.offer_name, &s.img_path, &s.city, &s.url}) {
      damaged = damaged || !core::text::is_valid_utf8(*field);
    }
    if (damaged) {
      spdlog::warn("{}: skipped stored event {}: its text is not valid UTF-8 (a damaged file?)",
                   path_.string(), sqlite3_column_int64(q.stmt, 0));
      continue;
    }
    events.push_back(core::make_event(static_cast<std::uint64_t>(sqlite3_column_int64(q.stmt, 0)),
                                      sqlite3_column_int64(q.stmt, 1), std::move(s)));
  }
  return events;
}

std::uint64_t EventStore::last_id() {
  std::lock_guard lock(mutex_);
  return last_id_locked();
}

std::uint64_t EventStore::last_id_locked() {
  Statement q;
  sqlite3_prepare_v2(db_,
                     "SELECT max(coalesce((SELECT max(id) FROM events), 0),"
                     " coalesce((SELECT value FROM meta WHERE key = 'last_id'), 0))",
                     -1, &q.stmt, nullptr);
  if (!q.stmt || sqlite3_step(q.stmt) != SQLITE_ROW) fail("cannot read");
  return static_cast<std::uint64_t>(sqlite3_column_int64(q.stmt, 0));
}

void EventStore::prune() {
  std::lock_guard lock(mutex_);
  prune_locked();
}

void EventStore::prune_locked() {
  appends_since_prune_ = 0;
  // Remember the newest id before its row may go, so ids never step back after a restart.
  const std::uint64_t newest = last_id_locked();
  sqlite3_reset(remember_id_);
  sqlite3_bind_int64(remember_id_, 1, static_cast<sqlite3_int64>(newest));
  if (sqlite3_step(remember_id_) != SQLITE_DONE) fail("cannot write");
  Statement q;
  sqlite3_prepare_v2(db_,
                     "DELETE FROM events WHERE ts < ? OR id <= coalesce("
                     "(SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?), 0)",
                     -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot prune");
  sqlite3_bind_int64(q.stmt, 1, now_ms() - max_age_.count() * 1000);
  sqlite3_bind_int64(q.stmt, 2, static_cast<sqlite3_int64>(keep_));
  if (sqlite3_step(q.stmt) != SQLITE_DONE) fail("cannot prune");
}

void EventStore::save_day(std::int64_t day, const core::DayCounts& counts) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(db_,
                     "INSERT OR REPLACE INTO daily_stats (day, published, shown, clicks,"
                     " peak_pages, purchases) VALUES (?, ?, ?, ?, ?, ?)",
                     -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot write the daily counts in");
  sqlite3_bind_int64(q.stmt, 1, day);
  int column = 2;
  for (const std::uint64_t n :
       {counts.published, counts.shown, counts.clicks, counts.peak_pages, counts.purchases}) {
    sqlite3_bind_int64(q.stmt, column++, static_cast<sqlite3_int64>(n));
  }
  if (sqlite3_step(q.stmt) != SQLITE_DONE) fail("cannot write the daily counts in");
}

std::vector<core::DayRecord> EventStore::load_days(std::int64_t first_day) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(db_,
                     "SELECT day, published, shown, clicks, peak_pages, purchases FROM daily_stats"
                     " WHERE day >= ? ORDER BY day",
                     -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot read the daily counts in");
  sqlite3_bind_int64(q.stmt, 1, first_day);
  std::vector<core::DayRecord> days;
  const auto count = [&q](int column) {
    // A negative count can only come from a damaged file: read it as none.
    return static_cast<std::uint64_t>(
        std::max<sqlite3_int64>(0, sqlite3_column_int64(q.stmt, column)));
  };
  while (sqlite3_step(q.stmt) == SQLITE_ROW) {
    days.push_back(
        {sqlite3_column_int64(q.stmt, 0), {count(1), count(2), count(3), count(4), count(5)}});
  }
  return days;
}

void EventStore::drop_days_before(std::int64_t first_day) {
  std::lock_guard lock(mutex_);
  Statement q;
  sqlite3_prepare_v2(db_, "DELETE FROM daily_stats WHERE day < ?", -1, &q.stmt, nullptr);
  if (!q.stmt) fail("cannot prune the daily counts in");
  sqlite3_bind_int64(q.stmt, 1, first_day);
  if (sqlite3_step(q.stmt) != SQLITE_DONE) fail("cannot prune the daily counts in");
}

}  // namespace proof::store
