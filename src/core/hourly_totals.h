// Signups accepted per UTC hour, overall and per channel, for "142 people signed up this
// week": kept apart from the replay history (which may hold only the last 100 events) for
// 720 hours. The clock is a parameter, so hour boundaries and expiry are testable.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace proof {

/// Where the totals outlive the process (--data-dir); implemented in store/.
class HourlyStore {
 public:
  virtual ~HourlyStore() = default;
  /// Adds `delta` (1, or -1 for an erased signup; never below zero) to `hour` (hours since
  /// the epoch, UTC) for `channel` ("" overall).
  virtual void add_hour(std::int64_t hour, const std::string& channel, int delta) = 0;
  /// Every stored (hour, channel) count from `first_hour` on.
  struct Row {
    std::int64_t hour;
    std::string channel;
    std::uint64_t count;
  };
  virtual std::vector<Row> load_hours(std::int64_t first_hour) = 0;
  virtual void drop_hours_before(std::int64_t first_hour) = 0;
};

class HourlyTotals {
 public:
  using Clock = std::chrono::system_clock;
  static constexpr std::int64_t kKeepHours = 720;

  /// Loads what `store` holds (may be null: memory only).
  explicit HourlyTotals(HourlyStore* store = nullptr, Clock::time_point now = Clock::now());

  /// One accepted signup (on `channel`, or none).
  void add(const std::string& channel, Clock::time_point now = Clock::now());

  /// One signup accepted at `accepted` no longer counts (it was erased). Nothing happens
  /// to an hour already forgotten or at zero.
  void remove(const std::string& channel, Clock::time_point accepted,
              Clock::time_point now = Clock::now());

  /// Signups in the last `hours` hours, the current one included; on `channel` alone when
  /// it is not empty.
  std::uint64_t count(int hours, const std::string& channel,
                      Clock::time_point now = Clock::now()) const;

 private:
  void expire(std::int64_t current_hour);
  /// Adds `delta` to the hour's total and the channel's (never below zero), here and in the
  /// store.
  void change(const std::string& channel, std::int64_t hour, int delta);

  mutable std::mutex mutex_;
  HourlyStore* store_;
  /// (hour, channel) -> count; channel "" is the overall total.
  std::map<std::pair<std::int64_t, std::string>, std::uint64_t> counts_;
};

}  // namespace proof
