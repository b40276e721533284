// daily_stats.h: the per-day tallies behind GET /stats (purchases among them), their day
// boundaries (UTC), the 400-day retention, concurrent counting, and their life across a
// restart in SQLite.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "core/daily_stats.h"
#include "store/sqlite_store.h"
#include "temp_dir.h"

using namespace std::chrono_literals;
using proof::core::DailyStats;
using proof::core::DayCounts;
using proof::core::DayRecord;

namespace {

using StatsClock = proof::core::DailyStats::Clock;

/// 2026-11-28 at `hh:mm:ss` UTC.
StatsClock::time_point nov28(std::chrono::seconds time_of_day = 12h) {
  using namespace std::chrono;
  return sys_days{year{2026} / November / 28} + time_of_day;
}

std::vector<std::string> dates(const std::vector<DayRecord>& days) {
  std::vector<std::string> out;
  out.reserve(days.size());
  for (const auto& d : days) out.push_back(proof::core::iso_date(d.day));
  return out;
}

/// A fresh --data-dir, removed afterwards.
struct StatsDir : proof::test::TempDir {
  StatsDir() : TempDir("stats") {}
};

std::unique_ptr<proof::store::EventStore> open_store(const StatsDir& dir) {
  return std::make_unique<proof::store::EventStore>(dir.path, 100, std::chrono::hours(24 * 7));
}

/// A store whose writes fail while `broken` is set (a full disk, say).
struct FlakyStore : proof::core::StatsStore {
  bool broken = false;
  std::vector<DayRecord> saved;
  void save_day(std::int64_t day, const DayCounts& counts) override {
    if (broken) throw std::runtime_error("disk full");
    saved.push_back({day, counts});
  }
  std::vector<DayRecord> load_days(std::int64_t) override { return {}; }
  void drop_days_before(std::int64_t) override {}
};

}  // namespace

TEST_CASE("Daily stats: dates are UTC calendar days", "[daily_stats]") {
  CHECK(proof::core::iso_date(0) == "1970-01-01");
  CHECK(proof::core::iso_date(proof::core::utc_day(nov28())) == "2026-11-28");
  CHECK(proof::core::iso_date(proof::core::utc_day(nov28(0s))) == "2026-11-28");
  CHECK(proof::core::iso_date(proof::core::utc_day(nov28(23h + 59min + 59s))) == "2026-11-28");
  CHECK(proof::core::iso_date(proof::core::utc_day(nov28(24h))) == "2026-11-29");
  CHECK(proof::core::iso_date(proof::core::utc_day(nov28(-1s))) == "2026-11-27");
  // Leap day and the turn of a year.
  using namespace std::chrono;
  CHECK(proof::core::iso_date(proof::core::utc_day(sys_days{year{2028} / February / 29})) ==
        "2028-02-29");
  CHECK(proof::core::iso_date(proof::core::utc_day(sys_days{year{2027} / January / 1} - 1s)) ==
        "2026-12-31");
}

TEST_CASE("Daily stats: n days oldest first, today last, empty days as zeros", "[daily_stats]") {
  DailyStats stats(nullptr, nov28());
  stats.count_published(proof::core::EventKind::kSignup, nov28(-24h));  // 2026-11-27
  stats.count_shown(nov28());
  stats.count_shown(nov28());
  stats.count_click(nov28());
  const auto days = stats.days(5, nov28());
  CHECK(dates(days) == std::vector<std::string>{"2026-11-24", "2026-11-25", "2026-11-26",
                                                "2026-11-27", "2026-11-28"});
  CHECK(days[0].counts == DayCounts{});
  CHECK(days[2].counts == DayCounts{});
  CHECK(days[3].counts == DayCounts{1, 0, 0, 0});
  CHECK(days[4].counts == DayCounts{0, 2, 1, 0});
  CHECK(stats.days(1, nov28()).size() == 1);
  CHECK(stats.days(0, nov28()).empty());
}

