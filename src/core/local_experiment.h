// The experiment of one proof instance: in memory, and with --data-dir through an
// ExperimentStore (store/sqlite_experiment_store.h) so that a restart keeps the secret
// (nobody's arm changes), the counts and, for the rest of the day only, the day's salt and
// visitor keys (a visitor is not counted twice that day). The clock is a parameter, so
// days roll over in tests without waiting for midnight.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/experiment.h"

namespace proof::core {

/// One UTC day's counts of both arms.
struct DayArms {
  ArmCounts shown;
  ArmCounts holdout;

  bool operator==(const DayArms&) const = default;
};

/// A running experiment as kept.
struct ExperimentState {
  std::string secret;  ///< kExperimentSecretBytes random bytes
  int holdout_percent = 0;
  std::chrono::system_clock::time_point started;
  std::map<std::int64_t, DayArms> days;  ///< by UTC day (days since 1970-01-01)
};

/// Today's distinct visitors: the day's salt and, for each visitor key counted, whether it
/// converted. Never kept past `day`.
struct VisitorDay {
  std::int64_t day = 0;
  std::string salt;
  std::unordered_map<std::uint64_t, bool> converted;
};

/// Where the experiment outlives the process (--data-dir). Calls are serialised by
/// LocalExperiment. Failures throw std::exception; the experiment then changes nothing.
class ExperimentStore {
 public:
  struct Stored {
    std::optional<ExperimentState> current;
    std::optional<ExperimentSummary> previous;
    std::optional<VisitorDay> visitors;  ///< the day's salt and keys, of whatever day
  };

  virtual ~ExperimentStore() = default;
  virtual Stored load() = 0;
  /// One change, atomically: `current` (nullopt: none runs) replaces the running
  /// experiment and its days, `previous` (when given) the finished one, and the day's salt
  /// and visitors are forgotten (a new experiment counts its visitors afresh).
  virtual void replace(const std::optional<ExperimentState>& current,
                       const std::optional<ExperimentSummary>& previous) = 0;
  /// Forgets the salt and visitor keys held, then holds `salt` for `day` (no salt: none).
  virtual void begin_day(std::int64_t day, const std::optional<std::string>& salt) = 0;
  /// Atomically: visitor `key` of the day held is counted (converted or not), and the
  /// running experiment's counts of `day` are `counts`.
  virtual void record(std::uint64_t key, bool converted, std::int64_t day,
                      const DayArms& counts) = 0;
};

class LocalExperiment final : public Experiment {
 public:
  /// With a store, loads what it holds; a salt and visitor keys of a day before `now`'s are
  /// deleted there and then. Throws ExperimentError when the store cannot be read or purged,
  /// so a broken --data-dir stops the start. `max_visitors_per_day` is for tests.
  explicit LocalExperiment(ExperimentStore* store = nullptr, Clock::time_point now = Clock::now(),
                           std::size_t max_visitors_per_day = kMaxVisitorsPerDay);
  LocalExperiment(const LocalExperiment&) = delete;
  LocalExperiment& operator=(const LocalExperiment&) = delete;

  void start_or_continue(int percent, Clock::time_point now) override;
  std::optional<Arm> arm_of(std::string_view address, std::string_view user_agent) override;
  Recorded record(std::string_view address, std::string_view user_agent, Visit visit,
                  Clock::time_point now) override;
  ExperimentReport report(Clock::time_point now) override;
  void maintain(Clock::time_point now) override;
  std::uint64_t visitors_not_counted() const override;

 private:
  /// Forgets the day's visitors if `today` is past their day. Throws ExperimentError.
  void end_past_day_locked(std::int64_t today);

  ExperimentStore* store_;
  std::size_t max_visitors_;
  mutable std::mutex mutex_;  ///< guards everything below, and the store
  std::optional<ExperimentState> current_;
  std::optional<ExperimentSummary> previous_;
  std::optional<VisitorDay> visitors_;  ///< the day counted now; nullopt before its first beacon
  std::uint64_t not_counted_ = 0;
};

}  // namespace proof::core
