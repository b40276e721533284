// What every Redis user in proof shares: connecting (TCP or Unix socket, SELECT for a
// database number, a one-second timeout), sending one command as an argument vector, and
// one command connection shared by threads that reconnects on its own. The key names of
// the shared counts live here too, so the history's append script and the tallies agree.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/redis_address.h"

namespace proof {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

/// How long a command or a connection attempt may take: a request while Redis is away is
/// refused in about this long, never held for the request timeout.
inline constexpr timeval kRedisCommandTimeout{1, 0};

/// A new connection, or null with `error` set.
redisContext* redis_connect(const RedisAddress& address, std::string& error);

/// Sends one command; null when the connection failed (see context->errstr).
RedisReply redis_command(redisContext* context, const std::vector<std::string>& args);

/// A reply's string (status, bulk or error), or "" for one without.
std::string redis_text(const redisReply* reply);

/// A reply's integer (an integer reply, or a string of digits); 0 for anything else.
std::int64_t redis_integer(const redisReply* reply);

/// One command connection used by several threads in turn. After a failed connection,
/// commands fail at once for half a second instead of each paying for an attempt.
class RedisCommands {
 public:
  explicit RedisCommands(RedisAddress address) : address_(std::move(address)) {}
  ~RedisCommands();
  RedisCommands(const RedisCommands&) = delete;
  RedisCommands& operator=(const RedisCommands&) = delete;

  /// Runs one command (connecting first if needed). Throws SharedLogError when Redis cannot
  /// be reached, fails mid-command (whether it ran is then unknown), or answers an error.
  RedisReply run(const std::vector<std::string>& args);

  const RedisAddress& address() const { return address_; }

  /// The last connection error met ("Connection refused"), for logs and /healthz.
  std::string last_error() const;
  void set_error(const std::string& error);

 private:
  RedisAddress address_;
  std::mutex mutex_;  ///< guards context_ and retry_after_
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point retry_after_{};
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

/// Key names under --redis-prefix.
struct RedisKeys {
  std::string prefix;

  std::string events() const { return prefix + ":events"; }
  std::string last_id() const { return prefix + ":last_id"; }
  /// Signups in one UTC hour (hours since the epoch): field "*" for all, one per channel.
  std::string hour(std::int64_t hour) const { return prefix + ":hour:" + std::to_string(hour); }
  /// One UTC day's counts (days since the epoch): published, shown, clicks, peak_pages.
  std::string day(std::int64_t day) const { return prefix + ":day:" + std::to_string(day); }
  /// Open pages per instance and channel ("INSTANCE|CHANNEL", "*" for all of them).
  std::string presence() const { return prefix + ":presence"; }
  /// The instances counting pages now, each scored with when it is gone if not renewed.
  std::string instances() const { return prefix + ":instances"; }
  /// One remembered delivery id or Idempotency-Key (store/redis_key_store.h).
  std::string remembered(std::string_view key) const {
    return prefix + ":seen:" + std::string(key);
  }
  /// Every remembered key, scored with when it expires (ms), to bound how many are held.
  std::string remembered_index() const { return prefix + ":seen"; }
  /// How many remembered keys were dropped early because the bound was reached.
  std::string remembered_evicted() const { return prefix + ":seen-evicted"; }
};

/// Field name for the counts over every channel (no channel name can be "*").
inline constexpr const char* kAllChannels = "*";

/// How long the shared counts are kept: an hour total 720 hours, a day 400 days, with a day
/// to spare so the oldest one asked for is never half gone.
inline constexpr std::int64_t kHourKeySeconds = std::int64_t{720 + 24} * 3600;
inline constexpr std::int64_t kDayKeySeconds = std::int64_t{400 + 1} * 86400;

}  // namespace proof
