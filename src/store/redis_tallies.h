// The counts of every instance sharing one Redis (--redis), summed there: events per hour
// (for /summary) and per day, purchases apart too, cards shown, clicks and the day's peak of
// open pages (for /stats), and the live count of open pages (for `event: presence`).
//
// Events are counted by the history's append script, atomically with the event. Cards
// shown and clicks are added up here and sent once a second. Open pages: each instance
// writes its own counts (in all and per channel, in one hash field, so Redis's work per
// second does not grow with the channels) once a second under its own name, with a lease of
// a few seconds; it reads back the others' fields and adds them up, and the event loop adds
// that to its own. An instance that stops removes its counts; one that dies is forgotten when
// its lease runs out. The same exchange raises the day's peak with the pages open on all
// instances together.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/presence.h"
#include "core/tallies.h"
#include "store/redis_connection.h"

namespace proof::store {

class RedisTallies final : public core::Tallies {
 public:
  /// How often the counts go out, and how long an instance's pages count without news.
  static constexpr std::chrono::seconds kShareEvery{1};
  static constexpr std::chrono::seconds kLease{5};

  /// `commands` and `presence` must outlive this.
  RedisTallies(RedisCommands& commands, RedisKeys keys, core::PresenceExchange& presence);
  ~RedisTallies() override;
  RedisTallies(const RedisTallies&) = delete;
  RedisTallies& operator=(const RedisTallies&) = delete;

  /// Starts sharing (a thread that wakes once a second).
  void start();
  /// Stops sharing: sends what is pending and takes this instance's pages out of the count.
  void stop();

  /// Counted in Redis by the append script already (store/redis_log.cpp).
  void count_published(const std::string& channel, core::EventKind kind,
                       Clock::time_point now) override;
  void uncount_published(const std::string& channel, core::EventKind kind,
                         Clock::time_point accepted) override;
  void count_shown(Clock::time_point now) override;
  void count_click(Clock::time_point now) override;
  /// The peak is raised by the sharing thread, with every instance's pages together.
  void observe_pages(std::size_t open, Clock::time_point now) override;

  std::uint64_t accepted(int hours, const std::string& channel, core::KindFilter kind,
                         Clock::time_point now) override;
  std::vector<core::DayRecord> days(std::size_t n, Clock::time_point now) override;

  /// This instance's name in the shared counts.
  const std::string& instance() const { return instance_; }

 private:
  struct CardCounts {
    std::uint64_t shown = 0;
    std::uint64_t clicks = 0;
  };

  void run();
  /// One exchange: pending card counts out, this instance's pages out, the others' in.
  void share();
  void send_cards();

  RedisCommands& commands_;
  RedisKeys keys_;
  core::PresenceExchange& presence_;
  std::string instance_;

  std::mutex pending_mutex_;
  std::map<std::int64_t, CardCounts> pending_;  ///< per day, not yet added in Redis

  std::chrono::steady_clock::time_point last_shared_{};
  bool reported_down_ = false;

  std::mutex stop_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace proof::store
