#include "core/hourly_totals.h"

#include <spdlog/spdlog.h>

#include "core/utc.h"

namespace proof::core {

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

void HourlyTotals::add(const std::string& channel, EventKind kind, Clock::time_point now) {
  const std::int64_t hour = utc_hour(now);
  std::lock_guard lock(mutex_);
  expire(hour);
  change(channel, kind, hour, 1);
}

void HourlyTotals::remove(const std::string& channel, EventKind kind, Clock::time_point accepted,
                          Clock::time_point now) {
  const std::int64_t hour = utc_hour(accepted);
  std::lock_guard lock(mutex_);
  expire(utc_hour(now));
  if (!counts_.contains({hour, std::string()})) return;  // forgotten, or never counted here
  change(channel, kind, hour, -1);
}

void HourlyTotals::change(const std::string& channel, EventKind kind, std::int64_t hour,
                          int delta) {
  std::vector<std::string> keys{std::string()};
  if (!channel.empty()) keys.push_back(channel);
  if (kind == EventKind::kPurchase) {
    keys.push_back(purchases_key(std::string()));
    if (!channel.empty()) keys.push_back(purchases_key(channel));
  }
  for (const std::string& key : keys) {
    std::uint64_t& count = counts_[{hour, key}];
    if (delta > 0) {
      ++count;
    } else if (count > 0) {
      --count;
    }
  }
  if (!store_) return;
  try {
    // The event is already accepted (or erased): a total that could not be written is
    // logged, not turned into a refusal.
    for (const std::string& key : keys) store_->add_hour(hour, key, delta);
  } catch (const std::exception& e) {
    spdlog::warn("could not store an hourly total: {}", e.what());
  }
}

std::uint64_t HourlyTotals::sum(const std::string& key, std::int64_t first,
                                std::int64_t last) const {
  std::uint64_t total = 0;
  for (auto it = counts_.lower_bound({first, std::string()}); it != counts_.end(); ++it) {
    if (it->first.first > last) break;
    if (it->first.second == key) total += it->second;
  }
  return total;
}

std::uint64_t HourlyTotals::count(int hours, const std::string& channel, KindFilter kind,
                                  Clock::time_point now) const {
  const std::int64_t current = utc_hour(now);
  const std::int64_t first = current - hours + 1;
  std::lock_guard lock(mutex_);
  if (!kind) return sum(channel, first, current);
  const std::uint64_t purchases = sum(purchases_key(channel), first, current);
  if (*kind == EventKind::kPurchase) return purchases;
  const std::uint64_t all = sum(channel, first, current);
  return all > purchases ? all - purchases : 0;
}

}  // namespace proof::core
