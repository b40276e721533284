// A budget for log lines about refused requests: a client that floods proof with bad
// requests must not flood the journal (or the disk) too. Lines are let through at a steady
// rate with a burst; the ones left out are counted and the next line written says how many.
// /metrics still counts every refusal. Thread-safe; the clock is a parameter.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/token_bucket.h"

namespace proof::core {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  /// `per_second` lines on average, `burst` at once.
  LogThrottle(double per_second, double burst);

  /// Whether to write one more line now. When it is, `skipped` is set to how many lines
  /// were left out since the last one written (0 most of the time).
  bool allow(Clock::time_point now, std::uint64_t& skipped);

 private:
  TokenRate rate_;
  std::mutex mutex_;
  std::optional<TokenBucket> bucket_;  ///< full at the first line
  std::uint64_t skipped_ = 0;
};

/// The one budget shared by every place that logs a refused request (20 a second after a
/// burst of 50).
LogThrottle& refusal_log();

/// What a line written after a gap adds: "" for none, else " (N more refusals not logged)".
std::string skipped_note(std::uint64_t skipped);

}  // namespace proof::core