TEST_CASE(
    "Daily stats: a count one second before midnight and one at midnight land on "
    "different days",
    "[daily_stats]") {
  DailyStats stats(nullptr, nov28());
  stats.count_click(nov28(23h + 59min + 59s));
  stats.count_click(nov28(24h));
  stats.count_click(nov28(24h + 1s));
  const auto days = stats.days(2, nov28(24h + 2s));
  CHECK(dates(days) == std::vector<std::string>{"2026-11-28", "2026-11-29"});
  CHECK(days[0].counts.clicks == 1);
  CHECK(days[1].counts.clicks == 2);
}

TEST_CASE("Daily stats: the peak keeps the highest number of pages seen that day",
          "[daily_stats]") {
  DailyStats stats(nullptr, nov28());
  stats.observe_pages(3, nov28(1h));
  stats.observe_pages(9, nov28(2h));
  stats.observe_pages(4, nov28(3h));
  stats.observe_pages(2, nov28(25h));  // the next day starts from its own pages
  const auto days = stats.days(2, nov28(25h));
  CHECK(days[0].counts.peak_pages == 9);
  CHECK(days[1].counts.peak_pages == 2);
}

TEST_CASE("Daily stats: 400 days are kept, older ones forgotten", "[daily_stats]") {
  DailyStats stats(nullptr, nov28());
  const auto first = nov28();
  stats.count_published(proof::core::EventKind::kSignup, first);
  // 399 days later the first day is the oldest of the 400 kept.
  const auto day399 = first + std::chrono::days(399);
  stats.count_published(proof::core::EventKind::kSignup, day399);
  auto days = stats.days(400, day399);
  REQUIRE(days.size() == 400);
  CHECK(dates(days).front() == "2026-11-28");
  CHECK(days.front().counts.published == 1);
  CHECK(days.back().counts.published == 1);
  // No more than 400 days are ever answered.
  CHECK(stats.days(1000, day399).size() == 400);
  // A day later it has gone: asking for 400 days no longer reaches it, and it is not kept.
  const auto day400 = first + std::chrono::days(400);
  stats.count_published(proof::core::EventKind::kSignup, day400);
  days = stats.days(400, day400);
  CHECK(dates(days).front() == "2026-11-29");
  std::uint64_t total = 0;
  for (const auto& d : days) total += d.counts.published;
  CHECK(total == 2);
}

