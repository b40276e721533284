// Events accepted per UTC hour, overall and per channel, for "142 people signed up this
// week": kept apart from the replay history (which may hold only the last 100 events) for
// 720 hours. The clock is a parameter, so hour boundaries and expiry are testable.
//
// Every event counts under its channel's key ("" overall, as before kinds); a purchase
// counts once more under the key with a '+' in front ("+" overall, "+mug" on channel mug),
// which no channel name can be (they are a-z 0-9 _ -). So the stores keep (hour, key, count)
// rows as they did, files and Redis from before kinds read on unchanged, and signups are all
// events less purchases. Redis's hour hashes (store/redis_log.cpp) use the same '+'.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/event_kind.h"

namespace proof::core {

/// Where the totals outlive the process (--data-dir); implemented in store/.
class HourlyStore {
 public:
  virtual ~HourlyStore() = default;
  /// Adds `delta` (1, or -1 for an erased event; never below zero) to `hour` (hours since
  /// the epoch, UTC) for `channel`, a key as HourlyTotals counts under ("" overall, "+..."
  /// purchases).
  virtual void add_hour(std::int64_t hour, const std::string& channel, int delta) = 0;
  /// Every stored (hour, key) count from `first_hour` on.
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

  /// The key purchases on `channel` ("" overall) are counted under, beside its total.
  static std::string purchases_key(const std::string& channel) { return "+" + channel; }

  /// One accepted event of `kind` (on `channel`, or none).
  void add(const std::string& channel, EventKind kind, Clock::time_point now = Clock::now());

  /// One event of `kind` accepted at `accepted` no longer counts (it was erased). Nothing
  /// happens to an hour already forgotten or at zero.
  void remove(const std::string& channel, EventKind kind, Clock::time_point accepted,
              Clock::time_point now = Clock::now());

  /// Events of `kind` (nullopt: every kind) in the last `hours` hours, the current one
  /// included; on `channel` alone when it is not empty.
  std::uint64_t count(int hours, const std::string& channel, KindFilter kind,
                      Clock::time_point now = Clock::now()) const;

 private:
  void expire(std::int64_t current_hour);
  /// Adds `delta` to the hour's total and the channel's, and for a purchase to their
  /// purchase keys (never below zero), here and in the store.
  void change(const std::string& channel, EventKind kind, std::int64_t hour, int delta);
  /// The sum of `key`'s counts over the hours from `first` to `last`; mutex_ held.
  std::uint64_t sum(const std::string& key, std::int64_t first, std::int64_t last) const;

  mutable std::mutex mutex_;
  HourlyStore* store_;
  /// (hour, key) -> count; key "" is the overall total, "+" its purchases.
  std::map<std::pair<std::int64_t, std::string>, std::uint64_t> counts_;
};

}  // namespace proof::core
