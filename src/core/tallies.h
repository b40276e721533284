// The counts behind /summary and /stats, wherever they live: in this process (and in
// --data-dir), or in Redis, summed over every instance that shares it (--redis). Endpoints
// count and read through this interface and do not know which.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/daily_stats.h"
#include "core/event_kind.h"
#include "core/hourly_totals.h"

namespace proof::core {

class Tallies {
 public:
  using Clock = std::chrono::system_clock;
  virtual ~Tallies() = default;

  /// An event of `kind` was accepted (on `channel`, or none).
  virtual void count_published(const std::string& channel, EventKind kind,
                               Clock::time_point now) = 0;
  /// An event of `kind` accepted at `accepted` was erased (or taken back): it no longer
  /// counts in its hour and day. Never below zero.
  virtual void uncount_published(const std::string& channel, EventKind kind,
                                 Clock::time_point accepted) = 0;
  /// A card was shown / clicked on a page (a beacon that passed every check).
  virtual void count_shown(Clock::time_point now) = 0;
  virtual void count_click(Clock::time_point now) = 0;
  /// `open` pages are open on this instance now (for the day's peak).
  virtual void observe_pages(std::size_t open, Clock::time_point now) = 0;

  /// Events of `kind` (nullopt: every kind) accepted in the last `hours` hours, on
  /// `channel` alone when it is not empty. Throws Unavailable (core/unavailable.h) when the
  /// counts cannot be read now (Redis away).
  virtual std::uint64_t accepted(int hours, const std::string& channel, KindFilter kind,
                                 Clock::time_point now) = 0;
  /// The `n` days ending today, oldest first, empty days as zeros. Throws as accepted().
  virtual std::vector<DayRecord> days(std::size_t n, Clock::time_point now) = 0;
};

/// One instance's own counts: memory, and --data-dir when the tallies were given a store.
class LocalTallies final : public Tallies {
 public:
  LocalTallies(DailyStats& daily, HourlyTotals& hourly) : daily_(daily), hourly_(hourly) {}

  void count_published(const std::string& channel, EventKind kind, Clock::time_point now) override {
    daily_.count_published(kind, now);
    hourly_.add(channel, kind, now);
  }
  void uncount_published(const std::string& channel, EventKind kind,
                         Clock::time_point accepted) override {
    daily_.uncount_published(kind, accepted);
    hourly_.remove(channel, kind, accepted);
  }
  void count_shown(Clock::time_point now) override { daily_.count_shown(now); }
  void count_click(Clock::time_point now) override { daily_.count_click(now); }
  void observe_pages(std::size_t open, Clock::time_point now) override {
    daily_.observe_pages(open, now);
  }
  std::uint64_t accepted(int hours, const std::string& channel, KindFilter kind,
                         Clock::time_point now) override {
    return hourly_.count(hours, channel, kind, now);
  }
  std::vector<DayRecord> days(std::size_t n, Clock::time_point now) override {
    return daily_.days(n, now);
  }

 private:
  DailyStats& daily_;
  HourlyTotals& hourly_;
};

}  // namespace proof::core
