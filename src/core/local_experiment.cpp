#include "core/local_experiment.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "core/utc.h"

namespace proof::core {

namespace {

/// Runs `work` on the store; any failure there becomes an ExperimentError.
template <class Work>
void on_store(ExperimentStore* store, Work work) {
  if (!store) return;
  try {
    work(*store);
  } catch (const ExperimentError&) {
    throw;
  } catch (const std::exception& e) {
    throw ExperimentError(e.what());
  }
}

ExperimentSummary summary_of(const ExperimentState& state) {
  ExperimentSummary s{state.holdout_percent, state.started, std::nullopt, {}, {}};
  for (const auto& [day, counts] : state.days) {
    s.shown.visitors += counts.shown.visitors;
    s.shown.conversions += counts.shown.conversions;
    s.holdout.visitors += counts.holdout.visitors;
    s.holdout.conversions += counts.holdout.conversions;
  }
  return s;
}

}  // namespace

LocalExperiment::LocalExperiment(ExperimentStore* store, Clock::time_point now,
                                 std::size_t max_visitors_per_day)
    : store_(store), max_visitors_(max_visitors_per_day) {
  if (!store_) return;
  ExperimentStore::Stored stored;
  on_store(store_, [&](ExperimentStore& s) { stored = s.load(); });
  current_ = std::move(stored.current);
  previous_ = stored.previous;
  if (stored.visitors && stored.visitors->day == utc_day(now) && current_) {
    visitors_ = std::move(stored.visitors);  // a restart within the day: keep counting it
  } else if (stored.visitors) {
    on_store(store_, [](ExperimentStore& s) { s.begin_day(0, std::nullopt); });
  }
}

void LocalExperiment::start_or_continue(int percent, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (current_ && current_->holdout_percent == percent) return;
  if (!current_ && percent == 0) return;
  std::optional<ExperimentSummary> previous = previous_;
  if (current_) {
    previous = summary_of(*current_);
    previous->ended = now;
  }
  std::optional<ExperimentState> fresh;
  if (percent > 0) {
    fresh = ExperimentState{random_bytes(kExperimentSecretBytes), percent, now, {}};
  }
  on_store(store_, [&](ExperimentStore& s) { s.replace(fresh, previous); });
  current_ = std::move(fresh);
  previous_ = previous;
  visitors_.reset();
}

std::optional<Arm> LocalExperiment::arm_of(std::string_view address, std::string_view user_agent) {
  std::lock_guard lock(mutex_);
  if (!current_) return std::nullopt;
  return assign_arm(current_->secret, address, user_agent, current_->holdout_percent);
}

void LocalExperiment::end_past_day_locked(std::int64_t today) {
  if (!visitors_ || visitors_->day >= today) return;
  on_store(store_, [](ExperimentStore& s) { s.begin_day(0, std::nullopt); });
  visitors_.reset();
}

Recorded LocalExperiment::record(std::string_view address, std::string_view user_agent, Visit visit,
                                 Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!current_) return Recorded::kOff;
  // A clock stepped back into yesterday counts in the day being counted, never reopens one.
  const std::int64_t today = std::max(utc_day(now), visitors_ ? visitors_->day : utc_day(now));
  end_past_day_locked(today);
  if (!visitors_) {
    VisitorDay fresh{today, random_bytes(kExperimentSecretBytes), {}};
    on_store(store_, [&](ExperimentStore& s) { s.begin_day(fresh.day, fresh.salt); });
    visitors_ = std::move(fresh);
  }

  const std::uint64_t key = visitor_key(visitors_->salt, address, user_agent);
  const bool goal = visit == Visit::kGoal;
  const auto seen = visitors_->converted.find(key);
  if (seen == visitors_->converted.end() && visitors_->converted.size() >= max_visitors_) {
    ++not_counted_;
    return Recorded::kFull;
  }
  if (seen != visitors_->converted.end() && (seen->second || !goal)) return Recorded::kRepeat;

  const Arm arm = assign_arm(current_->secret, address, user_agent, current_->holdout_percent);
  const auto stored = current_->days.find(today);
  DayArms counts = stored != current_->days.end() ? stored->second : DayArms{};
  ArmCounts& counted = arm == Arm::kHoldout ? counts.holdout : counts.shown;
  if (seen == visitors_->converted.end()) ++counted.visitors;
  if (goal) ++counted.conversions;
  // Written before it is applied, so that a failed write leaves memory as the disk is.
  on_store(store_, [&](ExperimentStore& s) { s.record(key, goal, today, counts); });
  current_->days[today] = counts;
  visitors_->converted[key] = goal;
  return Recorded::kCounted;
}

ExperimentReport LocalExperiment::report(Clock::time_point /*now*/) {
  std::lock_guard lock(mutex_);
  ExperimentReport out;
  if (current_) out.current = summary_of(*current_);
  out.previous = previous_;
  return out;
}

void LocalExperiment::maintain(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  try {
    end_past_day_locked(utc_day(now));
  } catch (const ExperimentError& e) {
    spdlog::warn("experiment: could not forget yesterday's visitors ({}); will retry", e.what());
  }
}

std::uint64_t LocalExperiment::visitors_not_counted() const {
  std::lock_guard lock(mutex_);
  return not_counted_;
}

}  // namespace proof::core
