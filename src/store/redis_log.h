// The shared history in Redis (--redis): one stream, PREFIX:events, capped near --history;
// PREFIX:last_id, the service's id sequence; PREFIX:appended, how many events the stream was
// ever given (each entry carries its number). A publish appends with one Lua script (the id is
// assigned, the entry numbered and added atomically, so the stream's order is the ids' order); one
// reader thread per instance follows the stream with XREAD BLOCK and hands every entry to the hub,
// which feeds the event loop's fan-out as a local publish would. Two Redis connections per
// instance, however many streams are open: one for commands, one for the reader (the command
// connection is shared with the tallies and the key store).
//
// Each entry's stream id is its event id (ID-0; an erasure marker, LAST-N after the newest
// event), so a reader's place in the stream is an event id, and what Redis may do to the
// stream is met as follows:
// - gone away and back with its data: the reader reads on after the last entry it read;
// - trimmed past what this instance had read (it was away, or a whole history behind): the
//   entries' numbers say how many it missed; logged once, counted (gap_events()), and the
//   pages get what is left, in order, as a browser resuming with Last-Event-ID would;
// - back empty, or a replica that was behind: new ids are above every id any instance has
//   seen (each one passes the highest it saw as the floor of the next id, and raises the
//   sequence to it on reconnecting), so the reader, pages and browsers' Last-Event-ID
//   carry on; the numbers going back is logged, since history and counts are lost.
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

namespace proof::store {

class RedisLog final : public core::SharedLog {
 public:
  /// Does not connect yet: start() does, and keeps trying while Redis is away. `commands`
  /// must outlive this.
  RedisLog(RedisCommands& commands, RedisKeys keys, std::size_t history);
  ~RedisLog() override;
  RedisLog(const RedisLog&) = delete;
  RedisLog& operator=(const RedisLog&) = delete;

  /// Starts the reader: on its first connection it hands over the newest `history` events,
  /// oldest first, then every new one as it is appended, by any instance, in order.
  /// Erasure markers in the stream (from any instance) go to `erase`, in the same order.
  void start(std::function<void(core::EventPtr)> deliver, std::function<void(std::uint64_t)> erase);

  /// Stops the reader (within a quarter of a second).
  void stop();

  std::uint64_t append(const core::Signup& signup, std::int64_t ts_ms,
                       std::uint64_t now_us) override;
  void erase(std::uint64_t id) override;
  bool connected() const override { return reader_connected_.load(); }
  double reader_lag_seconds() const override {
    return static_cast<double>(lag_ms_.load()) / 1000.0;
  }
  std::uint64_t gap_events() const override { return gap_events_.load(); }

  /// The last connection error met, for logs ("Connection refused").
  std::string last_error() const;

 private:
  struct Entry;

  /// The reader's thread: connect, catch up, follow; again after each lost connection.
  void read_loop();
  /// A connection for the reader, or null (the reason logged once per outage).
  RedisContext connect_reader();
  /// After a failed or lost connection: the backoff's pause before the next attempt.
  void pause();
  /// Right after connecting: the history on the first connection; afterwards, the id
  /// sequence raised (Redis may have come back empty). False when the connection failed.
  bool catch_up(redisContext* context);
  /// One XREAD, handed over. False when the connection failed.
  bool follow(redisContext* context);
  /// The connection failed: says so once and drops it.
  void lost(const std::string& error);
  /// Checks the number of the first entry of a batch against the last one read: a jump
  /// over entries trimmed away is a gap, a step back a Redis that lost its data. False
  /// when the connection failed.
  bool check_numbering(redisContext* context, const Entry& first);
  /// Raises PREFIX:last_id to the highest id this instance has seen.
  bool raise_sequence(redisContext* context);
  void hand_over(const std::vector<Entry>& entries);
  /// Turns one stream entry into an event; null (with a warning) for one it cannot read.
  core::EventPtr decode(const Entry& entry);

  RedisCommands& commands_;
  RedisKeys keys_;
  std::size_t history_;

  std::function<void(core::EventPtr)> deliver_;
  std::function<void(std::uint64_t)> erase_;
  std::mutex entries_mutex_;
  std::map<std::uint64_t, std::string> entries_;  ///< event id -> stream entry, for XDEL
  std::thread reader_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> reader_connected_{false};
  std::atomic<std::int64_t> lag_ms_{0};
  std::atomic<std::uint64_t> gap_events_{0};
  /// The highest event id this instance has read or issued: the floor of the next id.
  std::atomic<std::uint64_t> highest_id_{0};

  // The reader thread's own state.
  std::string position_;           ///< the last entry read; empty before the first connection
  std::uint64_t last_number_ = 0;  ///< the number of the last event read; 0 unknown
  bool reported_down_ = false;
  std::string reported_error_;  ///< the connection error logged last, so it is logged once
  RedisBackoff backoff_;
};

}  // namespace proof::store
