// Durable history in SQLite under --data-dir: every accepted event is written before its
// 202 answer, so a crash (even kill -9) loses nothing that was acknowledged, and the id
// sequence continues above the stored ids after a restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "core/daily_stats.h"
#include "core/event_log.h"
#include "core/history_store.h"
#include "core/hourly_totals.h"

struct sqlite3;
struct sqlite3_stmt;

namespace proof::store {

/// The history (serialised by the Hub under its write lock) and the daily counts (written
/// by DailyStats from request threads) share one connection, guarded by one mutex.
class EventStore : public core::HistoryStore, public core::StatsStore, public core::HourlyStore {
 public:
  /// Opens or creates `dir`/events.db. `keep` events at most are kept, none older than
  /// `max_age`. Throws StoreError when the directory cannot be created or written.
  EventStore(const std::filesystem::path& dir, std::size_t keep, std::chrono::seconds max_age);
  ~EventStore() override;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  /// Writes `event` durably (WAL, survives a process crash). Throws StoreError.
  void append(const core::Event& event) override;

  /// The newest `n` events within the retention, oldest first.
  std::vector<core::EventPtr> load(std::size_t n) override;

  /// Deletes the event with `id` (erasure: it is never loaded again) and, before it
  /// returns, leaves its text in no file: the row is overwritten (secure_delete) and the
  /// write-ahead log checkpointed into events.db and emptied. Throws StoreError.
  void erase(std::uint64_t id) override;

  /// The highest id ever stored (0 for a new store), kept even after its event is pruned.
  std::uint64_t last_id() override;

  /// Drops what retention no longer allows.
  void prune();

  /// HourlyStore: events per hour and channel (and purchases, under "+" keys), for /summary.
  void add_hour(std::int64_t hour, const std::string& channel, int delta) override;
  std::vector<Row> load_hours(std::int64_t first_hour) override;
  void drop_hours_before(std::int64_t first_hour) override;

  /// StatsStore: the daily counts, in their own table of the same file.
  void save_day(std::int64_t day, const core::DayCounts& counts) override;
  std::vector<core::DayRecord> load_days(std::int64_t first_day) override;
  void drop_days_before(std::int64_t first_day) override;

 private:
  std::uint64_t last_id_locked();
  void prune_locked();
  /// Copies the write-ahead log into events.db and truncates it to nothing; `wait` for
  /// readers (another process with the file open) as long as the busy timeout allows.
  void scrub_log_locked(bool wait);
  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& what) const;

  std::filesystem::path path_;
  std::size_t keep_;
  std::chrono::seconds max_age_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* remember_id_ = nullptr;
  std::size_t appends_since_prune_ = 0;
  /// An erase's checkpoint could not finish (another reader): erased text may still be in
  /// events.db-wal, so every later write tries again.
  bool log_holds_erased_ = false;
  std::mutex mutex_;  ///< guards db_ and the statements
};

}  // namespace proof::store
