// What every Redis user in proof shares: connecting (TCP or Unix socket, AUTH when there is
// a password, SELECT for a database number, a one-second timeout), sending one command as
// an argument vector, pausing between attempts while Redis is away, and one command
// connection shared by threads that reconnects on its own. The key names live here too, so
// the history's append script, the tallies and the key store agree on them (and the README's
// ACL rule can name one pattern for them all).
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/redis_address.h"

namespace proof::store {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

/// The owner of one hiredis connection: freed once, however the code holding it returns.
struct RedisContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using RedisContext = std::unique_ptr<redisContext, RedisContextDeleter>;

/// How long a command or a connection attempt may take: a request while Redis is away is
/// refused in about this long, never held for the request timeout.
inline constexpr timeval kRedisCommandTimeout{1, 0};

/// Why redis_connect() gave no connection.
struct RedisConnectError {
  std::string message;  ///< for a log line; never holds the password
  /// Redis answered and said no (a wrong password, a user turned off, no such database):
  /// trying again will not help until someone changes the settings or Redis.
  bool refused = false;
};

/// A new connection, authenticated and on its database. Each call resolves the host name
/// again, so a failover that moves the name to another address is followed. Null with
/// `error` set when it cannot be made.
RedisContext redis_connect(const RedisAddress& address, RedisConnectError& error);

/// Sends one command; null when the connection failed (see context->errstr).
RedisReply redis_command(redisContext* context, const std::vector<std::string>& args);

/// A reply's string (status, bulk or error), or "" for one without.
std::string redis_text(const redisReply* reply);

/// A reply's integer (an integer reply, or a string of digits); 0 for anything else.
std::int64_t redis_integer(const redisReply* reply);

/// The pause before the next attempt after `failures` failed ones in a row: doubling from a
/// quarter of a second to 3 s, each drawn at random from its upper half, so that instances
/// that lost Redis together do not all come back at the same moment.
class RedisBackoff {
 public:
  std::chrono::milliseconds next();
  void reset() { failures_ = 0; }

 private:
  int failures_ = 0;
  std::minstd_rand random_{std::random_device{}()};
};

/// One command connection used by several threads in turn. After a failed connection,
/// commands fail at once until the backoff's pause is over instead of each paying for an
/// attempt.
class RedisCommands {
 public:
  explicit RedisCommands(RedisAddress address) : address_(std::move(address)) {}
  RedisCommands(const RedisCommands&) = delete;
  RedisCommands& operator=(const RedisCommands&) = delete;

  /// Runs one command (connecting first if needed). Throws SharedLogError when Redis cannot
  /// be reached, fails mid-command (whether it ran is then unknown), or answers an error.
  RedisReply run(const std::vector<std::string>& args);

  const RedisAddress& address() const { return address_; }

  /// Redis answers again after the reader lost it: the next command connects afresh at once,
  /// rather than after the rest of the pause or on a connection to a Redis that went away,
  /// so that a POST is not refused while /healthz says ok.
  void reconnect_now();

  /// The last connection error met ("Connection refused"), for logs.
  std::string last_error() const;
  void set_error(const std::string& error);

 private:
  RedisAddress address_;
  std::mutex mutex_;  ///< guards context_, retry_after_ and backoff_
  RedisContext context_;
  std::chrono::steady_clock::time_point retry_after_{};
  RedisBackoff backoff_;
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

/// What proof finds when it first asks Redis something, as the service will: connected
/// (authenticated, on its database) and allowed to read its own keys.
struct RedisProbe {
  bool reached = false;  ///< false: not reachable now (`problem` says why); worth waiting
  /// Set when Redis was reached and refused: a wrong password, a user without the rights
  /// or keys proof needs, a database that does not exist. Written for an operator.
  std::optional<std::string> refusal;
  std::string problem;  ///< why it was not reached
};

/// Key names under --redis-prefix: every one is PREFIX:something.
struct RedisKeys {
  std::string prefix;

  std::string events() const { return prefix + ":events"; }
  std::string last_id() const { return prefix + ":last_id"; }
  /// How many events were ever appended to events(): each entry carries its number, so a
  /// reader can tell how many it missed, and that Redis lost its data when they go back.
  std::string appended() const { return prefix + ":appended"; }
  /// Signups in one UTC hour (hours since the epoch): field "*" for all, one per channel.
  std::string hour(std::int64_t hour) const { return prefix + ":hour:" + std::to_string(hour); }
  /// One UTC day's counts (days since the epoch): published, shown, clicks, peak_pages.
  std::string day(std::int64_t day) const { return prefix + ":day:" + std::to_string(day); }
  /// Open pages: one field per instance holding its counts over every channel
  /// (store/redis_tallies.cpp). Proof 0.1 kept one field per instance and channel in
  /// PREFIX:presence, which it no longer reads.
  std::string pages() const { return prefix + ":pages"; }
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
  /// The running holdout experiment: id, secret (hex), percent, started (store/redis_experiment.h).
  std::string experiment() const { return prefix + ":experiment"; }
  /// The last finished experiment's final figures.
  std::string experiment_previous() const { return prefix + ":experiment:previous"; }
  /// The running experiment's counts: fields "DAY:sv", "DAY:sc", "DAY:hv", "DAY:hc".
  std::string experiment_days() const { return prefix + ":experiment:days"; }
  /// One UTC day's salt, expiring with the day.
  std::string experiment_salt(std::int64_t day) const {
    return prefix + ":experiment:salt:" + std::to_string(day);
  }
  /// The visitor keys counted on one day in experiment `id`, expiring with the day.
  std::string experiment_visitors(std::string_view id, std::int64_t day) const {
    return prefix + ":experiment:visitors:" + std::string(id) + ":" + std::to_string(day);
  }
};

/// Connects once and reads PREFIX:last_id, as the service's first commands do. At start, so
/// that a wrong password or a too narrow ACL is a clear error then, not a reconnect loop.
RedisProbe probe_redis(const RedisAddress& address, const RedisKeys& keys);

/// Field name for the counts over every channel (no channel name can be "*").
inline constexpr const char* kAllChannels = "*";

/// How long the shared counts are kept: an hour total 720 hours, a day 400 days, with a day
/// to spare so the oldest one asked for is never half gone.
inline constexpr std::int64_t kHourKeySeconds = std::int64_t{720 + 24} * 3600;
inline constexpr std::int64_t kDayKeySeconds = std::int64_t{400 + 1} * 86400;

}  // namespace proof::store
