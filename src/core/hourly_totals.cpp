#include "core/hourly_totals.h"

#include <spdlog/spdlog.h>

#include "core/utc.h"

namespace proof {

HourlyTotals::HourlyTotals(HourlyStore* store, Clock::time_point now) : store_(store) {
  if (!store_) return;
  for (const auto& row : store_->load_hours(utc_hour(now) - kKeepHours + 1)) {
    counts_[{row.hour, row.channel}] = row.count;
  }
}

void HourlyTotals::expire(std::int64_t current_hour) {
  const std::int64_t first = current_hour - kKeepHours + 1;
  if (counts_.empty() || counts_.begin()->first.first >= first) return;
  counts_.erase(counts_.begin(), counts_.lower_bound({first, std::string()}));
  if (store_) {
    try {
      store_->drop_hours_before(first);
    } catch (const std::exception& e) {
      spdlog::warn("could not drop old hourly totals: {}", e.what());
    }
  }
}

void HourlyTotals::add(const std::string& channel, Clock::time_point now) {
  const std::int64_t hour = utc_hour(now);
  std::lock_guard lock(mutex_);
  expire(hour);
  change(channel, hour, 1);
}

void HourlyTotals::remove(const std::string& channel, Clock::time_point accepted,
                          Clock::time_point now) {
  const std::int64_t hour = utc_hour(accepted);
  std::lock_guard lock(mutex_);
  expire(utc_hour(now));
  if (!counts_.contains({hour, std::string()})) return;  // forgotten, or never counted here
  change(channel, hour, -1);
}

void HourlyTotals::change(const std::string& channel, std::int64_t hour, int delta) {
  const auto apply = [&](const std::string& key) {
    std::uint64_t& count = counts_[{hour, key}];
    if (delta > 0) {
      ++count;
    } else if (count > 0) {
      --count;
    }
  };
  apply(std::string());
  if (!channel.empty()) apply(channel);
  if (!store_) return;
  try {
    // The event is already accepted (or erased): a total that could not be written is
    // logged, not turned into a refusal.
    store_->add_hour(hour, std::string(), delta);
    if (!channel.empty()) store_->add_hour(hour, channel, delta);
  } catch (const std::exception& e) {
    spdlog::warn("could not store an hourly total: {}", e.what());
  }
}

std::uint64_t HourlyTotals::count(int hours, const std::string& channel,
                                  Clock::time_point now) const {
  const std::int64_t current = utc_hour(now);
  const std::int64_t first = current - hours + 1;
  std::lock_guard lock(mutex_);
  std::uint64_t total = 0;
  for (auto it = counts_.lower_bound({first, std::string()}); it != counts_.end(); ++it) {
    if (it->first.first > current) break;
    if (it->first.second == channel) total += it->second;
  }
  return total;
}

}  // namespace proof
