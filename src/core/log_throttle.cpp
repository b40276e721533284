#include "core/log_throttle.h"

namespace proof::core {

LogThrottle::LogThrottle(double per_second, double burst) : rate_{per_second, burst} {}

bool LogThrottle::allow(Clock::time_point now, std::uint64_t& skipped) {
  std::lock_guard lock(mutex_);
  if (!bucket_) bucket_.emplace(rate_, now);
  if (bucket_->take(rate_, now)) {
    ++skipped_;
    return false;
  }
  skipped = skipped_;
  skipped_ = 0;
  return true;
}

std::string skipped_note(std::uint64_t skipped) {
  if (skipped == 0) return {};
  return " (" + std::to_string(skipped) + " more refusals not logged)";
}

LogThrottle& refusal_log() {
  static LogThrottle throttle(20, 50);
  return throttle;
}

}  // namespace proof::core
