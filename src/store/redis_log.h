// The shared history in Redis (--redis): one stream, PREFIX:events, capped near --history,
// and PREFIX:last_id, the service's id sequence. A publish appends with one Lua script (the
// id is assigned and the entry added atomically, so the stream's order is the ids' order);
// one reader thread per instance follows the stream with XREAD BLOCK and hands every entry
// to the hub, which feeds the event loop's fan-out as a local publish would. Two Redis
// connections per instance, however many streams are open: one for commands, one for the
// reader (the command connection is shared with the tallies, store/redis_tallies.h).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/event_log.h"
#include "core/shared_log.h"
#include "store/redis_connection.h"

namespace proof {

class RedisLog final : public SharedLog {
 public:
  /// Does not connect yet: start() does, and keeps trying while Redis is away. `commands`
  /// must outlive this.
  RedisLog(RedisCommands& commands, RedisKeys keys, std::size_t history);
  ~RedisLog() override;
  RedisLog(const RedisLog&) = delete;
  RedisLog& operator=(const RedisLog&) = delete;

  /// Starts the reader: on its first connection it hands over the newest `history` events,
  /// oldest first, then every new one as it is appended, by any instance, in order. After
  /// a lost connection it reads on from the last entry it saw: nothing lost, nothing twice.
  /// Erasure markers in the stream (from any instance) go to `erase`, in the same order.
  void start(std::function<void(EventPtr)> deliver, std::function<void(std::uint64_t)> erase);

  /// Stops the reader (within a quarter of a second).
  void stop();

  std::uint64_t append(const Signup& signup, std::int64_t ts_ms, std::uint64_t now_us) override;
  void erase(std::uint64_t id) override;
  bool connected() const override { return reader_connected_.load(); }
  double reader_lag_seconds() const override {
    return static_cast<double>(lag_ms_.load()) / 1000.0;
  }

  /// The last connection error met, for logs ("Connection refused").
  std::string last_error() const;

 private:
  void read_loop();
  /// Turns one stream entry into an event; null (with a warning) for one it cannot read.
  EventPtr decode(const std::string& entry_id,
                  const std::vector<std::pair<std::string, std::string>>& fields);

  RedisCommands& commands_;
  RedisKeys keys_;
  std::size_t history_;

  std::function<void(EventPtr)> deliver_;
  std::function<void(std::uint64_t)> erase_;
  std::mutex entries_mutex_;
  std::map<std::uint64_t, std::string> entries_;  ///< event id -> stream entry, for XDEL
  std::thread reader_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> reader_connected_{false};
  std::atomic<std::int64_t> lag_ms_{0};
};

}  // namespace proof
