#include "store/sqlite_experiment_store.h"

#include <sqlite3.h>

#include "store/sqlite_file.h"

#include <string>
#include <utility>

namespace proof::store {

namespace {

std::int64_t epoch_ms(core::Experiment::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

core::Experiment::Clock::time_point from_epoch_ms(std::int64_t n) {
  return core::Experiment::Clock::time_point(
      std::chrono::duration_cast<core::Experiment::Clock::duration>(std::chrono::milliseconds(n)));
}

/// A count, where a negative one can only come from a damaged file: read as none.
std::uint64_t count(const SqliteStatement& q, int column) {
  const std::int64_t n = q.integer(column);
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

/// Binds the four counts of two arms from column `first` on.
void bind_arms(SqliteStatement& q, int first, core::ArmCounts shown, core::ArmCounts holdout) {
  q.bind(first, shown.visitors);
  q.bind(first + 1, shown.conversions);
  q.bind(first + 2, holdout.visitors);
  q.bind(first + 3, holdout.conversions);
}

}  // namespace

SqliteExperimentStore::SqliteExperimentStore(const std::filesystem::path& dir)
    : path_(dir / "experiment.db") {
  OpenedFile opened = open_data_file(dir, path_, 1000);
  if (!opened.db) throw core::ExperimentError(opened.problem);
  db_ = opened.db;
  // A deleted salt or visitor key is overwritten in the file, not left in a free page.
  exec("PRAGMA secure_delete=ON");
  // role 'current': the running experiment (its secret; its counts are experiment_days);
  // role 'previous': the last finished one, with its final totals and when it ended.
  exec(
      "CREATE TABLE IF NOT EXISTS experiments (role TEXT PRIMARY KEY"
      " CHECK (role IN ('current', 'previous')), secret BLOB, holdout_percent INTEGER NOT NULL,"
      " started INTEGER NOT NULL, ended INTEGER, shown_visitors INTEGER NOT NULL DEFAULT 0,"
      " shown_conversions INTEGER NOT NULL DEFAULT 0, holdout_visitors INTEGER NOT NULL"
      " DEFAULT 0, holdout_conversions INTEGER NOT NULL DEFAULT 0)");
  // The running experiment's counts per UTC day (days since 1970-01-01): counts only.
  exec(
      "CREATE TABLE IF NOT EXISTS experiment_days (day INTEGER PRIMARY KEY,"
      " shown_visitors INTEGER NOT NULL, shown_conversions INTEGER NOT NULL,"
      " holdout_visitors INTEGER NOT NULL, holdout_conversions INTEGER NOT NULL)");
  // The current day's salt (one row at most) and the visitor keys counted under it:
  // deleted when the day ends.
  exec(
      "CREATE TABLE IF NOT EXISTS visitor_day (one INTEGER PRIMARY KEY CHECK (one = 1),"
      " day INTEGER NOT NULL, salt BLOB NOT NULL)");
  exec(
      "CREATE TABLE IF NOT EXISTS visitors_today (key INTEGER PRIMARY KEY,"
      " converted INTEGER NOT NULL)");
}

SqliteExperimentStore::~SqliteExperimentStore() {
  sqlite3_close(db_);
}

void SqliteExperimentStore::fail(const char* what) const {
  throw core::ExperimentError(std::string("--data-dir: ") + what + " " + path_.string() + ": " +
                              (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void SqliteExperimentStore::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail("cannot write");
}

template <class Work>
void SqliteExperimentStore::transaction(Work work) {
  exec("BEGIN IMMEDIATE");
  try {
    work();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SqliteExperimentStore::truncate_log() {
  if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) !=
      SQLITE_OK) {
    fail("cannot checkpoint");
  }
}

core::ExperimentStore::Stored SqliteExperimentStore::load() {
  Stored stored;
  {
    SqliteStatement q(db_,
                      "SELECT role, secret, holdout_percent, started, ended, shown_visitors,"
                      " shown_conversions, holdout_visitors, holdout_conversions FROM experiments");
    if (!q) fail("cannot read");
    while (sqlite3_step(q.get()) == SQLITE_ROW) {
      const std::string role = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0));
      const int percent = static_cast<int>(q.integer(2));
      if (role == "current") {
        stored.current = core::ExperimentState{q.blob(1), percent, from_epoch_ms(q.integer(3)), {}};
      } else {
        stored.previous = core::ExperimentSummary{percent,
                                                  from_epoch_ms(q.integer(3)),
                                                  from_epoch_ms(q.integer(4)),
                                                  {count(q, 5), count(q, 6)},
                                                  {count(q, 7), count(q, 8)}};
      }
    }
  }
  if (stored.current) {
    SqliteStatement q(db_,
                      "SELECT day, shown_visitors, shown_conversions, holdout_visitors,"
                      " holdout_conversions FROM experiment_days");
    if (!q) fail("cannot read");
    while (sqlite3_step(q.get()) == SQLITE_ROW) {
      stored.current->days[q.integer(0)] = {{count(q, 1), count(q, 2)}, {count(q, 3), count(q, 4)}};
    }
  }
  SqliteStatement day(db_, "SELECT day, salt FROM visitor_day");
  if (!day) fail("cannot read");
  if (sqlite3_step(day.get()) == SQLITE_ROW) {
    stored.visitors = core::VisitorDay{day.integer(0), day.blob(1), {}};
    SqliteStatement keys(db_, "SELECT key, converted FROM visitors_today");
    if (!keys) fail("cannot read");
    while (sqlite3_step(keys.get()) == SQLITE_ROW) {
      stored.visitors->converted[static_cast<std::uint64_t>(keys.integer(0))] =
          keys.integer(1) != 0;
    }
  }
  return stored;
}

void SqliteExperimentStore::forget_visitors() {
  exec("DELETE FROM visitors_today");
  exec("DELETE FROM visitor_day");
}

void SqliteExperimentStore::replace(const std::optional<core::ExperimentState>& current,
                                    const std::optional<core::ExperimentSummary>& previous) {
  transaction([&] {
    exec("DELETE FROM experiments WHERE role = 'current'");
    exec("DELETE FROM experiment_days");
    forget_visitors();
    if (current) {
      SqliteStatement q(db_,
                        "INSERT INTO experiments (role, secret, holdout_percent, started)"
                        " VALUES ('current', ?, ?, ?)");
      if (!q) fail("cannot write");
      q.bind_blob(1, current->secret);
      q.bind(2, std::int64_t{current->holdout_percent});
      q.bind(3, epoch_ms(current->started));
      if (sqlite3_step(q.get()) != SQLITE_DONE) fail("cannot write");
      for (const auto& [day, counts] : current->days) save_day(day, counts);
    }
    if (previous) {
      SqliteStatement q(
          db_,
          "INSERT OR REPLACE INTO experiments (role, secret, holdout_percent, started, ended,"
          " shown_visitors, shown_conversions, holdout_visitors, holdout_conversions)"
          " VALUES ('previous', NULL, ?, ?, ?, ?, ?, ?, ?)");
      if (!q) fail("cannot write");
      q.bind(1, std::int64_t{previous->holdout_percent});
      q.bind(2, epoch_ms(previous->started));
      if (previous->ended) {
        q.bind(3, epoch_ms(*previous->ended));
      } else {
        q.bind_null(3);
      }
      bind_arms(q, 4, previous->shown, previous->holdout);
      if (sqlite3_step(q.get()) != SQLITE_DONE) fail("cannot write");
    }
  });
  truncate_log();
}

void SqliteExperimentStore::begin_day(std::int64_t day, const std::optional<std::string>& salt) {
  transaction([&] {
    forget_visitors();
    if (!salt) return;
    SqliteStatement q(db_, "INSERT INTO visitor_day (one, day, salt) VALUES (1, ?, ?)");
    if (!q) fail("cannot write");
    q.bind(1, day);
    q.bind_blob(2, *salt);
    if (sqlite3_step(q.get()) != SQLITE_DONE) fail("cannot write");
  });
  truncate_log();
}

void SqliteExperimentStore::save_day(std::int64_t day, const core::DayArms& counts) {
  SqliteStatement q(
      db_,
      "INSERT OR REPLACE INTO experiment_days (day, shown_visitors, shown_conversions,"
      " holdout_visitors, holdout_conversions) VALUES (?, ?, ?, ?, ?)");
  if (!q) fail("cannot write");
  q.bind(1, day);
  bind_arms(q, 2, counts.shown, counts.holdout);
  if (sqlite3_step(q.get()) != SQLITE_DONE) fail("cannot write");
}

void SqliteExperimentStore::record(std::uint64_t key, bool converted, std::int64_t day,
                                   const core::DayArms& counts) {
  transaction([&] {
    SqliteStatement visitor(db_,
                            "INSERT OR REPLACE INTO visitors_today (key, converted) VALUES (?, ?)");
    if (!visitor) fail("cannot write");
    visitor.bind(1, key);
    visitor.bind(2, std::int64_t{converted ? 1 : 0});
    if (sqlite3_step(visitor.get()) != SQLITE_DONE) fail("cannot write");
    save_day(day, counts);
  });
}

}  // namespace proof::store
