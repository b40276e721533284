#include "core/daily_stats.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace proof::core {

std::string iso_date(std::int64_t day) {
  const std::chrono::year_month_day date{
      std::chrono::sys_days{std::chrono::days{static_cast<std::chrono::days::rep>(day)}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

DailyStats::DailyStats(StatsStore* store, Clock::time_point now) : store_(store) {
  const std::int64_t today = utc_day(now);
  first_kept_ = today - static_cast<std::int64_t>(kKeepDays) + 1;
  if (!store_) return;
  for (const DayRecord& record : store_->load_days(first_kept_)) {
    // A day "after today" comes from a clock that was ahead when it was counted; it is
    // kept (it will become today) rather than silently lost.
    if (record.day >= first_kept_) days_[record.day] = record.counts;
  }
  store_->drop_days_before(first_kept_);
}

template <typename Change>
void DailyStats::update(Clock::time_point now, Change change) {
  const std::int64_t today = utc_day(now);
  {
    std::lock_guard lock(mutex_);
    forget_old(today);
    if (today < first_kept_) return;  // the clock stepped back past the retention
    if (!change(days_[today])) return;
    dirty_.insert(today);
  }
  if (store_) persist();
}

void DailyStats::forget_old(std::int64_t today) {
  const std::int64_t first = today - static_cast<std::int64_t>(kKeepDays) + 1;
  if (first <= first_kept_) return;
  first_kept_ = first;
  days_.erase(days_.begin(), days_.lower_bound(first));
  dirty_.erase(dirty_.begin(), dirty_.lower_bound(first));
  drop_pending_ = true;
}

void DailyStats::persist() {
  // Writes are coalesced: a thread that finds another writing leaves its change to it. The
  // writer looks for changes again after letting go, so none is left unsaved, and since
  // every write takes the counts as they are at that moment, the store never goes back.
  for (;;) {
    std::unique_lock writer(writer_mutex_, std::try_to_lock);
    if (!writer.owns_lock()) return;
    for (;;) {
      std::vector<DayRecord> batch;
      std::int64_t drop_before = 0;
      bool drop = false;
      {
        std::lock_guard lock(mutex_);
        if (dirty_.empty() && !drop_pending_) break;
        for (const std::int64_t day : dirty_) batch.push_back({day, days_[day]});
        dirty_.clear();
        drop = std::exchange(drop_pending_, false);
        drop_before = first_kept_;
      }
      try {
        for (const DayRecord& record : batch) store_->save_day(record.day, record.counts);
        if (drop) store_->drop_days_before(drop_before);
      } catch (const std::exception& e) {
        spdlog::warn("could not save the daily counts ({}); will retry on the next count",
                     e.what());
        std::lock_guard lock(mutex_);
        for (const DayRecord& record : batch) {
          if (record.day >= first_kept_) dirty_.insert(record.day);
        }
        drop_pending_ = drop_pending_ || drop;
        return;
      }
    }
    writer.unlock();
    std::lock_guard lock(mutex_);
    if (dirty_.empty() && !drop_pending_) return;
  }
}

void DailyStats::count_published(EventKind kind, Clock::time_point now) {
  update(now, [kind](DayCounts& c) {
    ++c.published;
    if (kind == EventKind::kPurchase) ++c.purchases;
    return true;
  });
}

void DailyStats::uncount_published(EventKind kind, Clock::time_point accepted) {
  // The day of acceptance, not today: an erasure corrects the day the event counted on.
  update(accepted, [kind](DayCounts& c) {
    if (c.published == 0) return false;
    --c.published;
    if (kind == EventKind::kPurchase && c.purchases > 0) --c.purchases;
    return true;
  });
}

void DailyStats::count_shown(Clock::time_point now) {
  update(now, [](DayCounts& c) {
    ++c.shown;
    return true;
  });
}

void DailyStats::count_click(Clock::time_point now) {
  update(now, [](DayCounts& c) {
    ++c.clicks;
    return true;
  });
}

void DailyStats::observe_pages(std::size_t open, Clock::time_point now) {
  update(now, [open](DayCounts& c) {
    if (open <= c.peak_pages) return false;
    c.peak_pages = open;
    return true;
  });
}

std::vector<DayRecord> DailyStats::days(std::size_t n, Clock::time_point now) const {
  n = std::min(n, kKeepDays);
  const std::int64_t today = utc_day(now);
  std::vector<DayRecord> out;
  out.reserve(n);
  std::lock_guard lock(mutex_);
  for (std::int64_t day = today - static_cast<std::int64_t>(n) + 1; day <= today; ++day) {
    const auto it = days_.find(day);
    out.push_back({day, it != days_.end() ? it->second : DayCounts{}});
  }
  return out;
}

}  // namespace proof::core