TEST_CASE("Daily stats: counts from many threads at once all arrive", "[daily_stats]") {
  StatsDir dir;
  auto store = open_store(dir);
  DailyStats stats(store.get(), nov28());
  constexpr int kThreads = 8, kEach = 500;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats, t] {
      for (int i = 0; i < kEach; ++i) {
        stats.count_shown(nov28());
        if (i % 5 == 0) stats.count_click(nov28());
        stats.observe_pages(static_cast<std::size_t>(t) * kEach + static_cast<std::size_t>(i),
                            nov28());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  constexpr std::uint64_t kAll = std::uint64_t{kThreads} * kEach;
  const DayCounts expected{0, kAll, kAll / 5, kAll - 1};
  CHECK(stats.days(1, nov28()).front().counts == expected);
  // What was written last is what was counted last: a restart reads every count back.
  store.reset();
  store = open_store(dir);
  DailyStats reopened(store.get(), nov28());
  CHECK(reopened.days(1, nov28()).front().counts == expected);
}

TEST_CASE("Daily stats: the counts survive a restart with a data directory", "[daily_stats]") {
  StatsDir dir;
  {
    auto store = open_store(dir);
    DailyStats stats(store.get(), nov28());
    stats.count_published(proof::core::EventKind::kSignup, nov28(-48h));
    stats.count_shown(nov28());
    stats.count_click(nov28());
    stats.observe_pages(7, nov28());
  }
  auto store = open_store(dir);
  DailyStats stats(store.get(), nov28(1h));
  auto days = stats.days(3, nov28(1h));
  CHECK(days[0].counts == DayCounts{1, 0, 0, 0});
  CHECK(days[1].counts == DayCounts{});
  CHECK(days[2].counts == DayCounts{0, 1, 1, 7});
  // Counting goes on from the stored numbers.
  stats.count_shown(nov28(2h));
  CHECK(stats.days(1, nov28(2h)).front().counts == DayCounts{0, 2, 1, 7});
}

TEST_CASE("Daily stats: purchases are counted beside published, and uncounted as purchases",
          "[daily_stats][kind]") {
  using proof::core::EventKind;
  DailyStats stats(nullptr, nov28());
  stats.count_published(EventKind::kSignup, nov28(1h));
  stats.count_published(EventKind::kPurchase, nov28(2h));
  stats.count_published(EventKind::kPurchase, nov28(3h));
  auto today = stats.days(1, nov28(4h)).front().counts;
  CHECK(today.published == 3);  // every event accepted
  CHECK(today.purchases == 2);
  stats.uncount_published(EventKind::kPurchase, nov28(2h));
  today = stats.days(1, nov28(4h)).front().counts;
  CHECK(today.published == 2);
  CHECK(today.purchases == 1);
  stats.uncount_published(EventKind::kSignup, nov28(1h));
  today = stats.days(1, nov28(4h)).front().counts;
  CHECK(today.published == 1);
  CHECK(today.purchases == 1);
}

TEST_CASE("Daily stats: purchases survive a restart with a data directory", "[daily_stats][kind]") {
  StatsDir dir;
  {
    auto store = open_store(dir);
    DailyStats stats(store.get(), nov28());
    stats.count_published(proof::core::EventKind::kPurchase, nov28(-24h));
    stats.count_published(proof::core::EventKind::kPurchase, nov28());
    stats.count_published(proof::core::EventKind::kSignup, nov28());
  }
  auto store = open_store(dir);
  DailyStats stats(store.get(), nov28(1h));
  const auto days = stats.days(2, nov28(1h));
  CHECK(days[0].counts.published == 1);
  CHECK(days[0].counts.purchases == 1);
  CHECK(days[1].counts.published == 2);
  CHECK(days[1].counts.purchases == 1);
}

TEST_CASE("Daily stats: days past the retention are dropped from the store", "[daily_stats]") {
  StatsDir dir;
  {
    auto store = open_store(dir);
    DailyStats stats(store.get(), nov28());
    stats.count_published(proof::core::EventKind::kSignup, nov28());
    stats.count_published(proof::core::EventKind::kSignup, nov28(24h * 10));
  }
  // Started 405 days later: the first day is gone, the second (395 days ago) is kept.
  const auto later = nov28() + std::chrono::days(405);
  auto store = open_store(dir);
  {
    DailyStats stats(store.get(), later);
    const auto days = stats.days(400, later);
    std::uint64_t total = 0;
    for (const auto& d : days) total += d.counts.published;
    CHECK(total == 1);
  }
  // ... and gone from the file as well, not just hidden.
  CHECK(store->load_days(0).size() == 1);
}

TEST_CASE("Daily stats: a failed save is retried with the next count, nothing is lost",
          "[daily_stats]") {
  FlakyStore store;
  DailyStats stats(&store, nov28());
  store.broken = true;
  stats.count_shown(nov28());
  stats.count_shown(nov28());
  CHECK(store.saved.empty());
  CHECK(stats.days(1, nov28()).front().counts.shown == 2);  // memory still has both
  store.broken = false;
  stats.count_click(nov28());
  REQUIRE_FALSE(store.saved.empty());
  CHECK(store.saved.back().counts == DayCounts{0, 2, 1, 0});
}

TEST_CASE("Daily stats: a peak that does not rise writes nothing", "[daily_stats]") {
  FlakyStore store;
  DailyStats stats(&store, nov28());
  stats.observe_pages(5, nov28());
  const auto writes = store.saved.size();
  stats.observe_pages(5, nov28());
  stats.observe_pages(1, nov28());
  CHECK(store.saved.size() == writes);
}
