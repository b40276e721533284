// The holdout experiment shared by every instance on one Redis (--redis): the secret lives
// in Redis, so every instance assigns a visitor to the same arm, and the counts are Redis's,
// so every instance counts the same visitor-day once.
//
// Keys (store/redis_connection.h, RedisKeys): PREFIX:experiment (the running one: id,
// secret, percent, started), PREFIX:experiment:previous (the last finished one's totals),
// PREFIX:experiment:days (the running one's counts, one field per day and figure), and per
// UTC day PREFIX:experiment:salt:DAY and PREFIX:experiment:visitors:ID:DAY (the day's salt,
// and the visitor keys counted under it), both set to expire 10 minutes after the day ends
// (by this instance's clock): nothing that tells visitors apart outlives its day by more.
// Every change is one Lua script, so instances starting, counting and reading at the same
// moment never see half of one; the scripts use only commands already in the README's ACL
// rule (a hash field stands for a set member: HSET answers 1 for a new one).
//
// Each instance keeps the running experiment's id and secret in memory for arm_of(); a
// count made under an experiment that another instance has since replaced is refused by
// the script, and the instance reads the new one and counts again. maintain() rereads it
// once a minute, so an instance picks up a restart of another with a new --holdout.
// Every instance should be given the same --holdout: one started with another percentage
// starts a new experiment for all.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "core/experiment.h"
#include "store/redis_connection.h"

namespace proof::store {

class RedisExperiment final : public core::Experiment {
 public:
  /// How long after its UTC day ends a day's salt and visitor keys expire: room for
  /// instances whose clocks are a little behind to count the day's last beacons.
  static constexpr std::chrono::seconds kDayMargin{600};

  /// `commands` must outlive this.
  RedisExperiment(RedisCommands& commands, RedisKeys keys,
                  std::size_t max_visitors_per_day = kMaxVisitorsPerDay);

  /// When Redis cannot be reached, throws ExperimentError and remembers `percent`:
  /// maintain() tries again until it succeeds (meanwhile arm_of() gives nullopt: cards are
  /// shown to everyone, and nothing is counted).
  void start_or_continue(int percent, Clock::time_point now) override;
  std::optional<core::Arm> arm_of(std::string_view address, std::string_view user_agent) override;
  core::Recorded record(std::string_view address, std::string_view user_agent, core::Visit visit,
                        Clock::time_point now) override;
  core::ExperimentReport report(Clock::time_point now) override;
  void maintain(Clock::time_point now) override;
  std::uint64_t visitors_not_counted() const override;

 private:
  /// The running experiment as this instance last read it.
  struct Running {
    std::string id;
    std::string secret;
    int holdout_percent = 0;
  };

  /// Reads the running experiment from a reply of id, secret (hex), percent, started.
  static std::optional<Running> parse_running(const redisReply* reply);
  /// Rereads the running experiment into running_. Throws SharedLogError.
  void reload();
  /// The salt of `day`, made by whichever instance asks first. Throws SharedLogError.
  std::string salt_of(std::int64_t day, Clock::time_point now);

  RedisCommands& commands_;
  RedisKeys keys_;
  std::size_t max_visitors_;

  mutable std::mutex mutex_;  ///< guards what follows; never held during a Redis command
  std::optional<Running> running_;
  std::optional<int> pending_percent_;  ///< a start_or_continue() that has not succeeded yet
  std::int64_t salt_day_ = 0;
  std::string salt_;  ///< of salt_day_; empty when none is held
  std::uint64_t not_counted_ = 0;
};

}  // namespace proof::store
