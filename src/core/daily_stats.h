// Daily tallies for the owner's "does it work?" question: per UTC day, events published
// (and of those, purchases), cards shown, clicks on cards, and the most pages open at once.
// Nothing about who: no address, no visitor id, only five numbers a day. The clock is a
// parameter, so day boundaries and retention are tested without waiting for midnight.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/event_kind.h"
#include "core/utc.h"

namespace proof::core {

/// The five numbers of one day.
struct DayCounts {
  std::uint64_t published = 0;  ///< every event accepted, of either kind
  std::uint64_t shown = 0;
  std::uint64_t clicks = 0;
  std::uint64_t peak_pages = 0;
  std::uint64_t purchases = 0;  ///< of `published`, the purchases (last: kept apart from the
                                ///< four numbers there were before kinds)

  bool operator==(const DayCounts&) const = default;
};

/// One day's counts; `day` counts days since 1970-01-01 (UTC).
struct DayRecord {
  std::int64_t day = 0;
  DayCounts counts;
};

/// Where the tallies outlive the process (--data-dir). Implemented in store/, so the core
/// does not depend on SQLite. Calls are serialised by DailyStats; failures throw
/// std::exception and lose nothing in memory (the day is saved again on its next change).
class StatsStore {
 public:
  virtual ~StatsStore() = default;
  /// Writes `counts` as the whole of `day` (replacing what was stored for it).
  virtual void save_day(std::int64_t day, const DayCounts& counts) = 0;
  /// Every stored day from `first_day` on, in any order.
  virtual std::vector<DayRecord> load_days(std::int64_t first_day) = 0;
  /// Forgets the days before `first_day`.
  virtual void drop_days_before(std::int64_t first_day) = 0;
};

/// "2026-11-28" for a day number.
std::string iso_date(std::int64_t day);

/// Thread-safe: request workers and the event loop count at the same time.
class DailyStats {
 public:
  using Clock = std::chrono::system_clock;

  /// Days kept, today included; older days are forgotten, in memory and in the store.
  static constexpr std::size_t kKeepDays = 400;

  /// With a store, loads the days it holds within the retention (and drops older ones);
  /// throws what the store throws, so a broken --data-dir stops the start.
  explicit DailyStats(StatsStore* store = nullptr, Clock::time_point now = Clock::now());
  DailyStats(const DailyStats&) = delete;
  DailyStats& operator=(const DailyStats&) = delete;

  /// An event of `kind` was accepted: published, and purchases for a purchase.
  void count_published(EventKind kind, Clock::time_point now);
  /// An event of `kind` accepted at `accepted` was erased: its day counts one fewer (never
  /// below 0).
  void uncount_published(EventKind kind, Clock::time_point accepted);
  void count_shown(Clock::time_point now);
  void count_click(Clock::time_point now);

  /// `open` pages (streams) are open now: raises the day's peak if it is higher.
  void observe_pages(std::size_t open, Clock::time_point now);

  /// The `n` days ending with today (at most kKeepDays), oldest first, one entry per day,
  /// days without counts as zeros.
  std::vector<DayRecord> days(std::size_t n, Clock::time_point now) const;

 private:
  /// Applies `change` to the counts of `now`'s day; saves the day when `change` says so.
  template <typename Change>
  void update(Clock::time_point now, Change change);
  void forget_old(std::int64_t today);
  void persist();

  StatsStore* store_;
  mutable std::mutex mutex_;  ///< guards days_, dirty_, first_kept_, drop_pending_
  std::map<std::int64_t, DayCounts> days_;
  std::set<std::int64_t> dirty_;  ///< days changed since they were last saved
  std::int64_t first_kept_ = 0;   ///< the oldest day within the retention
  bool drop_pending_ = false;     ///< the store still holds days before first_kept_
  std::mutex writer_mutex_;       ///< held by the one thread writing to the store
};

}  // namespace proof::core
